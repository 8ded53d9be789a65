// viewer.js: the viewer: progressive images, zoom and pan, A/B compare, stats, clicks
// Part of rgallery's web UI; the scripts share one global scope and are
// loaded in order by index.html: core, strip, hdr, inspect, viewer, info, panels, app.
// With WebGL2 the images are the float data drawn by hdr.js on the stages'
// canvases; the <img> elements (the 8-bit preview) stay underneath as the
// fallback and give the layout its size.
'use strict';

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
  // The click marker belongs to a live render.
  if (!live(s)) { $('#marker').hidden = true; st.marker = null; }
  if (s) setImg(imgA, s);
  if (!s) { imgA.removeAttribute('src'); imgA._want = ''; }
  hdrSet('A', s);
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
  hdrSet('B', s);
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
  inspectRefresh();
  statsRefresh();
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
  hdrDraw();
}

function zoomAt(factor, cx, cy) {
  const v = st.view;
  const ns = Math.max(0.05, Math.min(256, v.scale * factor));
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
  if (e.shiftKey && hdr.on) {
    // shift-drag: a region for the metrics and the histogram
    const p = imagePoint(e);
    if (!p) return;
    drag = {region: true, x: p.x * st.iw, y: p.y * st.ih, id: e.pointerId, moved: false};
    stage.setPointerCapture(e.pointerId);
    return;
  }
  drag = {x: e.clientX, y: e.clientY, tx: st.view.tx, ty: st.view.ty, moved: false, id: e.pointerId};
  stage.setPointerCapture(e.pointerId);
});
stage.addEventListener('pointermove', e => {
  showPixel(e);
  inspectAt(e);
  if (drag && drag.region) {
    const p = imagePoint(e);
    if (!p) return;
    // the pixels under the drag, both ends included
    const cl = (v, m) => Math.max(0, Math.min(m, v));
    const x = p.x * st.iw, y = p.y * st.ih;
    drag.moved = true;
    setRegion({x0: cl(Math.floor(Math.min(drag.x, x)), st.iw), y0: cl(Math.floor(Math.min(drag.y, y)), st.ih),
      x1: cl(Math.floor(Math.max(drag.x, x)) + 1, st.iw), y1: cl(Math.floor(Math.max(drag.y, y)) + 1, st.ih)});
    return;
  }
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
  if (d && d.region && !d.moved) setRegion(null); // a shift-click clears the region
  if (!d || d.region || d.moved || e.button !== 0) return;
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

hdrInit();
wireHdrControls();
updateHdrControls();
