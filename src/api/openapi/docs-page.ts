import type { OpenApiDocument } from './builder.ts';

/**
 * Renders the OpenAPI document as one self-contained HTML page (inline CSS, no scripts,
 * nothing fetched): every operation grouped by tag, with method, path, description,
 * parameters, request body and response schema names, then the webhook events.
 */
export function renderDocsPage(doc: OpenApiDocument): string {
  const info = doc.info as { title: string; version: string; summary?: string; description?: string };
  const servers = (doc.servers as { url: string }[] | undefined) ?? [];
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item) as [string, Operation][]) {
      const tag = op.tags?.[0] ?? 'Other';
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }
  const tagOrder = [
    ...doc.tags.map((t) => t.name),
    ...[...byTag.keys()].filter((t) => !doc.tags.some((x) => x.name === t)),
  ];
  const sections = tagOrder
    .filter((tag) => byTag.has(tag))
    .map((tag) => {
      const description = doc.tags.find((t) => t.name === tag)?.description;
      const ops = byTag
        .get(tag)!
        .map(({ method, path, op }) => renderOperation(method, path, op, doc))
        .join('\n');
      return `<section id="${anchor(`tag-${tag}`)}"><h2>${esc(tag)}</h2>${description ? `<p class="lead">${inline(description)}</p>` : ''}${ops}</section>`;
    })
    .join('\n');
  const nav = tagOrder
    .filter((tag) => byTag.has(tag))
    .map(
      (tag) =>
        `<li><a href="#${anchor(`tag-${tag}`)}">${esc(tag)}</a> <span class="count">${byTag.get(tag)!.length}</span></li>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(info.title)} API reference</title>
<style>${CSS}</style>
</head>
<body>
<header>
  <h1>${esc(info.title)} <span class="version">v${esc(info.version)}</span></h1>
  ${info.summary ? `<p class="summary">${esc(info.summary)}</p>` : ''}
  ${info.description ? `<p>${inline(info.description)}</p>` : ''}
  <p class="meta">Base URL: ${servers.map((s) => `<code>${esc(s.url)}</code>`).join(', ') || '—'} · Machine-readable: <a href="${esc(`${servers[0]?.url ?? ''}/openapi.json`)}"><code>/openapi.json</code></a> (OpenAPI ${esc(doc.openapi)})</p>
</header>
<div class="layout">
<nav><h2>Groups</h2><ul>${nav}${Object.keys(doc.webhooks).length ? '<li><a href="#webhooks">Webhook events</a></li>' : ''}</ul></nav>
<main>
${sections}
${renderWebhooks(doc)}
</main>
</div>
</body>
</html>
`;
}

type Operation = {
  summary?: string;
  description?: string;
  operationId?: string;
  tags?: string[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
  security?: unknown[];
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type Schema = Record<string, unknown>;

function renderOperation(method: string, path: string, op: Operation, doc: OpenApiDocument): string {
  const isPublic = Array.isArray(op.security)
    ? op.security.length === 0
    : !(doc.security as unknown[] | undefined)?.length;
  const params = op.parameters ?? [];
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(p.name)}</code>${p.required ? ' <span class="req">required</span>' : ''}</td><td>${esc(p.in)}</td><td><code>${esc(schemaName(p.schema))}</code>${defaultOf(p.schema)}</td><td>${inline(p.description ?? '')}</td></tr>`,
    )
    .join('');
  const body = op.requestBody?.content
    ? Object.entries(op.requestBody.content)
        .map(
          ([type, media]) =>
            `<code>${esc(schemaName(media.schema))}</code> <span class="muted">${esc(type)}${op.requestBody?.required ? ', required' : ''}</span>`,
        )
        .join('<br>')
    : '';
  const responses = Object.entries(op.responses ?? {})
    .map(([status, response]) => {
      const content = response.content
        ? Object.values(response.content)
            .map((m) => `<code>${esc(schemaName(m.schema))}</code>`)
            .join(' ')
        : '';
      return `<tr><td><span class="status s${esc(status[0])}">${esc(status)}</span></td><td>${content}</td><td>${inline(response.description ?? '')}</td></tr>`;
    })
    .join('');
  return `<article class="op" id="${anchor(`${method}-${path}`)}">
  <h3><span class="method ${esc(method)}">${esc(method.toUpperCase())}</span> <code class="path">${esc(path)}</code>${isPublic ? ' <span class="badge">no auth</span>' : ''}</h3>
  ${op.summary ? `<p class="opsum">${esc(op.summary)}</p>` : ''}
  ${op.description && op.description !== op.summary ? `<p>${inline(op.description)}</p>` : ''}
  ${paramRows ? `<table class="params"><caption>Parameters</caption><thead><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr></thead><tbody>${paramRows}</tbody></table>` : ''}
  ${body ? `<p class="body"><strong>Request body:</strong> ${body}</p>` : ''}
  ${responses ? `<table class="responses"><caption>Responses</caption><thead><tr><th>status</th><th>body</th><th>description</th></tr></thead><tbody>${responses}</tbody></table>` : ''}
</article>`;
}

function renderWebhooks(doc: OpenApiDocument): string {
  const rows = Object.entries(doc.webhooks as Record<string, Record<string, Operation>>)
    .map(([name, item]) => {
      const op = Object.values(item)[0] ?? {};
      const schema = Object.values(op.requestBody?.content ?? {})[0]?.schema;
      return `<tr><td><code>${esc(name)}</code></td><td><code>${esc(schemaName(schema))}</code></td><td>${inline(op.description ?? op.summary ?? '')}</td></tr>`;
    })
    .join('');
  if (!rows) return '';
  return `<section id="webhooks"><h2>Webhook events</h2><p class="lead">Events delivered to your destinations as a JSON <code>POST</code> body, each with a <code>type</code> naming it.</p>
<table class="events"><thead><tr><th>event</th><th>body</th><th>description</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** A short name for a schema: its component name, `Name[]`, `A | B`, or the inline object's fields. */
export function schemaName(schema: Schema | undefined, depth = 0): string {
  if (!schema) return '—';
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop()!;
  const union = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (union) return union.map((s) => schemaName(s, depth)).join(' | ');
  const all = schema.allOf as Schema[] | undefined;
  if (all && all.length === 1 && !schema.properties) return schemaName(all[0], depth);
  const type = Array.isArray(schema.type) ? (schema.type as string[]).join(' | ') : (schema.type as string | undefined);
  if (type === 'array') {
    const items = schemaName(schema.items as Schema | undefined, depth);
    return items.includes(' | ') ? `(${items})[]` : `${items}[]`;
  }
  if (schema.properties) {
    if (depth > 0) return 'object';
    // An inline object shows its fields with their types: `{user: TerraUser, data: Activity[], type: string}`.
    const entries = Object.entries(schema.properties as Record<string, Schema>);
    const shown = entries.slice(0, 6).map(([key, value]) => `${key}: ${schemaName(value, depth + 1)}`);
    return `{${shown.join(', ')}${entries.length > 6 ? ', …' : ''}}`;
  }
  if (Array.isArray(schema.enum)) return (schema.enum as unknown[]).map((v) => JSON.stringify(v)).join(' | ');
  if ('const' in schema) return JSON.stringify(schema.const);
  return type ?? 'any';
}

function defaultOf(schema: Schema | undefined): string {
  return schema && 'default' in schema
    ? ` <span class="muted">default ${esc(JSON.stringify(schema.default))}</span>`
    : '';
}

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Escapes, then renders `code` spans (the only markdown the descriptions rely on). */
function inline(text: string): string {
  return esc(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function anchor(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

const CSS = `
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#e3e7ee;--bg:#fbfcfd;--card:#fff;--accent:#0f6e8c;--get:#1f7a4d;--post:#1f5fa8;--patch:#8a5a00;--put:#8a5a00;--delete:#b3261e}
*{box-sizing:border-box}
body{margin:0;font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{padding:28px 40px 18px;border-bottom:1px solid var(--line);background:var(--card)}
h1{margin:0 0 6px;font-size:26px}
.version{font-size:14px;color:var(--muted);font-weight:500}
.summary{font-size:17px;margin:0 0 8px}
.meta{color:var(--muted);font-size:14px}
.layout{display:flex;align-items:flex-start;gap:32px;padding:24px 40px}
nav{position:sticky;top:16px;min-width:190px}
nav h2{font-size:13px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 8px}
nav ul{list-style:none;margin:0;padding:0}
nav li{margin:3px 0}
nav .count{color:var(--muted);font-size:12px}
main{flex:1;min-width:0;max-width:1100px}
section{margin-bottom:36px}
section>h2{font-size:21px;border-bottom:2px solid var(--line);padding-bottom:4px}
.lead{color:var(--muted)}
a{color:var(--accent);text-decoration:none}
a:hover{text-decoration:underline}
code{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f1f3f7;padding:1px 4px;border-radius:4px;overflow-wrap:anywhere}
.op{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin:14px 0}
.op h3{margin:0 0 6px;font-size:16px;display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.op .path{font-size:15px;background:none;padding:0}
.opsum{font-weight:600;margin:4px 0}
.method{display:inline-block;min-width:62px;margin-right:8px;text-align:center;color:#fff;border-radius:4px;padding:2px 6px;font-size:12px;font-weight:700;letter-spacing:.03em}
.method.get{background:var(--get)}.method.post{background:var(--post)}.method.patch,.method.put{background:var(--patch)}.method.delete{background:var(--delete)}
.badge{font-size:11px;font-weight:600;color:var(--muted);border:1px solid var(--line);border-radius:10px;padding:1px 8px}
.req{font-size:11px;color:var(--delete);font-weight:600}
.muted{color:var(--muted);font-size:13px}
table{border-collapse:collapse;width:100%;margin:10px 0;font-size:14px}
caption{text-align:left;font-weight:600;font-size:13px;color:var(--muted);padding-bottom:4px}
th,td{border-top:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
table.params,table.responses,table.events{table-layout:fixed}
.params th:nth-child(1){width:24%}.params th:nth-child(2){width:9%}.params th:nth-child(3){width:22%}
.responses th:nth-child(1){width:9%}.responses th:nth-child(2){width:46%}
.events th:nth-child(1){width:22%}.events th:nth-child(2){width:30%}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);font-weight:600}
.status{font-weight:700;font-family:ui-monospace,monospace}
.status.s2{color:var(--get)}.status.s4{color:var(--patch)}.status.s5{color:var(--delete)}
@media (max-width:800px){.layout{flex-direction:column;padding:16px}nav{position:static}header{padding:20px 16px}}
`;
