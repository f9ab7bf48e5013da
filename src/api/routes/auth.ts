import type { FastifyReply } from 'fastify';
import { badParameter, TributaryError } from '../../core/errors.ts';
import { redirectUrl, type ConnectFlow, type PageOutcome } from '../../auth/connect.ts';
import { cancelPage, invalidLinkPage, loginPage, resultPage, widgetPage } from '../../auth/pages.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { requireParam } from '../params.ts';
import { describeTag, registerOperations, type OperationObject } from '../openapi/index.ts';

const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const secretParam = {
  name: 'secret',
  in: 'path',
  required: true,
  description: 'The secret of a link handed out by /v2/auth',
  schema: { type: 'string' },
};
const page = (
  summary: string,
  responses: OperationObject['responses'],
  extra: Partial<OperationObject> = {},
): OperationObject => ({ summary, parameters: [secretParam], responses, ...extra });
describeTag(
  'Hosted pages',
  'Pages for the end user’s browser, under the public URL: the login form of password providers, the widget, the result pages. No API key: the link itself is the credential (single use, 15 minutes).',
);
registerOperations(
  {
    method: 'get',
    path: '/connect/{secret}',
    tag: 'Hosted pages',
    operation: page('Login form of a password provider (fields username, password)', {
      '200': html('The form'),
      '404': html('Unknown link'),
      '410': html('Link used or expired'),
    }),
  },
  {
    method: 'post',
    path: '/connect/{secret}',
    tag: 'Hosted pages',
    operation: page(
      'Submit the login form (application/x-www-form-urlencoded)',
      {
        '303': { description: 'Connected: redirect to the success URL with user_id, resource, reference_id' },
        '400': html('Missing fields: the form again'),
        '401': html('Wrong credentials: the form again with an error'),
        '410': html('Link used or expired'),
        '502': html('The provider could not be reached: the form again'),
      },
      {
        requestBody: {
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
      },
    ),
  },
  {
    method: 'get',
    path: '/connect/{secret}/cancel',
    tag: 'Hosted pages',
    operation: page('Cancel page: asks the user to confirm (nothing is cancelled by a GET)', {
      '200': html('The confirmation page'),
      '410': html('Link used or expired'),
    }),
  },
  {
    method: 'post',
    path: '/connect/{secret}/cancel',
    tag: 'Hosted pages',
    operation: page('Cancel: auth error event, redirect to the failure URL with reason=cancelled', {
      '303': { description: 'Redirect to the failure URL' },
      '410': html('Link used or expired'),
    }),
  },
  {
    method: 'get',
    path: '/widget/{secret}',
    tag: 'Hosted pages',
    operation: page('The widget: the developer’s enabled providers', {
      '200': html('The provider list'),
      '410': html('Session expired'),
    }),
  },
  {
    method: 'post',
    path: '/widget/{secret}/{provider}',
    tag: 'Hosted pages',
    operation: page(
      'Choose a provider in the widget',
      {
        '303': {
          description:
            'To the provider’s login form, the upload page, or (mobile-SDK providers) the success URL with user_id=null',
        },
      },
      {
        parameters: [secretParam, { name: 'provider', in: 'path', required: true, schema: { type: 'string' } }],
      },
    ),
  },
  {
    method: 'get',
    path: '/oauth/{provider}/callback',
    tag: 'Hosted pages',
    operation: {
      summary:
        'OAuth2 callback of every OAuth2 provider (register TRIBUTARY_PUBLIC_URL + this path at the provider; provider in lower case)',
      parameters: [
        { name: 'provider', in: 'path', required: true, schema: { type: 'string' }, description: 'e.g. oura' },
        { name: 'state', in: 'query', required: true, schema: { type: 'string' } },
        { name: 'code', in: 'query', schema: { type: 'string' } },
        { name: 'error', in: 'query', schema: { type: 'string' }, description: 'e.g. access_denied' },
        { name: 'error_description', in: 'query', schema: { type: 'string' } },
        { name: 'scope', in: 'query', schema: { type: 'string' } },
      ],
      responses: {
        '303': {
          description:
            'Connected: redirect to the success URL; refused or failed: redirect to the failure URL with reason (and an auth error event)',
        },
        '400': html('Unknown state, or a state issued for another provider: nothing changes'),
        '410': html('Sign-in already finished or expired'),
      },
    },
  },
  {
    method: 'get',
    path: '/auth/success',
    tag: 'Hosted pages',
    operation: { summary: 'Default success page', responses: { '200': html('Connected') } },
  },
  {
    method: 'get',
    path: '/auth/failure',
    tag: 'Hosted pages',
    operation: { summary: 'Default failure page', responses: { '200': html('Not connected') } },
  },
);

/**
 * Terra's /v2/auth endpoints: authenticateUser, generateWidgetSession, deauthenticateUser.
 * The hosted pages they hand out are in `hostedAuthPages` (mounted at the root).
 */
export const authRoutes: RouteModule = (app, ctx) => {
  app.post('/auth/authenticateUser', async (request) => {
    const developer = developerOf(request);
    const resource = requireParam('resource', (request.query as Record<string, unknown>).resource);
    const body = connectBody(request.body);
    const { user, authUrl } = await flow(ctx).authenticateUser(developer, resource, body);
    return { status: 'success', user_id: user.userId, auth_url: authUrl };
  });

  app.post('/auth/generateWidgetSession', async (request) => {
    const developer = developerOf(request);
    const body = connectBody(request.body);
    const providers = optionalString('providers', (request.body as Record<string, unknown> | undefined)?.providers);
    const session = await flow(ctx).generateWidgetSession(developer, { ...body, providers });
    return { status: 'success', session_id: session.sessionId, url: session.url, expires_in: session.expiresIn };
  });

  app.delete('/auth/deauthenticateUser', async (request) => {
    const developer = developerOf(request);
    const userId = requireParam('user_id', (request.query as Record<string, unknown>).user_id);
    await flow(ctx).deauthenticate(developer.devId, userId);
    return { status: 'success' };
  });
};

/** The browser side of the connect flow: login form, widget, cancel, result pages. */
export const hostedAuthPages: RouteModule = (app, ctx) => {
  app.get('/connect/:secret', async (request, reply) => {
    const { secret } = request.params as { secret: string };
    return sendPage(reply, await flow(ctx).openLogin(secret), secret);
  });

  app.post('/connect/:secret', async (request, reply) => {
    const { secret } = request.params as { secret: string };
    const form = (request.body ?? {}) as Record<string, unknown>;
    return sendPage(reply, await flow(ctx).submitLogin(secret, form), secret);
  });

  // GET only asks; the POST of its button cancels (a prefetch or an <img> must not).
  app.get('/connect/:secret/cancel', async (request, reply) => {
    const { secret } = request.params as { secret: string };
    const outcome = await flow(ctx).openLogin(secret);
    if (outcome.kind !== 'form') return sendPage(reply, outcome, secret);
    return html200(
      reply,
      cancelPage({
        action: `/connect/${secret}/cancel`,
        backUrl: `/connect/${secret}`,
        language: outcome.session.language,
      }),
    );
  });

  app.post('/connect/:secret/cancel', async (request, reply) => {
    const { secret } = request.params as { secret: string };
    return sendPage(reply, await flow(ctx).cancelLogin(secret), secret);
  });

  app.get('/widget/:secret', async (request, reply) => {
    const { secret } = request.params as { secret: string };
    const outcome = await flow(ctx).openWidget(secret);
    if (outcome.kind !== 'widget') return sendPage(reply, outcome, secret);
    const html = widgetPage({
      session: outcome.session,
      providers: outcome.providers,
      actionFor: (provider) => `/widget/${secret}/${provider.capabilities.name}`,
    });
    return html200(reply, html);
  });

  app.post('/widget/:secret/:provider', async (request, reply) => {
    const { secret, provider } = request.params as { secret: string; provider: string };
    return sendPage(reply, await flow(ctx).chooseInWidget(secret, provider), secret);
  });

  app.get('/oauth/:provider/callback', async (request, reply) => {
    const { provider } = request.params as { provider: string };
    const outcome = await flow(ctx).oauthCallback(provider, (request.query ?? {}) as Record<string, unknown>);
    return sendPage(reply, outcome, '');
  });

  app.get('/auth/success', async (request, reply) =>
    html200(reply, resultPage('success', request.query as Record<string, unknown>, displayNameOf(ctx))),
  );
  app.get('/auth/failure', async (request, reply) =>
    html200(reply, resultPage('failure', request.query as Record<string, unknown>, displayNameOf(ctx))),
  );
};

/**
 * The pages load nothing from elsewhere and may not be framed (a password form inside
 * someone else's frame is a clickjacking target). No `form-action`: browsers apply it to
 * the redirect after the login, which goes to the developer's URL.
 */
const PAGE_SECURITY = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; img-src data: https:; base-uri 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-store',
};

function flow(ctx: ApiContext): ConnectFlow {
  if (!ctx.connect) throw new TributaryError('internal', 'the connect flow is not wired into this server');
  return ctx.connect;
}

function sendPage(reply: FastifyReply, outcome: PageOutcome, secret: string) {
  void reply.headers(PAGE_SECURITY);
  switch (outcome.kind) {
    case 'redirect':
      return reply.redirect(outcome.location, 303);
    case 'invalid':
      return reply
        .status(outcome.reason === 'unknown' ? 404 : outcome.reason === 'mismatch' ? 400 : 410)
        .type('text/html; charset=utf-8')
        .send(invalidLinkPage(outcome.message));
    case 'widget':
      return html200(
        reply,
        widgetPage({
          session: outcome.session,
          providers: outcome.providers,
          actionFor: (provider) => `/widget/${secret}/${provider.capabilities.name}`,
        }),
      );
    case 'form': {
      const status =
        outcome.errorKind === 'credentials'
          ? 401
          : outcome.errorKind === 'input'
            ? 400
            : outcome.errorKind === 'provider'
              ? 502
              : 200;
      const html = loginPage({
        session: outcome.session,
        provider: outcome.provider,
        action: `/connect/${secret}`,
        cancelUrl: `/connect/${secret}/cancel`,
        error: outcome.error,
        username: outcome.username,
      });
      return reply.status(status).type('text/html; charset=utf-8').send(html);
    }
  }
}

function html200(reply: FastifyReply, html: string) {
  return reply.headers(PAGE_SECURITY).type('text/html; charset=utf-8').send(html);
}

function connectBody(body: unknown) {
  if (body !== undefined && body !== null && (typeof body !== 'object' || Array.isArray(body)))
    throw badParameter('body', 'the request body must be a JSON object');
  const fields = (body ?? {}) as Record<string, unknown>;
  return {
    referenceId: optionalString('reference_id', fields.reference_id),
    language: optionalString('language', fields.language),
    successUrl: redirectUrl('auth_success_redirect_url', fields.auth_success_redirect_url),
    failureUrl: redirectUrl('auth_failure_redirect_url', fields.auth_failure_redirect_url),
  };
}

function optionalString(name: string, value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') throw badParameter(name, `${name} must be a string`);
  if (value.length > 2048) throw badParameter(name, `${name} is too long (at most 2048 characters)`);
  return value;
}

/** A provider's own name for its Terra resource name (`IFIT` → `iFit`), when it is configured. */
function displayNameOf(ctx: ApiContext): (resource: string) => string | undefined {
  return (resource) => ctx.providers.get(resource)?.capabilities.displayName;
}
