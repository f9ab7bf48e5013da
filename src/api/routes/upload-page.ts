import { createHash } from 'node:crypto';
import { formatBytes } from '../../formats/errors.ts';

/**
 * The hosted upload page (`auth_url` of an UPLOAD user). Self-contained: no CDN, no build.
 * It posts each chosen file as multipart/form-data to `/upload/files?token=…` and lists what was
 * imported, skipped as a duplicate, or rejected with the reason.
 */
export function uploadPageHtml(input: { maxBytes: number }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Upload workouts · Tributary</title>
<style>
  :root { color-scheme: light dark; --accent: #0b6e4f; }
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: .25rem; }
  p.hint { color: GrayText; margin-top: 0; }
  form { border: 2px dashed color-mix(in srgb, var(--accent) 60%, transparent); border-radius: .75rem; padding: 1.5rem; }
  form.drag { background: color-mix(in srgb, var(--accent) 10%, transparent); }
  label { display: block; font-weight: 600; margin-bottom: .5rem; }
  input[type=datetime-local] { margin-top: .25rem; }
  button { background: var(--accent); color: #fff; border: 0; border-radius: .5rem; padding: .6rem 1.2rem; font-size: 1rem; margin-top: 1rem; cursor: pointer; }
  button:disabled { opacity: .5; cursor: default; }
  ul { list-style: none; padding: 0; }
  li { padding: .5rem 0; border-bottom: 1px solid color-mix(in srgb, GrayText 30%, transparent); }
  li .state { font-weight: 600; }
  li.ok .state { color: var(--accent); } li.dup .state { color: GrayText; } li.err .state { color: #b3261e; }
  progress { width: 100%; }
  details { margin-top: 1rem; }
</style>
</head>
<body>
<main>
<h1>Upload your workouts</h1>
<p class="hint">FIT, TCX, GPX, iFit CSV exports, a zip of them, or an Apple Health export (export.zip) — up to ${formatBytes(input.maxBytes)} per file. Uploading a file twice does not duplicate it.</p>
<form id="form" method="post" enctype="multipart/form-data" action="">
  <label for="files">Workout files</label>
  <input id="files" name="file" type="file" multiple required accept=".fit,.tcx,.gpx,.csv,.zip,.gz,.xml">
  <details><summary>Uploading an iFit CSV export?</summary>
    <label for="start">It has no start time: when did the workout start?</label>
    <input id="start" name="start_time" type="datetime-local" step="1">
  </details>
  <button id="send" type="submit">Upload</button>
</form>
<progress id="progress" value="0" max="1" hidden></progress>
<ul id="results" aria-live="polite"></ul>
</main>
<script>
const form = document.getElementById('form');
const input = document.getElementById('files');
const results = document.getElementById('results');
const progress = document.getElementById('progress');
const send = document.getElementById('send');
form.action = location.pathname.replace(/\\/$/, '') + '/files' + location.search;
for (const type of ['dragenter', 'dragover']) form.addEventListener(type, (e) => { e.preventDefault(); form.classList.add('drag'); });
for (const type of ['dragleave', 'drop']) form.addEventListener(type, (e) => { e.preventDefault(); form.classList.remove('drag'); });
form.addEventListener('drop', (e) => { input.files = e.dataTransfer.files; });
function row(name, cls, state, detail) {
  const li = document.createElement('li');
  li.className = cls;
  const s = document.createElement('span'); s.className = 'state'; s.textContent = state + ' ';
  const n = document.createElement('span'); n.textContent = name + (detail ? ' — ' + detail : '');
  li.append(s, n); results.append(li);
}
function appleRow(name, e) {
  const fresh = e.samples.new > 0 || e.events > 0;
  row(name, fresh ? 'ok' : 'dup', fresh ? 'Imported' : 'Already imported', 'Apple Health export: ' + e.samples.new + ' new samples, ' + e.workouts + ' workout' + (e.workouts === 1 ? '' : 's'));
}
function upload(file, start) {
  return new Promise((resolve) => {
    const body = new FormData();
    if (start) body.append('start_time', new Date(start).toISOString());
    body.append('file', file, file.name);
    const xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) progress.value = e.loaded / e.total; };
    xhr.onload = () => { let json = {}; try { json = JSON.parse(xhr.responseText); } catch {} resolve({ status: xhr.status, json }); };
    xhr.onerror = () => resolve({ status: 0, json: { message: 'network error' } });
    xhr.send(body);
  });
}
form.addEventListener('submit', async (e) => {
  e.preventDefault();
  send.disabled = true; progress.hidden = false;
  const start = document.getElementById('start').value;
  for (const file of input.files) {
    progress.value = 0;
    const { status, json } = await upload(file, start);
    if (status === 201 && json.type === 'apple_health_export') appleRow(file.name, json);
    else if (status === 201) {
      for (const e of json.apple_health_exports || []) appleRow(e.filename, e);
      for (const f of json.files) row(f.filename, f.duplicate ? 'dup' : 'ok', f.duplicate ? 'Already imported' : 'Imported', f.summary_ids.length + ' activit' + (f.summary_ids.length === 1 ? 'y' : 'ies'));
      for (const r of json.rejected) row(r.filename, 'err', 'Skipped', r.reason);
    } else row(file.name, 'err', 'Rejected', json.message || ('HTTP ' + status));
  }
  send.disabled = false; progress.hidden = true; form.reset();
});
</script>
</body>
</html>`;
}

/**
 * The dashboard's security headers for the upload page: nothing loads from elsewhere, only
 * its own inline script and style run (by hash), it posts only to this server, it may not be
 * framed, and its URL (which carries the upload token) is never sent as a referrer.
 */
export function uploadPageHeaders(html: string): Record<string, string> {
  const hashOf = (tag: 'script' | 'style') => {
    const match = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(html);
    return match ? `'sha256-${createHash('sha256').update(match[1]!).digest('base64')}'` : "'none'";
  };
  return {
    'content-security-policy': [
      "default-src 'none'",
      `script-src ${hashOf('script')}`,
      `style-src ${hashOf('style')}`,
      "connect-src 'self'",
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}
