import type { FastifyReply } from 'fastify';
import { TributaryError } from '../../core/errors.ts';
import type { ConnectFlow, PageOutcome } from '../../auth/connect.ts';
import { cancelPage, hostedPageHeaders, invalidLinkPage, loginPage, resultPage, widgetPage } from '../../auth/pages.ts';
import { developerOf } from '../authenticate.ts';
import type { ApiContext, RouteModule } from '../context.ts';
import { serve } from '../contract/index.ts';
import {
  authenticateUser,
  cancelForm,
  cancelLogin,
  chooseProvider,
  deauthenticateUser,
  failurePage,
  generateWidgetSession,
  loginForm,
  oauthCallback,
  submitLogin,
  successPage,
  widget,
  type ConnectBody,
} from './auth.contract.ts';

/**
 * Terra's /v2/auth endpoints: authenticateUser, generateWidgetSession, deauthenticateUser.
 * The hosted pages they hand out are in `hostedAuthPages` (mounted at the root).
 */
export const authRoutes: RouteModule = (app, ctx) => {
  serve(app, authenticateUser, async ({ query, body }, request) => {
    const developer = developerOf(request);
    const { user, authUrl } = await flow(ctx).authenticateUser(developer, query.resource, connectFields(body));
    return { status: 'success', user_id: user.userId, auth_url: authUrl };
  });

  serve(app, generateWidgetSession, async ({ body }, request) => {
    const developer = developerOf(request);
    const providers = body.providers || null;
    const session = await flow(ctx).generateWidgetSession(developer, { ...connectFields(body), providers });
    return { status: 'success', session_id: session.sessionId, url: session.url, expires_in: session.expiresIn };
  });

  serve(app, deauthenticateUser, async ({ query }, request) => {
    const developer = developerOf(request);
    await flow(ctx).deauthenticate(developer.devId, query.user_id);
    return { status: 'success' };
  });
};

/** The browser side of the connect flow: login form, widget, cancel, result pages. */
export const hostedAuthPages: RouteModule = (app, ctx) => {
  serve(app, loginForm, async ({ params: { secret } }, _request, reply) => {
    return sendPage(reply, await flow(ctx).openLogin(secret), secret);
  });

  serve(app, submitLogin, async ({ params: { secret } }, request, reply) => {
    const form = (request.body ?? {}) as Record<string, unknown>;
    return sendPage(reply, await flow(ctx).submitLogin(secret, form), secret);
  });

  // GET only asks; the POST of its button cancels (a prefetch or an <img> must not).
  serve(app, cancelForm, async ({ params: { secret } }, _request, reply) => {
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

  serve(app, cancelLogin, async ({ params: { secret } }, _request, reply) => {
    return sendPage(reply, await flow(ctx).cancelLogin(secret), secret);
  });

  serve(app, widget, async ({ params: { secret } }, _request, reply) => {
    const outcome = await flow(ctx).openWidget(secret);
    if (outcome.kind !== 'widget') return sendPage(reply, outcome, secret);
    const html = widgetPage({
      session: outcome.session,
      providers: outcome.providers,
      actionFor: (provider) => `/widget/${secret}/${provider.capabilities.name}`,
    });
    return html200(reply, html);
  });

  serve(app, chooseProvider, async ({ params: { secret, provider } }, _request, reply) => {
    return sendPage(reply, await flow(ctx).chooseInWidget(secret, provider), secret);
  });

  serve(app, oauthCallback, async ({ params, query }, _request, reply) => {
    const outcome = await flow(ctx).oauthCallback(params.provider, query);
    return sendPage(reply, outcome, '');
  });

  serve(app, successPage, async ({ query }, _request, reply) =>
    html200(reply, resultPage('success', query, displayNameOf(ctx))),
  );
  serve(app, failurePage, async ({ query }, _request, reply) =>
    html200(reply, resultPage('failure', query, displayNameOf(ctx))),
  );
};

/** The hosted pages' shared security headers (src/auth/pages.ts; these pages have no script). */
const PAGE_SECURITY = hostedPageHeaders();

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

/** The connect fields of authenticateUser and generateWidgetSession (empty is none). */
function connectFields(body: ConnectBody) {
  return {
    referenceId: body.reference_id || null,
    language: body.language || null,
    successUrl: body.auth_success_redirect_url || null,
    failureUrl: body.auth_failure_redirect_url || null,
  };
}

/** A provider's own name for its Terra resource name (`IFIT` → `iFit`), when it is configured. */
function displayNameOf(ctx: ApiContext): (resource: string) => string | undefined {
  return (resource) => ctx.providers.get(resource)?.capabilities.displayName;
}
