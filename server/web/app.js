// app.js: wiring of buttons and keys, the live event stream, start-up
// Part of rgallery's web UI; the scripts share one global scope and are
// loaded in order by index.html: core, strip, viewer, panels, app.
'use strict';

// ---------------------------------------------------------------- wiring

$('#btn-background').addEventListener('click', () => st.sel && background(st.sel));
$('#btn-renderers').addEventListener('click', () => { const m = $('#renderer-menu'); const open = m.hidden; closeMenus(); m.hidden = !open; });
$('#btn-export').addEventListener('click', () => { const m = $('#export-menu'); const open = m.hidden; closeMenus(); m.hidden = !open; });
for (const b of document.querySelectorAll('#export-menu button')) b.addEventListener('click', () => { closeMenus(); if (st.sel) exportImage(st.sel, b.dataset.format); });
$('#btn-open').addEventListener('click', () => pickScene(null));
$('#btn-stop').addEventListener('click', () => st.sel && stop(st.sel));
$('#btn-star').addEventListener('click', () => st.sel && toggleStar(st.sel));
$('#btn-delete').addEventListener('click', () => st.sel && confirmDelete(st.sel));
for (const b of document.querySelectorAll('#compare-modes button')) b.addEventListener('click', () => setCompare(b.dataset.mode));
$('#gain').addEventListener('change', drawDiff);
$('#z-fit').addEventListener('click', () => { st.view.fit = true; layout(); });
$('#z-100').addEventListener('click', () => zoomTo(1));
$('#z-in').addEventListener('click', () => zoomAt(1.25));
$('#z-out').addEventListener('click', () => zoomAt(0.8));

let filterTimer = 0;
function onFilter() {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => {
    st.filters.q = $('#f-text').value.trim();
    st.filters.tag = $('#f-tag').value.trim();
    st.filters.user = $('#f-user').value.trim();
    st.filters.renderer = $('#f-renderer').value;
    loadPage(true);
  }, 200);
}
$('#f-text').addEventListener('input', onFilter);
$('#f-tag').addEventListener('input', onFilter);
$('#f-user').addEventListener('input', onFilter);
$('#f-renderer').addEventListener('change', onFilter);
$('#f-star').addEventListener('click', () => {
  st.filters.star = !st.filters.star;
  $('#f-star').classList.toggle('on', st.filters.star);
  loadPage(true);
});

document.addEventListener('keydown', e => {
  const modalOpen = !$('#modal').hidden;
  if (e.key === 'Escape') { closeMenus(); if (modalOpen) closeModal(); return; }
  if (modalOpen) {
    if (e.key === 'Enter' && !e.target.matches('textarea') && $('#dialog')._primary) { e.preventDefault(); $('#dialog')._primary.click(); }
    return;
  }
  if (e.target.matches('input, textarea, select')) return;
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  switch (e.key) {
    case 'ArrowDown': case 'ArrowRight': move(1); break;
    case 'ArrowUp': case 'ArrowLeft': move(-1); break;
    case ' ': setCompare(st.compare === 'off' ? (st.lastCompare || 'wipe') : 'off'); break;
    case 'x': // swap A and B
      if (st.compare !== 'off' && st.b) { const a = st.sel; select(st.b); setB(a); }
      break;
    case 's': case 'S': if (st.sel) toggleStar(st.sel); break;
    case 'Delete': case 'Backspace': if (st.sel) confirmDelete(st.sel); break;
    case 'f': st.view.fit = true; layout(); break;
    case '1': zoomTo(1); break;
    case '+': case '=': zoomAt(1.25); break;
    case '-': zoomAt(0.8); break;
    default: return;
  }
  e.preventDefault();
});
// Space comes back to the compare mode used last.
for (const b of document.querySelectorAll('#compare-modes button')) b.addEventListener('click', () => { if (b.dataset.mode !== 'off') st.lastCompare = b.dataset.mode; });

// ---------------------------------------------------------------- live events

function connect() {
  const conn = $('#conn');
  const es = new EventSource('/api/events');
  let opened = false;
  es.onopen = () => {
    conn.textContent = '● live';
    conn.className = 'conn ok';
    document.body.dataset.live = '1';
    // A reconnect sends Last-Event-ID: the server resumes with what
    // changed meanwhile, or sends "resync" if it no longer knows. The
    // first stream starts now, after the first page was read: what
    // changed in between is read once more.
    if (!opened) firstPage.then(refreshVisible);
    opened = true;
  };
  es.onerror = () => {
    conn.textContent = '● reconnecting';
    conn.className = 'conn down';
    document.body.dataset.live = '';
  };
  for (const t of ['created', 'state', 'image', 'metadata', 'updated', 'deleted']) {
    es.addEventListener(t, e => applyEvent(JSON.parse(e.data)));
  }
  es.addEventListener('resync', resync);
  // Free the connection at once when the page goes: a browser has only six
  // per server, and a lingering stream would hold one of them.
  addEventListener('pagehide', () => es.close());
}

// resync reloads the strip after events were missed, keeping the selection.
async function resync() {
  const sel = st.sel;
  await loadPage(true);
  if (sel) {
    try { applySnapshot(await api.get(`/api/snapshots/${sel}`)); } catch { /* deleted meanwhile */ }
  }
}

// Edits made with the CLI in another terminal (star, tag, label) go to the
// gallery directly, not through this server, so no event tells about them:
// every 10 s (?refresh=MS changes it) the visible page is read again and
// changed cards are redrawn.
const REFRESH_MS = Math.max(100, +new URLSearchParams(location.search).get('refresh') || 10000);
const summary = s => JSON.stringify([s.label, s.star, s.colour, s.tags, s.notes, s.state, s.imageVersion]);
async function refreshVisible() {
  if (document.hidden || !st.order.length) return;
  const gen = st.gen, mark = st.ev;
  let page;
  try { page = await api.get('/api/snapshots?' + filterQuery(Math.min(st.order.length, PAGE))); } catch { return; }
  if (gen !== st.gen) return;
  for (const s of page) {
    const old = st.snaps.get(s.id);
    // An event that came while the page was read is newer than it.
    if (old && fresher(s, mark) && summary(old) !== summary(s)) applySnapshot(s);
  }
}
setInterval(refreshVisible, REFRESH_MS);

loadRenderers();
const firstPage = loadPage(true);
connect();
