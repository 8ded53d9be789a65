// strip.js: the snapshot strip: paging, cards, selection
// Part of rgallery's web UI; the scripts share one global scope and are
// loaded in order by index.html: core, strip, viewer, panels, app.
'use strict';

// ---------------------------------------------------------------- strip

const list = $('#strip-list');

// applyEvent applies the data of one server-sent event without reloading
// the list. The server coalesces: an event carries the snapshot's latest
// state and is named after the most important change since this page's
// previous event, so a snapshot the page has not seen yet may come under
// any name; a new one (newer than the strip's newest) is added like a
// created one.
//
// Events of different snapshots need not come in id order (a snapshot
// whose read failed comes a round later; a team gallery's servers each
// tell their own): a new snapshot older than the strip's newest is put in
// its place, if that place is within what the strip has loaded.
function applyEvent(d) {
  st.evOf.set(d.id, ++st.ev);
  if (d.type === 'deleted') { removeSnapshot(d.id); return; }
  const s = d.snapshot;
  if (!s) return;
  const isNew = d.type === 'created' || !st.snaps.has(s.id);
  if (isNew && !cardEl(s.id) && matches(s) && st.order.length && s.id < st.order[0] && (st.done || s.id > st.before)) {
    const i = st.order.findIndex(x => x < s.id);
    const c = card(s);
    if (i < 0) { st.order.push(s.id); list.append(c); }
    else { list.insertBefore(c, cardEl(st.order[i])); st.order.splice(i, 0, s.id); }
    updateCount();
  }
  applySnapshot(s, isNew);
}

// fresher reports whether s, read by a request sent when st.ev was mark,
// is not older than what an event brought since.
const fresher = (s, mark) => !((st.evOf.get(s.id) || 0) > mark);

function filterQuery(limit) {
  const q = new URLSearchParams({limit});
  const f = st.filters;
  if (f.q) q.set('q', f.q);
  if (f.tag) q.set('tag', f.tag);
  if (f.star) q.set('star', '1');
  if (f.renderer) q.set('renderer', f.renderer);
  if (f.user) q.set('user', f.user);
  return q;
}

function matches(s) {
  const f = st.filters;
  if (f.star && !s.star) return false;
  if (f.renderer && s.renderer !== f.renderer) return false;
  if (f.tag && !(s.tags || []).includes(f.tag)) return false;
  if (f.user && s.createdBy !== f.user) return false;
  if (f.q) {
    const q = f.q.toLowerCase();
    if (![s.label, s.source, s.renderer, s.notes].some(v => (v || '').toLowerCase().includes(q))) return false;
  }
  return true;
}

async function loadPage(reset) {
  if (reset) {
    st.gen++;
    st.order = [];
    st.done = false;
    st.before = 0;
    st.loading = false;
    delete document.body.dataset.pages;
    list.replaceChildren();
  }
  if (st.loading || st.done) return;
  st.loading = true;
  document.body.dataset.strip = 'loading';
  const gen = st.gen;
  const limit = st.order.length ? PAGE : FIRST_PAGE;
  const q = filterQuery(limit);
  const mark = st.ev;
  if (st.before) q.set('before', st.before);
  let page;
  try {
    page = await api.get('/api/snapshots?' + q);
  } catch (e) {
    st.loading = false;
    document.body.dataset.strip = 'idle';
    fail(e);
    return;
  }
  if (gen !== st.gen) return;
  const frag = document.createDocumentFragment();
  for (const s of page) {
    if (fresher(s, mark) || !st.snaps.has(s.id)) st.snaps.set(s.id, s);
    if (st.order.includes(s.id)) continue;
    st.order.push(s.id);
    frag.append(card(st.snaps.get(s.id)));
  }
  list.append(frag);
  st.done = page.length < limit;
  if (page.length) st.before = page[page.length - 1].id;
  st.loading = false;
  // What the strip has loaded, for tests and scripts: the sizes of the
  // pages so far, and 'idle' once no page is on its way.
  document.body.dataset.pages = (document.body.dataset.pages ? document.body.dataset.pages + ',' : '') + page.length;
  updateCount();
  if (!document.body.dataset.ready) {
    document.body.dataset.ready = '1';
    performance.mark('rg-strip');
    if (!st.sel && st.order.length) select(st.order[0]);
  }
  // Keep loading while the sentinel is still in view; the strip is idle
  // once it is not (decided after layout, in the next frame).
  requestAnimationFrame(() => {
    if (gen !== st.gen || st.loading) return;
    if (sentinelVisible()) loadPage(false); else document.body.dataset.strip = 'idle';
  });
}

function sentinelVisible() {
  const r = $('#strip-more').getBoundingClientRect(), sr = $('#strip').getBoundingClientRect();
  return !st.done && r.top < sr.bottom + 200;
}

// The observer's entries can be stale: its first one is taken while the
// strip is still empty and delivered later, possibly after the first page
// has filled the strip. So the sentinel is measured again when the
// callback runs (a stale entry loaded a needless second page). Nothing is
// loaded before app.js asks for the first page (st.gen > 0): the later
// scripts, which a page's arrival calls into, may not have run yet.
new IntersectionObserver(es => { if (st.gen && es.some(e => e.isIntersecting) && sentinelVisible()) loadPage(false); },
  {root: $('#strip'), rootMargin: '200px'}).observe($('#strip-more'));

function ring(p) {
  const C = 2 * Math.PI * 9;
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.classList.add('ring');
  svg.innerHTML = `<circle class="bg" cx="12" cy="12" r="9"></circle><circle class="fg" cx="12" cy="12" r="9" stroke-dasharray="${C}" stroke-dashoffset="${C * (1 - (p || 0) / 100)}"></circle>`;
  return svg;
}

function thumbURL(s) { return `/api/snapshots/${s.id}/thumb?v=${s.imageVersion}`; }

function card(s) {
  const el = h('div.card', {'data-id': s.id});
  el.addEventListener('click', e => {
    if (e.shiftKey || e.ctrlKey || e.metaKey) { setB(s.id); if (st.compare === 'off') setCompare('wipe'); return; }
    select(s.id);
  });
  el.addEventListener('contextmenu', e => { e.preventDefault(); openCtx(e.clientX, e.clientY, s.id); });
  fillCard(el, s);
  return el;
}

function fillCard(el, s) {
  const th = h('div.th');
  if (s.thumb) {
    const img = h('img', {loading: 'lazy', alt: '', draggable: 'false'});
    img.src = thumbURL(s);
    th.append(img);
  } else {
    th.append(h('span.none', {text: live(s) ? '◌' : '∅'}));
  }
  if (live(s)) th.append(ring(percent(s)));
  const tags = h('div.tags', {}, (s.tags || []).map(t => h('span.chip', {text: t})));
  const pct = percent(s);
  el.replaceChildren(th, h('div.meta', {},
    h('div.title', {}, h('span.id', {text: '#' + s.id}), h('span.label', {text: title(s)}), s.star ? h('span.star', {text: '★'}) : null),
    h('div.sub', {}, h('span.badge.' + s.state, {text: s.state}), ' ',
      live(s) && pct !== undefined ? `${pct.toFixed(0)}% · ` : '', s.renderer),
    h('div.sub', {text: baseName(s.source)}),
    tags));
  el.style.borderLeftColor = COLOUR_CSS[s.colour] || (s.colour && s.colour[0] === '#' ? s.colour : 'transparent');
  el.classList.toggle('sel', s.id === st.sel);
  el.classList.toggle('b', s.id === st.b && st.compare !== 'off');
  el.classList.toggle('live', live(s));
}

const cardEl = id => list.querySelector(`.card[data-id="${id}"]`);

// updateCard refreshes a card; a live thumbnail is swapped only once the new
// one has loaded, so that the strip does not flicker.
function updateCard(s) {
  const el = cardEl(s.id);
  if (!el) return;
  const old = el.querySelector('.th img');
  if (old && s.thumb) {
    const url = thumbURL(s);
    if (!old.src.endsWith(url)) {
      const pre = new Image();
      pre.src = url;
      pre.decode().then(() => fillCard(el, st.snaps.get(s.id) || s), () => fillCard(el, s));
      return;
    }
  }
  fillCard(el, s);
}

function select(id) {
  if (!id) return;
  if (st.sel && st.sel !== id) st.prev = st.sel;
  const changed = st.sel !== id;
  st.sel = id;
  for (const el of list.querySelectorAll('.card.sel')) el.classList.remove('sel');
  const el = cardEl(id);
  if (el) { el.classList.add('sel'); el.scrollIntoView({block: 'nearest'}); }
  if (changed) { st.view.fit = true; $('#marker').hidden = true; st.marker = null; }
  if (st.compare !== 'off' && (!st.b || st.b === id)) st.b = st.prev && st.prev !== id ? st.prev : 0;
  refreshB();
  showSelected(true);
}

function move(delta) {
  if (!st.order.length) return;
  let i = st.order.indexOf(st.sel);
  i = i < 0 ? 0 : Math.max(0, Math.min(st.order.length - 1, i + delta));
  select(st.order[i]);
  if (i >= st.order.length - 3) loadPage(false);
}

// ---------------------------------------------------------------- drop to import

// Image files dropped on the strip are uploaded to POST /api/import, one
// request for all of them; each becomes a finished snapshot (or a named
// error). body[data-import] tells tests and scripts where it is:
// 'uploading', then 'done' or 'failed'.
const stripEl = $('#strip');
const hasFiles = e => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
stripEl.addEventListener('dragover', e => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
  stripEl.classList.add('drop');
});
stripEl.addEventListener('dragleave', e => { if (e.target === stripEl) stripEl.classList.remove('drop'); });
stripEl.addEventListener('drop', e => {
  if (!hasFiles(e)) return;
  e.preventDefault();
  stripEl.classList.remove('drop');
  importFiles([...e.dataTransfer.files]);
});

async function importFiles(files) {
  if (!files.length) return;
  const form = new FormData();
  for (const f of files) form.append('file', f, f.name);
  document.body.dataset.import = 'uploading';
  toast(`Importing ${files.length} file${files.length > 1 ? 's' : ''}…`, true);
  let data;
  try {
    const r = await fetch('/api/import', {method: 'POST', headers: {'X-Rgallery': '1'}, body: form});
    const text = await r.text();
    try { data = JSON.parse(text); } catch { data = {error: text || r.statusText}; }
  } catch (err) {
    data = {error: err.message || String(err)};
  }
  const results = data.results || [];
  const done = results.filter(x => x.snapshot);
  for (const x of done) applySnapshot(x.snapshot, true);
  if (done.length) select(done[done.length - 1].snapshot.id);
  const bad = results.filter(x => x.error).map(x => x.error);
  if (!results.length && data.error) bad.push(data.error);
  document.body.dataset.import = bad.length ? 'failed' : 'done';
  if (bad.length) toast(bad.join(' · ')); else toast(`Imported ${done.length} image${done.length > 1 ? 's' : ''}`, true);
}
