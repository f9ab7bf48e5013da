import { createHash } from 'node:crypto';
import type { ConfiguredProvider } from '../providers/provider.ts';
import type { AuthSession } from './auth-sessions.ts';

/**
 * The hosted pages (the connect flow's login, widget, cancel and result pages, and the upload
 * page): self-contained HTML with one stylesheet and layout (inline CSS, no CDN; only the
 * upload page has a script), readable on a phone, escaping everything that came from a request
 * or a developer, and served with the same security headers (`hostedPageHeaders`).
 */
export function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const CSS = `
:root{color-scheme:light dark;--bg:#f4f6fb;--card:#fff;--text:#1c2230;--muted:#5f6b7d;--line:#dfe3ec;--accent:#2458e6;--accent-text:#fff;--error:#b42318;--error-bg:#fef3f2}
@media (prefers-color-scheme:dark){:root{--bg:#12151c;--card:#1b2029;--text:#e8ebf2;--muted:#9aa4b5;--line:#2c3340;--accent:#5b8cff;--error:#ffb4ab;--error-bg:#3a1d1b}}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:grid;place-items:center;background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;padding:24px}
main{width:100%;max-width:400px;background:var(--card);border:1px solid var(--line);border-radius:16px;padding:32px;box-shadow:0 8px 30px rgba(0,0,0,.06)}
header{display:flex;align-items:center;gap:12px;margin-bottom:20px}
header img{width:44px;height:44px;border-radius:10px}
h1{font-size:1.3rem;margin:0}
p{margin:.4rem 0 1rem;color:var(--muted)}
label{display:block;font-weight:600;font-size:.9rem;margin:14px 0 6px}
input{width:100%;padding:11px 12px;border:1px solid var(--line);border-radius:10px;background:transparent;color:inherit;font:inherit}
input:focus{outline:2px solid var(--accent);outline-offset:1px;border-color:transparent}
button,.button{display:block;width:100%;margin-top:22px;padding:12px;border:0;border-radius:10px;background:var(--accent);color:var(--accent-text);font:inherit;font-weight:600;cursor:pointer;text-align:center;text-decoration:none}
.secondary{display:block;text-align:center;margin-top:14px;color:var(--muted);font-size:.9rem}
.error{background:var(--error-bg);color:var(--error);border-radius:10px;padding:10px 12px;font-size:.92rem;margin:0 0 8px}
ul{list-style:none;padding:0;margin:0}
li form{margin:0}
li button{display:flex;align-items:center;gap:12px;margin-top:10px;background:transparent;color:var(--text);border:1px solid var(--line);text-align:left}
li button:hover{border-color:var(--accent)}
li img{width:32px;height:32px;border-radius:8px}
small{color:var(--muted);font-weight:400;display:block}
.fine{font-size:.8rem;color:var(--muted);margin-top:22px}
.drop{border:2px dashed var(--line);border-radius:12px;padding:16px;margin-top:8px}
.drop.drag{border-color:var(--accent);background:color-mix(in srgb,var(--accent) 8%,transparent)}
.drop label:first-child{margin-top:0}
input[type=file]{padding:8px}
details{margin-top:14px;font-size:.9rem}
summary{cursor:pointer;color:var(--muted)}
button:disabled{opacity:.5;cursor:default}
progress{width:100%;margin-top:14px}
.results li{padding:8px 0;border-bottom:1px solid var(--line);font-size:.92rem;overflow-wrap:anywhere}
.results .state{font-weight:600}
.results .ok .state{color:var(--accent)}
.results .dup .state{color:var(--muted)}
.results .err .state{color:var(--error)}`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/**
 * The security headers of every hosted page: nothing loads from elsewhere (provider icons are
 * data: or https: images), only the shared stylesheet and the page's own inline script run (by
 * hash), the page may not be framed (a password form in someone else's frame is a
 * clickjacking target), its URL (which may carry a token) is never sent as a referrer, and it
 * is not cached. `connect`: the page's script may call this server (the upload page).
 * No `form-action` on the connect pages: browsers apply it to the redirect after the login,
 * which goes to the developer's URL.
 */
export function hostedPageHeaders(options: { script?: string; connect?: boolean } = {}): Record<string, string> {
  return {
    'content-security-policy': [
      "default-src 'none'",
      `style-src ${sha256(CSS)}`,
      `script-src ${options.script === undefined ? "'none'" : sha256(options.script)}`,
      'img-src data: https:',
      ...(options.connect ? ["connect-src 'self'", "form-action 'self'"] : []),
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/** A hosted page: `body` goes into the card; `script` (trusted, allowed by hash) after it. */
export function hostedPage(
  title: string,
  body: string,
  options: { language?: string | null; script?: string } = {},
): string {
  const language = options.language;
  const lang = language && /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$/.test(language) ? language : 'en';
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><main>${body}</main>${options.script === undefined ? '' : `<script>${options.script}</script>`}</body></html>`;
}

function page(title: string, body: string, language: string | null = null): string {
  return hostedPage(title, body, { language });
}

function providerHeader(provider: ConfiguredProvider, title: string): string {
  return `<header><img src="${escapeHtml(provider.capabilities.icon)}" alt=""><h1>${escapeHtml(title)}</h1></header>`;
}

export function loginPage(input: {
  session: AuthSession;
  provider: ConfiguredProvider;
  action: string;
  cancelUrl: string;
  error?: string;
  username?: string;
}): string {
  const name = input.provider.capabilities.displayName;
  return page(
    `Connect ${name}`,
    `${providerHeader(input.provider, `Connect your ${name} account`)}
<p>Sign in with your ${escapeHtml(name)} login. Your password is sent to ${escapeHtml(name)} once to connect your account and is never stored.</p>
${input.error ? `<p class="error" role="alert">${escapeHtml(input.error)}</p>` : ''}
<form method="post" action="${escapeHtml(input.action)}">
<label for="username">Email</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${escapeHtml(input.username ?? '')}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Connect ${escapeHtml(name)}</button>
</form>
<a class="secondary" href="${escapeHtml(input.cancelUrl)}">Cancel</a>`,
    input.session.language,
  );
}

/**
 * The cancel link's page: cancelling deletes the pending user and sends the browser to the
 * developer's failure URL, so it happens only on the user's click (a POST), never on a GET
 * that a link preview, a prefetch or another site's <img> could make.
 */
export function cancelPage(input: { action: string; backUrl: string; language: string | null }): string {
  return page(
    'Cancel connecting?',
    `<header><h1>Cancel connecting?</h1></header>
<p>Your account will not be connected. You can start again from the app.</p>
<form method="post" action="${escapeHtml(input.action)}"><button type="submit">Cancel the connection</button></form>
<a class="secondary" href="${escapeHtml(input.backUrl)}">Back</a>`,
    input.language,
  );
}

export function widgetPage(input: {
  session: AuthSession;
  providers: ConfiguredProvider[];
  actionFor: (provider: ConfiguredProvider) => string;
}): string {
  const items = input.providers
    .map((provider) => {
      const { displayName, icon, auth } = provider.capabilities;
      const note =
        auth === 'mobile_sdk'
          ? 'Connect from the mobile app'
          : auth === 'upload'
            ? 'Upload workout files'
            : 'Sign in to connect';
      return `<li><form method="post" action="${escapeHtml(input.actionFor(provider))}"><button type="submit"><img src="${escapeHtml(icon)}" alt=""><span>${escapeHtml(displayName)}<small>${note}</small></span></button></form></li>`;
    })
    .join('\n');
  return page(
    'Connect a data source',
    `<header><h1>Connect a data source</h1></header>
<p>Choose where your workouts come from.</p>
${input.providers.length ? `<ul>${items}</ul>` : '<p class="error">No data source is available right now.</p>'}`,
    input.session.language,
  );
}

/** `displayName` turns Terra's resource name (`IFIT`) into the provider's own (`iFit`). */
export function resultPage(
  outcome: 'success' | 'failure',
  query: Record<string, unknown>,
  displayName: (resource: string) => string | undefined = () => undefined,
): string {
  const given = typeof query.resource === 'string' && query.resource !== 'null' ? query.resource : undefined;
  const resource = given === undefined ? 'your account' : (displayName(given) ?? given);
  return outcome === 'success'
    ? page(
        'Connected',
        `<header><h1>Connected</h1></header><p>${escapeHtml(resource)} is connected. You can close this page and return to the app.</p>`,
      )
    : page(
        'Not connected',
        `<header><h1>Not connected</h1></header><p>${escapeHtml(resource)} was not connected${query.reason === 'cancelled' ? ' because the connection was cancelled' : ''}. You can close this page and try again from the app.</p>`,
      );
}

export function invalidLinkPage(message: string): string {
  return page('Link not valid', `<header><h1>This link cannot be used</h1></header><p>${escapeHtml(message)}</p>`);
}
