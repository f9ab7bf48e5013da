import { hostedPage, hostedPageHeaders } from '../../auth/pages.ts';
import { formatBytes } from '../../formats/errors.ts';

/**
 * The hosted upload page (`auth_url` of an UPLOAD user), in the hosted pages' stylesheet and
 * layout (src/auth/pages.ts). It posts each chosen file as multipart/form-data to
 * `/upload/files?token=…` and lists what was imported, skipped as a duplicate, or rejected with
 * the reason; an Apple Health export is imported as one.
 */
export function uploadPageHtml(input: { maxBytes: number }): string {
  return hostedPage(
    'Upload workouts',
    `<header><h1>Upload your workouts</h1></header>
<p>FIT, TCX, GPX, iFit CSV exports, a zip of them, or an Apple Health export (export.zip), up to ${formatBytes(input.maxBytes)} per file. Uploading a file twice does not duplicate it.</p>
<form id="form" class="drop" method="post" enctype="multipart/form-data" action="">
<label for="files">Workout files</label>
<input id="files" name="file" type="file" multiple required accept=".fit,.tcx,.gpx,.csv,.zip,.gz,.xml">
<details><summary>Uploading an iFit CSV export?</summary>
<label for="start">It has no start time: when did the workout start?</label>
<input id="start" name="start_time" type="datetime-local" step="1">
</details>
<button id="send" type="submit">Upload</button>
</form>
<progress id="progress" value="0" max="1" hidden></progress>
<ul id="results" class="results" aria-live="polite"></ul>`,
    { script: UPLOAD_SCRIPT },
  );
}

/** The upload page's headers: the hosted pages' own, its script allowed by hash, posting to this server. */
export function uploadPageHeaders(): Record<string, string> {
  return hostedPageHeaders({ script: UPLOAD_SCRIPT, connect: true });
}

const UPLOAD_SCRIPT = `
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
`;
