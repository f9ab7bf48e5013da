import type { FastifyReply } from 'fastify';
import type { RouteModule } from '../api/context.ts';
import { serve } from '../api/contract/index.ts';
import { escapeHtml } from '../auth/pages.ts';
import type { McpGrant } from '../store/store.ts';
import { consentDecision, consentPage } from './contract.ts';
import { describeGrantPeriod } from './scope.ts';

/**
 * The hosted consent page (`/mcp/consent/{secret}`): the end user sees which developer asks
 * for which of their data, for which period and how long, and approves or denies. Approving
 * mints the grant and shows its token once, with the MCP client configuration to paste; the
 * link is then spent. Self-contained HTML (no script, no CDN), never cached, never framed.
 */
export const mcpConsentPages: RouteModule = (app, ctx) => {
  serve(app, consentPage, async ({ params }, _request, reply) => {
    const grant = await ctx.store.mcpGrants.byConsentSecret(secretOf(params.secret));
    if (!grant || isLinkExpired(grant)) return send(reply, 410, spentPage());
    const developer = await ctx.store.developers.get(grant.devId);
    const user = await ctx.store.users.get(grant.devId, grant.userId);
    return send(
      reply,
      200,
      askPage(grant, developer?.name ?? grant.devId, user?.referenceId ?? user?.userId ?? grant.userId),
    );
  });

  serve(app, consentDecision, async ({ params }, request, reply) => {
    const secret = secretOf(params.secret);
    const form = (request.body ?? {}) as Record<string, unknown>;
    if (form.decision === 'deny') {
      const denied = await ctx.store.mcpGrants.deny(secret);
      if (!denied) return send(reply, 410, spentPage());
      return send(reply, 200, deniedPage(backUrl(denied, 'denied')));
    }
    if (form.decision !== 'approve') return send(reply, 400, badDecisionPage());
    const approved = await ctx.store.mcpGrants.approve(secret);
    if (!approved) return send(reply, 410, spentPage());
    const endpoint = `${ctx.config.publicUrl.replace(/\/$/, '')}/mcp`;
    return send(
      reply,
      200,
      approvedPage(approved.grant, approved.token, endpoint, backUrl(approved.grant, 'approved')),
    );
  });
};

/** A secret of the wrong shape finds no grant (410), as an unknown one does. */
function secretOf(secret: string): string {
  return /^[\w-]{1,128}$/.test(secret) ? secret : '';
}

const isLinkExpired = (grant: McpGrant) => grant.consentExpiresMs !== null && grant.consentExpiresMs <= Date.now();

function backUrl(grant: McpGrant, status: 'approved' | 'denied'): string | null {
  if (!grant.redirectUrl) return null;
  const url = new URL(grant.redirectUrl);
  url.searchParams.set('grant_id', grant.grantId);
  url.searchParams.set('status', status);
  return url.toString();
}

function send(reply: FastifyReply, status: number, html: string) {
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    )
    .header('referrer-policy', 'no-referrer')
    .type('text/html; charset=utf-8')
    .send(html);
}

const CSS = `
:root{color-scheme:light dark;--bg:#f4f6fb;--card:#fff;--text:#1c2230;--muted:#5f6b7d;--line:#dfe3ec;--accent:#2458e6}
@media (prefers-color-scheme:dark){:root{--bg:#12151c;--card:#1b2029;--text:#e8ebf2;--muted:#9aa4b5;--line:#2c3340;--accent:#5b8cff}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:24px}
main{width:100%;max-width:480px;background:var(--card);border:1px solid var(--line);border-radius:16px;padding:32px}
h1{font-size:1.3rem;margin:0 0 .5rem}
p,dd{color:var(--muted)}
dl{margin:1rem 0}dt{font-weight:600}dd{margin:0 0 .6rem}
.actions{display:flex;gap:12px;margin-top:1.2rem}
button,.button{flex:1;padding:12px;border:1px solid var(--accent);border-radius:10px;font:inherit;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.approve{background:var(--accent);color:#fff}.deny{background:transparent;color:var(--accent)}
pre{white-space:pre-wrap;word-break:break-all;background:var(--bg);border:1px solid var(--line);border-radius:10px;padding:12px;font-size:.85rem}
.fine{font-size:.85rem;color:var(--muted)}`;

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>${body}</main></body></html>`;
}

const DAY_S = 86_400;
function lifetime(seconds: number): string {
  if (seconds % DAY_S === 0) return `${seconds / DAY_S} day${seconds === DAY_S ? '' : 's'}`;
  if (seconds % 3600 === 0) return `${seconds / 3600} hour${seconds === 3600 ? '' : 's'}`;
  return `${Math.round(seconds / 60)} minutes`;
}

function askPage(grant: McpGrant, developerName: string, userLabel: string): string {
  const types = grant.dataTypes?.join(', ') ?? 'all of your health data (activity, sleep, daily, body, nutrition…)';
  return page(
    'Share your health data with an AI agent?',
    `<h1>Share your health data with an AI agent?</h1>
<p><strong>${escapeHtml(developerName)}</strong> asks that an AI agent may read some of your data (account ${escapeHtml(userLabel)}) through Tributary.</p>
<dl>
<dt>What</dt><dd>${escapeHtml(types)}</dd>
<dt>Which dates</dt><dd>${escapeHtml(describeGrantPeriod(grant))}</dd>
<dt>For how long</dt><dd>${escapeHtml(lifetime(grant.expiresInSeconds))} from now, unless revoked sooner</dd>
</dl>
<p class="fine">The agent can only read, only this data, and every request it makes is recorded. It cannot see other people's data.</p>
<form method="post" class="actions">
<button class="deny" name="decision" value="deny" type="submit">Deny</button>
<button class="approve" name="decision" value="approve" type="submit">Approve</button>
</form>`,
  );
}

function approvedPage(grant: McpGrant, token: string, endpoint: string, back: string | null): string {
  const config = JSON.stringify(
    { mcpServers: { tributary: { type: 'http', url: endpoint, headers: { Authorization: `Bearer ${token}` } } } },
    null,
    2,
  );
  return page(
    'Access approved',
    `<h1>Access approved</h1>
<p>Give this token to the agent. It is shown only once; it works until ${escapeHtml(new Date(grant.expiresMs ?? 0).toISOString().slice(0, 16).replace('T', ' '))} UTC unless revoked.</p>
<pre>${escapeHtml(token)}</pre>
<p class="fine">MCP client configuration:</p>
<pre>${escapeHtml(config)}</pre>
${back ? `<div class="actions"><a class="button approve" href="${escapeHtml(back)}">Return to the app</a></div>` : ''}`,
  );
}

function deniedPage(back: string | null): string {
  return page(
    'Access denied',
    `<h1>Access denied</h1><p>No agent was given access to your data.</p>
${back ? `<div class="actions"><a class="button approve" href="${escapeHtml(back)}">Return to the app</a></div>` : ''}`,
  );
}

function spentPage(): string {
  return page(
    'Link no longer valid',
    '<h1>This link is no longer valid</h1><p>It was already used, has expired, or was withdrawn. Ask the app for a new one.</p>',
  );
}

function badDecisionPage(): string {
  return page('Choose', '<h1>Choose Approve or Deny</h1><p>Go back and press one of the two buttons.</p>');
}
