import { z } from 'zod';
import { redirectUrl } from '../../auth/connect.ts';
import { badParameter } from '../../core/errors.ts';
import {
  checked,
  defineRoute,
  defineTerraRoute,
  httpField,
  requiredText,
  type ResponseSpec,
} from '../contract/index.ts';
import { describeTag } from '../openapi/index.ts';

/** Most characters of a text field of the connect bodies. */
const MAX_FIELD = 2048;

const connectShape = {
  reference_id: z.string().max(MAX_FIELD).nullable().optional(),
  language: z.string().max(MAX_FIELD).nullable().optional(),
  auth_success_redirect_url: z.string().nullable().optional(),
  auth_failure_redirect_url: z.string().nullable().optional(),
};

/** The fields authenticateUser and generateWidgetSession share; no body, or null, is none of them. */
function checkConnectBody(body: unknown, extra: readonly string[] = []): Record<string, unknown> {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
    throw badParameter('body', 'the request body must be a JSON object');
  const fields = (body ?? {}) as Record<string, unknown>;
  optionalString('reference_id', fields.reference_id);
  optionalString('language', fields.language);
  redirectUrl('auth_success_redirect_url', fields.auth_success_redirect_url);
  redirectUrl('auth_failure_redirect_url', fields.auth_failure_redirect_url);
  for (const name of extra) optionalString(name, fields[name]);
  return fields;
}

function optionalString(name: string, value: unknown): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be a string`);
  if (value.length > MAX_FIELD) throw badParameter(name, `${name} is too long (at most ${MAX_FIELD} characters)`);
}

const connectBody = z.object(connectShape);
export type ConnectBody = z.output<typeof connectBody>;

/** POST /v2/auth/authenticateUser?resource=…: a user and the link that connects it. */
export const authenticateUser = defineTerraRoute({
  method: 'post',
  path: '/v2/auth/authenticateUser',
  query: z.object({ resource: requiredText() }),
  body: checked(connectBody, (body) => checkConnectBody(body)),
});

/** POST /v2/auth/generateWidgetSession: a widget link (providers: a comma-separated list). */
export const generateWidgetSession = defineTerraRoute({
  method: 'post',
  path: '/v2/auth/generateWidgetSession',
  body: checked(connectBody.extend({ providers: z.string().max(MAX_FIELD).nullable().optional() }), (body) =>
    checkConnectBody(body, ['providers']),
  ),
});

/** DELETE /v2/auth/deauthenticateUser?user_id=… */
export const deauthenticateUser = defineTerraRoute({
  method: 'delete',
  path: '/v2/auth/deauthenticateUser',
  query: z.object({ user_id: requiredText() }),
});

// The hosted pages: HTML for the end user's browser; the link itself is the credential.

const TAG = 'Hosted pages';
describeTag(
  TAG,
  'Pages for the end user’s browser, under the public URL: the login form of password providers, the widget, the result pages. No API key: the link itself is the credential (single use, 15 minutes).',
);

const html = (description: string): ResponseSpec => ({
  description,
  contentType: 'text/html',
  schema: { type: 'string' },
});
const secretParams = z.object({ secret: z.string().describe('The secret of a link handed out by /v2/auth') });
/** A query value handed to the page as it came (the page answers bad values in HTML, not a JSON 400). */
const pageValue = (required: boolean, description?: string) =>
  httpField({ type: 'string', ...(description ? { description } : {}) }, (value) => value, { optional: !required });

export const loginForm = defineRoute({
  method: 'get',
  path: '/connect/{secret}',
  tag: TAG,
  public: true,
  summary: 'Login form of a password provider (fields username, password)',
  operationId: 'HostedPages_LoginForm',
  params: secretParams,
  responses: { 200: html('The form'), 404: html('Unknown link'), 410: html('Link used or expired') },
});

export const submitLogin = defineRoute({
  method: 'post',
  path: '/connect/{secret}',
  tag: TAG,
  public: true,
  summary: 'Submit the login form (application/x-www-form-urlencoded)',
  operationId: 'HostedPages_SubmitLogin',
  params: secretParams,
  rawBody: {
    required: false,
    content: {
      'application/x-www-form-urlencoded': {
        schema: {
          type: 'object',
          properties: { username: { type: 'string' }, password: { type: 'string' } },
          required: ['username', 'password'],
        },
      },
    },
  },
  responses: {
    303: { description: 'Connected: redirect to the success URL with user_id, resource, reference_id' },
    400: html('Missing fields: the form again'),
    401: html('Wrong credentials: the form again with an error'),
    410: html('Link used or expired'),
    502: html('The provider could not be reached: the form again'),
  },
});

export const cancelForm = defineRoute({
  method: 'get',
  path: '/connect/{secret}/cancel',
  tag: TAG,
  public: true,
  summary: 'Cancel page: asks the user to confirm (nothing is cancelled by a GET)',
  operationId: 'HostedPages_CancelForm',
  params: secretParams,
  responses: { 200: html('The confirmation page'), 410: html('Link used or expired') },
});

export const cancelLogin = defineRoute({
  method: 'post',
  path: '/connect/{secret}/cancel',
  tag: TAG,
  public: true,
  summary: 'Cancel: auth error event, redirect to the failure URL with reason=cancelled',
  operationId: 'HostedPages_Cancel',
  params: secretParams,
  responses: { 303: { description: 'Redirect to the failure URL' }, 410: html('Link used or expired') },
});

export const widget = defineRoute({
  method: 'get',
  path: '/widget/{secret}',
  tag: TAG,
  public: true,
  summary: 'The widget: the developer’s enabled providers',
  operationId: 'HostedPages_Widget',
  params: secretParams,
  responses: { 200: html('The provider list'), 410: html('Session expired') },
});

export const chooseProvider = defineRoute({
  method: 'post',
  path: '/widget/{secret}/{provider}',
  tag: TAG,
  public: true,
  summary: 'Choose a provider in the widget',
  operationId: 'HostedPages_ChooseProvider',
  params: secretParams.extend({ provider: z.string() }),
  responses: {
    303: {
      description:
        'To the provider’s login form, the upload page, or (mobile-SDK providers) the success URL with user_id=null',
    },
  },
});

export const oauthCallback = defineRoute({
  method: 'get',
  path: '/oauth/{provider}/callback',
  tag: TAG,
  public: true,
  summary:
    'OAuth2 callback of every OAuth2 provider (register TRIBUTARY_PUBLIC_URL + this path at the provider; provider in lower case)',
  operationId: 'HostedPages_OAuthCallback',
  params: z.object({ provider: z.string().describe('e.g. oura') }),
  query: z
    .object({
      state: pageValue(true),
      code: pageValue(false),
      error: pageValue(false, 'e.g. access_denied'),
      error_description: pageValue(false),
      scope: pageValue(false),
    })
    .passthrough(),
  responses: {
    303: {
      description:
        'Connected: redirect to the success URL; refused or failed: redirect to the failure URL with reason (and an auth error event)',
    },
    400: html('Unknown state, or a state issued for another provider: nothing changes'),
    410: html('Sign-in already finished or expired'),
  },
});

/** What the result pages read from the query (anything else is ignored). */
const resource = pageValue(false, 'The provider (its display name is shown)');

/** A default result page: where the browser lands when the developer gave no redirect URL. */
function resultPage<const P extends string, const O extends string, const Q extends z.ZodRawShape>(
  path: P,
  operationId: O,
  summary: string,
  shown: string,
  query: Q,
) {
  return defineRoute({
    method: 'get',
    path,
    tag: TAG,
    public: true,
    summary,
    operationId,
    query: z.object({ resource, ...query }).passthrough(),
    responses: { 200: html(shown) },
  });
}

export const successPage = resultPage('/auth/success', 'HostedPages_Success', 'Default success page', 'Connected', {});

export const failurePage = resultPage('/auth/failure', 'HostedPages_Failure', 'Default failure page', 'Not connected', {
  reason: pageValue(false, '`cancelled` when the user cancelled'),
});
