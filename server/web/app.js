// rgallery web UI: the snapshot strip, the viewer with live progressive
// images, A/B compare, the Info panel, and the render menus. Plain
// JavaScript, no build step; it talks only to /api/ on its own origin.
'use strict';

// The first page fills the strip's screen and no more, so that the
// gallery opens fast; later pages are bigger.
const FIRST_PAGE = 40, PAGE = 100;
const COLOURS = ['red', 'orange', 'yellow', 'green', 'blue', 'purple', 'grey'];
const COLOUR_CSS = {red: '#d9534f', orange: '#f0883e', yellow: '#e6c14d', green: '#5cb85c', blue: '#4a90d9', purple: '#9b6ad6', grey: '#8a8f96'};

const $ = (sel, el = document) => el.querySelector(sel);

// h builds an element: h('div.card#x', {title: 't', onclick: f}, child...).
function h(spec, attrs, ...kids) {
  const m = spec.match(/^([a-z0-9]+)((?:[.#][\w-]+)*)$/i);
  const el = document.createElement(m ? m[1] : 'div');
  if (m) for (const part of m[2].match(/[.#][\w-]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1)); else el.id = part.slice(1);
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (k === 'style') el.style.cssText = v;
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of kids.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

// ---------------------------------------------------------------- API

const api = {
  async req(method, path, body) {
    const opt = {method, headers: {}};
    if (method !== 'GET') opt.headers['X-Rgallery'] = '1';
    if (body !== undefined) {
      opt.headers['Content-Type'] = 'application/json';
      opt.body = JSON.stringify(body);
    }
    const r = await fetch(path, opt);
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = {error: text}; }
    if (!r.ok) throw new Error((data && data.error) || r.statusText);
    return data;
  },
  get(p) { return this.req('GET', p); },
  post(p, b) { return this.req('POST', p, b === undefined ? {} : b); },
  patch(p, b) { return this.req('PATCH', p, b); },
  del(p) { return this.req('DELETE', p); },
};

// ---------------------------------------------------------------- state

const st = {
  snaps: new Map(),   // id -> snapshot
  order: [],          // ids in the strip, newest first
  sel: 0,             // selected (A)
  b: 0,               // compare partner (B)
  prev: 0,            // previously selected, the default B
  compare: 'off',     // off | wipe | side | diff
  gen: 0, loading: false, done: false, before: 0,
  view: {scale: 1, tx: 0, ty: 0, fit: true},
  iw: 0, ih: 0,
  wipe: 0.5,
  renderers: [],
  filters: {q: '', tag: '', star: false, renderer: ''},
};

// ---------------------------------------------------------------- formatting

function fmtSecs(s) {
  if (s === undefined || s === null || isNaN(s)) return '—';
  if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + ' s';
  const m = Math.floor(s / 60), r = Math.round(s % 60);
  if (m < 60) return `${m}m ${String(r).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
function fmtBytes(b) {
  if (b === undefined || b === null) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
  return `${b.toFixed(i ? 1 : 0)} ${u[i]}`;
}
function fmtTime(t) {
  if (!t) return '—';
  const d = new Date(t);
  return d.toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'medium'});
}
const live = s => s && (s.state === 'rendering' || s.state === 'queued');
const baseName = p => (p || '').split('/').pop();
const title = s => s.label || baseName(s.source) || `snapshot ${s.id}`;
function elapsed(s) {
  if (s.stats && s.stats.totalClockTime !== undefined) return s.stats.totalClockTime;
  const start = Date.parse(s.created);
  const end = live(s) ? Date.now() : Date.parse(s.finished || s.updated);
  return (end - start) / 1000;
}
function percent(s) {
  if (s.stats && s.stats.percentDone !== undefined) return s.stats.percentDone;
  return s.state === 'finished' ? 100 : undefined;
}

// ---------------------------------------------------------------- toasts

let toastTimer = 0;
function toast(msg, ok) {
  const t = $('#toast');
  t.textContent = msg;
  t.className = 'toast' + (ok ? ' ok' : '');
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, ok ? 2500 : 6000);
}
const fail = e => toast(e.message || String(e));

// ---------------------------------------------------------------- strip

const list = $('#strip-list');

function filterQuery(limit) {
  const q = new URLSearchParams({limit});
  const f = st.filters;
  if (f.q) q.set('q', f.q);
  if (f.tag) q.set('tag', f.tag);
  if (f.star) q.set('star', '1');
  if (f.renderer) q.set('renderer', f.renderer);
  return q;
}

function matches(s) {
  const f = st.filters;
  if (f.star && !s.star) return false;
  if (f.renderer && s.renderer !== f.renderer) return false;
  if (f.tag && !(s.tags || []).includes(f.tag)) return false;
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
    list.replaceChildren();
  }
  if (st.loading || st.done) return;
  st.loading = true;
  const gen = st.gen;
  const limit = st.order.length ? PAGE : FIRST_PAGE;
  const q = filterQuery(limit);
  if (st.before) q.set('before', st.before);
  let page;
  try {
    page = await api.get('/api/snapshots?' + q);
  } catch (e) {
    st.loading = false;
    fail(e);
    return;
  }
  if (gen !== st.gen) return;
  const frag = document.createDocumentFragment();
  for (const s of page) {
    st.snaps.set(s.id, s);
    if (st.order.includes(s.id)) continue;
    st.order.push(s.id);
    frag.append(card(s));
  }
  list.append(frag);
  st.done = page.length < limit;
  if (page.length) st.before = page[page.length - 1].id;
  st.loading = false;
  updateCount();
  if (!document.body.dataset.ready) {
    document.body.dataset.ready = '1';
    performance.mark('rg-strip');
    if (!st.sel && st.order.length) select(st.order[0]);
  }
  // Keep loading while the sentinel is still in view.
  requestAnimationFrame(() => { if (sentinelVisible()) loadPage(false); });
}

function sentinelVisible() {
  const r = $('#strip-more').getBoundingClientRect(), sr = $('#strip').getBoundingClientRect();
  return !st.done && r.top < sr.bottom + 200;
}

new IntersectionObserver(es => { if (es.some(e => e.isIntersecting)) loadPage(false); },
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

// ---------------------------------------------------------------- viewer

const stage = $('#stage'), layer = $('#layer'), imgA = $('#img-a'), imgB = $('#img-b');
const stage2 = $('#stage2'), layer2 = $('#layer2'), imgB2 = $('#img-b2');

function imageURL(s) { return `/api/snapshots/${s.id}/image?v=${s.imageVersion}`; }

// setImg shows s's image in el. The new image is fetched and decoded off
// screen first and only then swapped in, so that a progressive render
// refines in place without a blank frame.
async function setImg(el, s) {
  if (!s || !s.image || !s.imageVersion) {
    el._want = '';
    el.removeAttribute('src');
    el.dataset.id = s ? s.id : '';
    el.dataset.version = '';
    return;
  }
  const url = imageURL(s);
  if (el._want === url) return;
  el._want = url;
  const pre = new Image();
  pre.src = url;
  try { await pre.decode(); } catch { return; }
  if (el._want !== url) return;
  el.src = url;
  el.dataset.id = s.id;
  el.dataset.version = s.imageVersion;
  if (el === imgA) {
    const sized = st.iw !== pre.naturalWidth || st.ih !== pre.naturalHeight;
    st.iw = pre.naturalWidth;
    st.ih = pre.naturalHeight;
    if (sized) { layout(); updateInfo(); }
  }
  if (st.compare === 'diff') drawDiff();
}

function showSelected(full) {
  const s = st.snaps.get(st.sel);
  $('#empty').hidden = !!s;
  layer.hidden = !s;
  // Say why there is no picture rather than show an empty frame.
  const ni = $('#noimage');
  ni.hidden = !s || !!(s.image && s.imageVersion);
  if (!ni.hidden) {
    ni.classList.toggle('still', !live(s));
    ni.querySelector('.big').textContent = live(s) ? 'Waiting for the first image…' : `No image (${s.state})`;
    ni.querySelector('.muted').textContent = live(s) ? `${s.renderer} is starting on ${baseName(s.source)}` : (s.error || 'The render ended before it wrote an image.');
  }
  if (s) setImg(imgA, s);
  if (!s) { imgA.removeAttribute('src'); imgA._want = ''; }
  drawStats($('#stats'), s, st.compare !== 'off' ? 'A' : '');
  updateToolbar();
  if (full) renderInfo(); else updateInfo();
  layout();
}

function refreshB() {
  const on = st.compare !== 'off' && st.b && st.snaps.get(st.b);
  const s = on ? st.snaps.get(st.b) : null;
  for (const el of list.querySelectorAll('.card.b')) el.classList.remove('b');
  if (on) { const c = cardEl(st.b); if (c) c.classList.add('b'); }
  setImg(imgB, s);
  setImg(imgB2, s);
  const sb = $('#stats-b');
  sb.hidden = !on;
  if (on) drawStats(sb, s, 'B');
  $('#tag-a').hidden = $('#tag-b').hidden = !on;
  applyCompare();
}

function setB(id) {
  if (id === st.sel) return;
  st.b = id;
  refreshB();
}

function setCompare(mode) {
  st.compare = mode;
  for (const b of document.querySelectorAll('#compare-modes button')) b.classList.toggle('on', b.dataset.mode === mode);
  if (mode !== 'off' && !st.b) {
    st.b = st.prev && st.prev !== st.sel ? st.prev : (st.order.find(id => id !== st.sel) || 0);
  }
  refreshB();
  drawStats($('#stats'), st.snaps.get(st.sel), mode !== 'off' ? 'A' : '');
  layout();
}

function applyCompare() {
  const m = st.b ? st.compare : 'off';
  $('#wipe-b').hidden = m !== 'wipe';
  $('#wipe-handle').hidden = m !== 'wipe';
  $('#diff').hidden = m !== 'diff';
  $('#gain-wrap').hidden = m !== 'diff';
  $('#tag-a').textContent = m === 'diff' ? '|A − B|' : 'A';
  imgA.style.visibility = m === 'diff' ? 'hidden' : '';
  stage2.hidden = m !== 'side';
  $('#viewer').classList.toggle('side-mode', m === 'side');
  // B's stats sit over B: in its own pane side by side, else bottom left.
  const sb = $('#stats-b');
  const home = m === 'side' ? stage2 : stage;
  if (sb.parentNode !== home) home.append(sb);
  layout();
  if (m === 'diff') drawDiff();
}

function layout() {
  const v = st.view;
  const w = stage.clientWidth, hgt = stage.clientHeight;
  if (st.iw && v.fit) {
    v.scale = Math.min((w - 40) / st.iw, (hgt - 40) / st.ih);
    if (!(v.scale > 0)) v.scale = 1;
    v.tx = (w - st.iw * v.scale) / 2;
    v.ty = (hgt - st.ih * v.scale) / 2;
  }
  const t = `translate(${v.tx}px, ${v.ty}px) scale(${v.scale})`;
  for (const l of [layer, layer2]) {
    l.style.transform = t;
    l.style.setProperty('--inv', String(1 / v.scale));
    l.classList.toggle('pixelated', v.scale >= 2);
  }
  for (const el of [imgA, imgB, imgB2, $('#wipe-b'), $('#diff')]) {
    if (st.iw) { el.style.width = st.iw + 'px'; el.style.height = st.ih + 'px'; }
  }
  imgB.style.width = st.iw + 'px';
  $('#wipe-b').style.clipPath = `inset(0 0 0 ${st.wipe * 100}%)`;
  const hx = v.tx + st.wipe * st.iw * v.scale;
  $('#wipe-handle').style.left = `${hx - 1}px`;
  $('#zoom').textContent = `${Math.round(v.scale * 100)}%`;
  if (st.marker) {
    const m = $('#marker');
    m.style.left = `${v.tx + st.marker.x * st.iw * v.scale}px`;
    m.style.top = `${v.ty + st.marker.y * st.ih * v.scale}px`;
  }
}

function zoomAt(factor, cx, cy) {
  const v = st.view;
  const ns = Math.max(0.05, Math.min(64, v.scale * factor));
  if (cx === undefined) { cx = stage.clientWidth / 2; cy = stage.clientHeight / 2; }
  v.tx = cx - (cx - v.tx) * ns / v.scale;
  v.ty = cy - (cy - v.ty) * ns / v.scale;
  v.scale = ns;
  v.fit = false;
  layout();
}
function zoomTo(scale) { zoomAt(scale / st.view.scale); }

// drawDiff shows |A − B| per channel in the diff canvas.
function drawDiff() {
  const cv = $('#diff');
  if (!imgA.naturalWidth || !imgB.naturalWidth) return;
  const w = imgA.naturalWidth, hh = imgA.naturalHeight;
  cv.width = w; cv.height = hh;
  const ctx = cv.getContext('2d', {willReadFrequently: true});
  ctx.drawImage(imgA, 0, 0);
  const a = ctx.getImageData(0, 0, w, hh);
  ctx.clearRect(0, 0, w, hh);
  ctx.drawImage(imgB, 0, 0, w, hh);
  const b = ctx.getImageData(0, 0, w, hh);
  const out = ctx.createImageData(w, hh);
  const gain = +$('#gain').value || 1;
  let maxd = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    for (let c = 0; c < 3; c++) {
      const d = Math.abs(a.data[i + c] - b.data[i + c]);
      out.data[i + c] = Math.min(255, d * gain);
      if (d > maxd) maxd = d;
    }
    out.data[i + 3] = 255;
  }
  ctx.putImageData(out, 0, 0);
  cv.dataset.max = maxd;
}

function drawStats(el, s, which) {
  if (!s) { el.replaceChildren(); el.hidden = true; return; }
  el.hidden = false;
  const pct = percent(s);
  const md = s.metadata || {};
  const ttfp = md.timeToFirstPixel;
  const row = (k, v, cls) => h('div.row', {}, h('span.k', {text: k}), h('span.' + cls, {text: v}));
  el.replaceChildren(
    h('div.hd', {}, which ? h('span', {text: which, style: `color:${which === 'A' ? 'var(--accent)' : 'var(--accent2)'}`}) : null,
      h('span.badge.' + s.state, {text: s.state}), h('span', {text: `#${s.id} ${title(s)}`})),
    row('Elapsed', fmtSecs(elapsed(s)), 'elapsed'),
    row('Done', pct === undefined ? '—' : `${pct.toFixed(1)} %`, 'pct'),
    row('Peak memory', fmtBytes(s.stats && s.stats.peakMemory), 'mem'),
    row('First pixel', ttfp === undefined ? '—' : fmtSecs(ttfp), 'ttfp'),
    h('div.bar', {}, h('div', {style: `width:${pct || 0}%`})),
  );
}

// The elapsed time of a live render ticks between updates.
setInterval(() => {
  const s = st.snaps.get(st.sel);
  if (live(s) && !(s.stats && s.stats.totalClockTime !== undefined)) {
    const e = $('#stats .elapsed');
    if (e) e.textContent = fmtSecs(elapsed(s));
  }
}, 500);

// Mouse on the stage: drag pans (any button), a click without a drag on a
// live image sends the point to the renderer, the wheel zooms at the cursor.
let drag = null;
stage.addEventListener('pointerdown', e => {
  if (e.button === 2) return;
  if (e.target === $('#wipe-handle')) return;
  drag = {x: e.clientX, y: e.clientY, tx: st.view.tx, ty: st.view.ty, moved: false, id: e.pointerId};
  stage.setPointerCapture(e.pointerId);
});
stage.addEventListener('pointermove', e => {
  showPixel(e);
  if (!drag) return;
  const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
  if (!drag.moved && Math.hypot(dx, dy) < 4) return;
  drag.moved = true;
  st.view.tx = drag.tx + dx;
  st.view.ty = drag.ty + dy;
  st.view.fit = false;
  layout();
});
stage.addEventListener('pointerup', e => {
  const d = drag;
  drag = null;
  if (!d || d.moved || e.button !== 0) return;
  clickImage(e);
});
stage.addEventListener('wheel', e => {
  e.preventDefault();
  const r = stage.getBoundingClientRect();
  zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - r.left, e.clientY - r.top);
}, {passive: false});
stage.addEventListener('dblclick', () => { st.view.fit = true; layout(); });
stage.addEventListener('contextmenu', e => { e.preventDefault(); if (st.sel) openCtx(e.clientX, e.clientY, st.sel); });

function imagePoint(e) {
  const r = imgA.getBoundingClientRect();
  if (!r.width || !r.height) return null;
  return {x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height, r};
}

function showPixel(e) {
  const p = imagePoint(e);
  if (!p || p.x < 0 || p.y < 0 || p.x > 1 || p.y > 1 || !st.iw) { $('#pixel').textContent = ''; return; }
  $('#pixel').textContent = `${Math.floor(p.x * st.iw)}, ${Math.floor(p.y * st.ih)}  (${p.x.toFixed(3)}, ${p.y.toFixed(3)})`;
}

async function clickImage(e) {
  const s = st.snaps.get(st.sel);
  if (!live(s) || st.compare !== 'off') return;
  const p = imagePoint(e);
  if (!p || p.x < 0 || p.y < 0 || p.x > 1 || p.y > 1) return;
  const m = $('#marker');
  st.marker = {id: s.id, x: p.x, y: p.y};
  m.hidden = true;
  void m.offsetWidth; // restart the pulse
  m.hidden = false;
  m.dataset.x = p.x.toFixed(4);
  m.dataset.y = p.y.toFixed(4);
  layout();
  try {
    await api.post(`/api/snapshots/${s.id}/click`, {x: p.x, y: p.y});
  } catch (err) { fail(err); }
}

// The wipe handle.
$('#wipe-handle').addEventListener('pointerdown', e => {
  e.stopPropagation();
  const hd = e.currentTarget;
  hd.setPointerCapture(e.pointerId);
  const onMove = ev => {
    const r = stage.getBoundingClientRect();
    st.wipe = Math.max(0, Math.min(1, (ev.clientX - r.left - st.view.tx) / (st.iw * st.view.scale)));
    layout();
  };
  const onUp = () => { hd.removeEventListener('pointermove', onMove); hd.removeEventListener('pointerup', onUp); };
  hd.addEventListener('pointermove', onMove);
  hd.addEventListener('pointerup', onUp);
});

new ResizeObserver(() => layout()).observe(stage);

// ---------------------------------------------------------------- info panel

function renderInfo() {
  const body = $('#info-body');
  const s = st.snaps.get(st.sel);
  if (!s) { body.className = 'muted pad'; body.textContent = 'Nothing selected.'; return; }
  body.className = '';
  const labelIn = h('input.label-edit', {value: s.label, placeholder: title(s), 'aria-label': 'Label'});
  labelIn.addEventListener('change', () => edit(s.id, {label: labelIn.value}));
  labelIn.addEventListener('keydown', e => { if (e.key === 'Enter') labelIn.blur(); });
  const tagIn = h('input.tag-add', {placeholder: 'Add tag… (Enter)', 'aria-label': 'Add tag'});
  tagIn.addEventListener('keydown', e => {
    if (e.key === 'Enter' && tagIn.value.trim()) {
      const t = tagIn.value.trim();
      tagIn.value = '';
      edit(s.id, {addTags: [t]});
    }
  });
  const notes = h('textarea', {placeholder: 'Notes', 'aria-label': 'Notes'});
  notes.value = s.notes || '';
  notes.addEventListener('change', () => edit(s.id, {notes: notes.value}));
  body.replaceChildren(
    h('div.sect', {}, labelIn),
    h('div.sect', {}, h('h4', {text: 'Colour · Star · Tags'}), h('div#info-palette.palette'), h('div#info-tags.tags', {style: 'margin-top:6px'}), tagIn),
    h('div#info-dyn'),
    h('div.sect', {}, h('h4', {text: 'Notes'}), notes),
  );
  updateInfo();
}

function updateInfo() {
  const s = st.snaps.get(st.sel);
  if (!s || !$('#info-dyn')) return;
  const pal = $('#info-palette');
  pal.replaceChildren(
    ...COLOURS.map(c => h('button.swatch' + (s.colour === c ? '.on' : ''), {title: c, style: `background:${COLOUR_CSS[c]}`, onclick: () => edit(s.id, {colour: s.colour === c ? '' : c})})),
    h('button.swatch.clear', {title: 'No colour', text: '×', onclick: () => edit(s.id, {colour: ''})}),
    h('span', {style: 'flex:1'}),
    h('button#info-star', {title: 'Star (s)', text: s.star ? '★ Starred' : '☆ Star', onclick: () => edit(s.id, {star: !s.star})}),
  );
  $('#info-tags').replaceChildren(...(s.tags || []).map(t =>
    h('span.chip', {}, t, h('button', {title: `Remove tag ${t}`, text: '×', onclick: () => edit(s.id, {removeTags: [t]})}))));
  const kv = pairs => h('div.kv', {}, pairs.filter(Boolean).flatMap(([k, v, mono]) => [h('span.k', {text: k}), h('span.v' + (mono ? '.mono' : ''), {text: v === undefined || v === '' ? '—' : String(v)})]));
  const md = Object.entries(s.metadata || {}).sort(([a], [b]) => a.localeCompare(b));
  const plugin = (s.options && s.options.plugin) || {};
  const dyn = $('#info-dyn');
  const sects = [
    h('div.sect', {}, h('h4', {text: 'Snapshot'}), kv([
      ['ID', s.id], ['State', s.state], s.error ? ['Error', s.error] : null, ['Renderer', s.renderer],
      ['Scene', s.source, true], ['Camera', s.camera], ['Settings', s.renderSettings],
      ['Resolution', s.resX ? `${s.resX} × ${s.resY}` : (st.sel === s.id && st.iw ? `${st.iw} × ${st.ih} (image)` : '')],
      ['Created', fmtTime(s.created)], ['Finished', s.finished ? fmtTime(s.finished) : ''],
      ['Image', s.image ? `${s.image} (v${s.imageVersion})` : '', true],
    ])),
    h('div.sect', {}, h('h4', {text: 'Render stats'}), kv([
      ['Elapsed', fmtSecs(elapsed(s))], ['Done', percent(s) === undefined ? '' : `${percent(s).toFixed(1)} %`],
      ['Peak memory', fmtBytes(s.stats && s.stats.peakMemory)],
    ])),
    h('div.sect', {}, h('h4', {text: 'Options'}), kv(Object.entries(plugin).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v, true]))),
    md.length ? h('div.sect', {}, h('h4', {text: 'Metadata'}), kv(md.map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : v, true]))) : null,
  ];
  // The log is fetched again only when the snapshot or its state changes,
  // so that live updates keep its scroll position.
  const logKey = `${s.id}-${s.state}-${dyn.dataset.showLog === String(s.id)}`;
  const oldLog = $('#info-log');
  if (oldLog && dyn.dataset.logKey === logKey) {
    sects.push(oldLog);
  } else {
    const logSect = h('div.sect#info-log', {}, h('h4', {text: 'Render log'}));
    if (s.state === 'failed' || dyn.dataset.showLog === String(s.id)) {
      const pre = h('pre.log', {text: 'loading…'});
      logSect.append(pre);
      fetch(`/api/snapshots/${s.id}/log`).then(r => r.text()).then(t => { pre.textContent = t || '(empty)'; pre.scrollTop = pre.scrollHeight; });
    } else {
      logSect.append(h('button', {text: 'Show log', onclick: () => { dyn.dataset.showLog = String(s.id); updateInfo(); }}));
    }
    sects.push(logSect);
  }
  dyn.dataset.logKey = logKey;
  if (s.state === 'failed') sects.splice(1, 0, sects.pop());
  dyn.replaceChildren(...sects.filter(Boolean));
}

async function edit(id, change) {
  try {
    const s = await api.patch(`/api/snapshots/${id}`, change);
    applySnapshot(s);
  } catch (e) { fail(e); }
}

// ---------------------------------------------------------------- toolbar

function updateToolbar() {
  const s = st.snaps.get(st.sel);
  $('#btn-stop').disabled = !live(s);
  $('#btn-star').disabled = !s;
  $('#btn-star').textContent = s && s.star ? '★' : '☆';
  $('#btn-star').classList.toggle('on', !!(s && s.star));
  $('#btn-delete').disabled = !s;
  $('#btn-export').disabled = !s || !s.image;
  $('#btn-background').disabled = !s;
}

async function stop(id) {
  try {
    const s = await api.post(`/api/snapshots/${id}/stop`);
    applySnapshot(s);
  } catch (e) { fail(e); }
}

async function background(id) {
  try {
    const s = await api.post(`/api/snapshots/${id}/rerender`, {});
    applySnapshot(s, true);
    select(s.id);
  } catch (e) { fail(e); }
}

function toggleStar(id) {
  const s = st.snaps.get(id);
  if (s) edit(id, {star: !s.star});
}

function exportImage(id, format) {
  const a = h('a', {href: `/api/snapshots/${id}/export${format ? '?format=' + format : ''}`, download: ''});
  document.body.append(a);
  a.click();
  a.remove();
}

function confirmDelete(id) {
  const s = st.snaps.get(id);
  if (!s) return;
  const stopFirst = live(s);
  modal(`Delete snapshot #${id}?`,
    h('div', {}, h('p', {text: `“${title(s)}” and its image, thumbnail and log will be removed from the gallery. This cannot be undone.`}),
      stopFirst ? h('p.err', {text: 'It is still rendering: it will be stopped first.'}) : null),
    [['Cancel', closeModal], [stopFirst ? 'Stop and delete' : 'Delete', async () => {
      closeModal();
      try {
        if (stopFirst) await api.post(`/api/snapshots/${id}/stop`);
        await api.del(`/api/snapshots/${id}`);
        removeSnapshot(id);
      } catch (e) { fail(e); }
    }, true]]);
}

function removeSnapshot(id) {
  const i = st.order.indexOf(id);
  if (i < 0 && !st.snaps.has(id)) return;
  st.snaps.delete(id);
  if (i >= 0) st.order.splice(i, 1);
  const el = cardEl(id);
  if (el) el.remove();
  if (st.b === id) { st.b = 0; refreshB(); }
  if (st.prev === id) st.prev = 0;
  if (st.sel === id) {
    st.sel = 0;
    const next = st.order[Math.min(i, st.order.length - 1)];
    if (next) select(next); else showSelected(true);
  }
  updateCount();
}

function updateCount() {
  $('#strip-more').textContent = st.done ? (st.order.length ? '' : 'No snapshots yet') : '…';
  $('#count').textContent = `${st.order.length}${st.done ? '' : '+'} snapshots`;
}

// applySnapshot takes a newer copy of a snapshot from an answer or an event.
function applySnapshot(s, created) {
  const old = st.snaps.get(s.id);
  if (old && Date.parse(old.updated) > Date.parse(s.updated) && old.imageVersion > s.imageVersion) return;
  st.snaps.set(s.id, s);
  if (cardEl(s.id)) {
    updateCard(s);
  } else if (created && matches(s) && (!st.order.length || s.id > st.order[0])) {
    st.order.unshift(s.id);
    list.prepend(card(s));
    updateCount();
  }
  if (s.id === st.sel) showSelected(false);
  if (s.id === st.b) refreshB();
}

// ---------------------------------------------------------------- menus

function closeMenus() {
  for (const m of document.querySelectorAll('.dropdown')) m.hidden = true;
}

function openCtx(x, y, id) {
  const s = st.snaps.get(id);
  if (!s) return;
  const m = $('#ctx');
  const item = (text, fn, disabled) => h('button', {text, disabled, onclick: () => { closeMenus(); fn(); }});
  m.replaceChildren(
    h('div.note', {text: `#${s.id} ${title(s)}`}),
    item('■ Stop render', () => stop(id), !live(s)),
    item(s.star ? '☆ Unstar' : '★ Star', () => toggleStar(id)),
    item('⟳ Render again (Background)', () => background(id)),
    h('div.sep'),
    item('Compare with selected (set as B)', () => { setB(id); if (st.compare === 'off') setCompare('wipe'); }, id === st.sel),
    item('⤓ Export PNG', () => exportImage(id, 'png'), !s.image),
    h('div.sep'),
    item('✕ Delete…', () => confirmDelete(id)),
  );
  m.hidden = false;
  const r = m.getBoundingClientRect();
  m.style.left = `${Math.min(x, innerWidth - r.width - 4)}px`;
  m.style.top = `${Math.min(y, innerHeight - r.height - 4)}px`;
}

document.addEventListener('pointerdown', e => {
  if (!e.target.closest('.dropdown') && !e.target.closest('.menu-wrap')) closeMenus();
});

async function loadRenderers() {
  try {
    const r = await api.get('/api/renderers');
    st.renderers = r.renderers || [];
  } catch (e) { fail(e); return; }
  const menu = $('#renderer-menu');
  menu.replaceChildren(...st.renderers.map(p =>
    h('button', {onclick: () => { closeMenus(); openForm(p.label, null); }}, p.label, h('span.muted', {text: `  ${p.kind}`}))));
  if (!st.renderers.length) menu.append(h('div.note', {text: 'No renderers found'}));
  const sel = $('#f-renderer');
  for (const p of st.renderers) sel.append(h('option', {value: p.label, text: p.label}));
}

// ---------------------------------------------------------------- modal dialogs

function modal(titleText, body, buttons, cls) {
  const d = $('#dialog');
  d.className = 'dialog' + (cls ? ' ' + cls : '');
  const foot = h('div.foot');
  let primary = null;
  for (const [text, fn, isPrimary, extra] of buttons) {
    if (text === '|') { foot.append(h('span.spacer')); continue; }
    if (text instanceof Node) { foot.append(text); continue; }
    const b = h('button' + (isPrimary ? '.primary' : ''), {text, onclick: fn});
    if (extra) b.id = extra;
    if (isPrimary) primary = b;
    foot.append(b);
  }
  d.replaceChildren(h('h3', {text: titleText}), h('div.body', {}, body), foot);
  $('#modal').hidden = false;
  d._primary = primary;
  (d.querySelector('input, select, textarea') || primary || d).focus();
}
function closeModal() { $('#modal').hidden = true; $('#dialog').replaceChildren(); }
$('#modal').addEventListener('pointerdown', e => { if (e.target === $('#modal')) closeModal(); });

// openForm shows a renderer's options form, then renders: the given scene,
// or the selected snapshot's scene again.
async function openForm(label, scene) {
  let f;
  try { f = await api.get(`/api/renderers/${encodeURIComponent(label)}/form`); } catch (e) { fail(e); return; }
  const sel = st.snaps.get(st.sel);
  if (!scene && !sel) { pickScene(label); return; }
  const inputs = {};
  const form = h('div.form');
  for (const fd of f.fields) {
    const v = f.values[fd.name] !== undefined ? f.values[fd.name] : fd.default;
    let el;
    if (fd.type === 'bool') el = h('input', {type: 'checkbox', checked: !!v});
    else if (fd.type === 'choice') el = h('select', {}, (fd.choices || []).map(c => h('option', {value: c, text: c, selected: c === v})));
    else if (fd.type === 'int' || fd.type === 'float') el = h('input', {type: 'number', value: v === undefined ? '' : v, step: fd.type === 'int' ? '1' : 'any', min: fd.min, max: fd.max});
    else if (fd.type === 'json') { el = h('textarea'); el.value = JSON.stringify(v); }
    else el = h('input', {type: 'text', value: v === undefined ? '' : v});
    el.name = fd.name;
    el.id = 'opt-' + fd.name;
    inputs[fd.name] = [fd, el];
    form.append(h('label', {for: el.id, text: fd.label || fd.name}), el);
    if (fd.help) form.append(h('div.help', {text: fd.help}));
  }
  if (!f.fields.length) form.append(h('div.muted', {text: 'This renderer has no options.', style: 'grid-column: 1 / -1'}));
  // The viewport's resolution: empty keeps the scene's (or the snapshot's).
  const res = h('input#opt--res', {type: 'text', placeholder: sel && !scene && sel.resX ? `${sel.resX}x${sel.resY}` : 'from the scene', pattern: '\\d+x\\d+'});
  form.append(h('label', {for: 'opt--res', text: 'Resolution'}), res, h('div.help', {text: 'WxH, e.g. 1280x720; empty keeps the scene\'s'}));
  const what = scene ? baseName(scene) : `${baseName(sel.source)} (as snapshot #${sel.id})`;
  modal(`Render with ${f.renderer}`, h('div', {}, h('p.muted', {text: `Scene: ${what}`}), form), [
    [h('button', {text: 'Other scene…', onclick: () => { closeModal(); pickScene(label); }})], ['|'],
    ['Cancel', closeModal],
    ['Render', async () => {
      const options = {};
      try {
        for (const [name, [fd, el]] of Object.entries(inputs)) {
          if (fd.type === 'bool') options[name] = el.checked;
          else if (fd.type === 'int') options[name] = parseInt(el.value, 10);
          else if (fd.type === 'float') options[name] = parseFloat(el.value);
          else if (fd.type === 'json') options[name] = JSON.parse(el.value);
          else options[name] = el.value;
          if (typeof options[name] === 'number' && isNaN(options[name])) throw new Error(`${fd.label || name}: not a number`);
        }
      } catch (e) { fail(e); return; }
      let resX = 0, resY = 0;
      if (res.value.trim()) {
        const m = res.value.trim().match(/^(\d+)\s*[x×]\s*(\d+)$/);
        if (!m) { fail(new Error(`Resolution "${res.value}": want WxH, e.g. 1280x720`)); return; }
        resX = +m[1]; resY = +m[2];
      }
      closeModal();
      try {
        const s = scene
          ? await api.post('/api/renders', {renderer: label, scene, options, viewport: {res_x: resX, res_y: resY}})
          : await api.post(`/api/snapshots/${sel.id}/rerender`, {renderer: label, options, resX, resY});
        applySnapshot(s, true);
        select(s.id);
      } catch (e) { fail(e); }
    }, true, 'form-render'],
  ]);
}

// pickScene browses the server's roots for a USD file.
async function pickScene(renderer) {
  let chosen = null;
  const ul = h('ul');
  const pathEl = h('div.path');
  const rsel = h('select#pick-renderer', {}, st.renderers.map(p => h('option', {value: p.label, text: p.label})));
  const cur = st.snaps.get(st.sel);
  const newest = st.snaps.get(st.order[0]);
  rsel.value = renderer || (cur && cur.renderer) || (newest && newest.renderer) || (st.renderers[0] && st.renderers[0].label) || '';
  const go = async p => {
    let l;
    try { l = await api.get('/api/files' + (p ? '?path=' + encodeURIComponent(p) : '')); } catch (e) { fail(e); return; }
    chosen = null;
    pathEl.textContent = l.path || 'Roots';
    const rows = [];
    if (l.path) rows.push(h('li', {'data-path': l.parent || '', onclick: () => go(l.parent || '')}, h('span.ic', {text: '↰'}), h('span', {text: l.parent ? '..' : 'Roots'})));
    for (const e of l.entries) {
      const li = h('li', {'data-path': e.path}, h('span.ic', {text: e.dir ? '▸' : '◆'}), h('span', {text: e.name}), e.dir ? null : h('span.sz', {text: fmtBytes(e.size)}));
      if (e.dir) li.addEventListener('click', () => go(e.path));
      else {
        li.addEventListener('click', () => { for (const x of ul.querySelectorAll('.sel')) x.classList.remove('sel'); li.classList.add('sel'); chosen = e.path; });
        li.addEventListener('dblclick', () => { chosen = e.path; start(); });
      }
      rows.push(li);
    }
    if (!l.entries.length) rows.push(h('li.muted', {text: 'No USD files here'}));
    ul.replaceChildren(...rows);
  };
  const start = async () => {
    if (!chosen) { toast('Pick a USD file first'); return; }
    closeModal();
    try {
      const s = await api.post('/api/renders', {renderer: rsel.value, scene: chosen});
      applySnapshot(s, true);
      select(s.id);
    } catch (e) { fail(e); }
  };
  modal('Open scene', h('div', {}, pathEl, ul), [
    [h('label.muted', {text: 'Renderer '})], [rsel],
    [h('button', {text: 'Options…', onclick: () => { if (!chosen) { toast('Pick a USD file first'); return; } const c = chosen; closeModal(); openForm(rsel.value, c); }})],
    ['|'], ['Cancel', closeModal], ['Render', start, true, 'pick-render'],
  ], 'picker');
  await go('');
}

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
    st.filters.renderer = $('#f-renderer').value;
    loadPage(true);
  }, 200);
}
$('#f-text').addEventListener('input', onFilter);
$('#f-tag').addEventListener('input', onFilter);
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
  let wasDown = false;
  es.onopen = () => {
    conn.textContent = '● live';
    conn.className = 'conn ok';
    document.body.dataset.live = '1';
    if (wasDown) resync();
    wasDown = false;
  };
  es.onerror = () => {
    conn.textContent = '● reconnecting';
    conn.className = 'conn down';
    document.body.dataset.live = '';
    wasDown = true;
  };
  const on = d => { if (d.snapshot) applySnapshot(d.snapshot, d.type === 'created'); };
  for (const t of ['created', 'state', 'image', 'metadata', 'updated']) {
    es.addEventListener(t, e => on(JSON.parse(e.data)));
  }
  es.addEventListener('deleted', e => removeSnapshot(JSON.parse(e.data).id));
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
setInterval(async () => {
  if (document.hidden || !st.order.length) return;
  const gen = st.gen;
  let page;
  try { page = await api.get('/api/snapshots?' + filterQuery(Math.min(st.order.length, PAGE))); } catch { return; }
  if (gen !== st.gen) return;
  for (const s of page) {
    const old = st.snaps.get(s.id);
    if (old && summary(old) !== summary(s)) applySnapshot(s);
  }
}, REFRESH_MS);

loadRenderers();
loadPage(true);
connect();
