// inspect.js: the pixel inspector, values drawn in the pixels at high zoom,
// the histogram and waveform, and the compare metrics (RMSE, PSNR, mean
// relative error here; FLIP from the server) of the whole image or a
// dragged region.
// Part of rgallery's web UI; the scripts share one global scope and are
// loaded in order by index.html: core, strip, hdr, inspect, viewer, info, panels, app.
'use strict';

// fmtFloat shows a linear value with sensible digits: up to 6 significant
// digits without trailing zeros, exponent form for the very small and
// large, NaN and infinities by name.
function fmtFloat(v) {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) return v.toExponential(3).replace(/\.?0+e/, 'e');
  return String(+v.toPrecision(6));
}

// valuesAt returns the channel values of a loaded layer at display pixel
// (x, y), or null outside its data window.
function valuesAt(d, x, y) {
  if (!d) return null;
  const px = x - d.x, py = y - d.y;
  if (px < 0 || py < 0 || px >= d.w || py >= d.h) return null;
  const i = (py * d.w + px) * d.n;
  return Array.from(d.data.subarray(i, i + d.n));
}

// ---------------------------------------------------------------- inspector

// The inspected pixel stays while new passes arrive and the view changes:
// it is kept in image coordinates.
const insp = {x: -1, y: -1};

function inspectAt(e) {
  const p = imagePoint(e);
  if (!p || !st.iw) return;
  const x = Math.floor(p.x * st.iw), y = Math.floor(p.y * st.ih);
  if (x < 0 || y < 0 || x >= st.iw || y >= st.ih) return;
  insp.x = x; insp.y = y;
  inspectRefresh();
}

function inspectRefresh() {
  const el = $('#inspector');
  if (!hdr.on || insp.x < 0) { el.hidden = true; return; }
  el.hidden = false;
  const {x, y} = insp;
  const a = valuesAt(hdr.a, x, y);
  const cmp = st.compare !== 'off' && hdr.b;
  const b = cmp ? valuesAt(hdr.b, x, y) : null;
  const names = hdr.a.names;
  const rows = [];
  rows.push(h('div.ihd', {}, h('span.mono', {text: `${x}, ${y}`}), h('span.muted', {text: hdr.a.layer ? ` ${hdr.a.layer}` : ' beauty'})));
  const cell = (v, cls) => h('td.mono' + (cls ? '.' + cls : ''), {text: v === undefined || v === null ? '—' : fmtFloat(v)});
  const table = h('table.ivals');
  if (cmp) table.append(h('tr', {}, h('th'), h('th', {text: 'A'}), h('th', {text: 'B'}), h('th', {text: 'A−B'})));
  names.forEach((n, i) => {
    const va = a ? a[i] : undefined;
    const tr = h('tr', {'data-ch': n}, h('th', {text: n, class: 'ch-' + n}), cell(va, 'a'));
    if (cmp) {
      const bi = hdr.b.names.indexOf(n);
      const vb = b && bi >= 0 ? b[bi] : undefined;
      tr.append(cell(vb, 'b'), cell(va !== undefined && vb !== undefined ? va - vb : undefined, 'd'));
    }
    table.append(tr);
  });
  rows.push(table);
  el.replaceChildren(...rows);
  el.dataset.x = x; el.dataset.y = y;
}

// ---------------------------------------------------------------- values in the pixels

// At 48 CSS px per image pixel and more, each visible pixel shows its
// values (the first four channels of the layer, or A−B in difference).
const OVERLAY_MIN_SCALE = 48;

function drawOverlay() {
  const cv = $('#overlay');
  const dpr = devicePixelRatio || 1;
  const w = Math.round(cv.clientWidth * dpr), hh = Math.round(cv.clientHeight * dpr);
  if (cv.width !== w || cv.height !== hh) { cv.width = w; cv.height = hh; }
  const ctx = cv.getContext('2d');
  ctx.clearRect(0, 0, w, hh);
  drawRegion(ctx, dpr);
  const v = st.view;
  if (!hdr.on || v.scale < OVERLAY_MIN_SCALE) return;
  const src = compareSrc();
  const x0 = Math.max(0, Math.floor(-v.tx / v.scale)), y0 = Math.max(0, Math.floor(-v.ty / v.scale));
  const x1 = Math.min(st.iw, Math.ceil((cv.clientWidth - v.tx) / v.scale));
  const y1 = Math.min(st.ih, Math.ceil((cv.clientHeight - v.ty) / v.scale));
  const fs = Math.min(14, v.scale / 5.5);
  ctx.font = `${fs * dpr}px ui-monospace, monospace`;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  const colours = {R: '#ff8080', G: '#80ff80', B: '#80b0ff', A: '#e0e0e0'};
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      let d = hdr.a;
      if (src === 'wipe' && x >= st.wipe * st.iw) d = hdr.b;
      let vals = valuesAt(d, x, y);
      if (!vals) continue;
      if (src === 'diff' || src === 'rel') {
        const vb = valuesAt(hdr.b, x, y);
        if (!vb) continue;
        vals = vals.map((va, i) => src === 'diff' ? va - vb[i] : Math.abs(va - vb[i]) / (Math.abs(vb[i]) + 0.01));
      }
      const n = Math.min(vals.length, 4);
      const cx = (v.tx + (x + 0.5) * v.scale) * dpr;
      for (let i = 0; i < n; i++) {
        const cy = (v.ty + (y + (i + 0.5) / n) * v.scale) * dpr;
        const text = fmtFloat(vals[i]);
        ctx.fillStyle = 'rgba(0,0,0,.55)';
        ctx.fillText(text, cx + dpr, cy + dpr);
        ctx.fillStyle = colours[d.names[i]] || '#fff';
        ctx.fillText(text, cx, cy);
      }
    }
  }
}

// ---------------------------------------------------------------- region

// A shift-drag on the image selects a region (image pixels, inclusive
// start, exclusive end) that the metrics and histogram are computed on.
let region = null;

function drawRegion(ctx, dpr) {
  if (!region) return;
  const v = st.view;
  ctx.strokeStyle = '#ffd000';
  ctx.lineWidth = dpr;
  ctx.setLineDash([4 * dpr, 3 * dpr]);
  ctx.strokeRect((v.tx + region.x0 * v.scale) * dpr, (v.ty + region.y0 * v.scale) * dpr,
    (region.x1 - region.x0) * v.scale * dpr, (region.y1 - region.y0) * v.scale * dpr);
  ctx.setLineDash([]);
}

function setRegion(r) {
  region = r && r.x1 > r.x0 && r.y1 > r.y0 ? r : null;
  drawOverlay();
  statsRefresh();
}

// ---------------------------------------------------------------- statistics

const HIST_BINS = 64;

// histogram counts, per channel of the shown layer (first four), the
// values v·2^exposure + offset in HIST_BINS bins over [0, 1]; values
// below go to the first bin, above to the last, NaN and infinities are
// counted apart.
function histogram(d, r) {
  const n = Math.min(d.n, 4), scale = 2 ** disp.exposure, off = disp.offset;
  const bins = Array.from({length: n}, () => new Uint32Array(HIST_BINS));
  let nonFinite = 0;
  const [x0, y0, x1, y1] = r ? [r.x0 - d.x, r.y0 - d.y, r.x1 - d.x, r.y1 - d.y] : [0, 0, d.w, d.h];
  for (let y = Math.max(0, y0); y < Math.min(d.h, y1); y++) {
    for (let x = Math.max(0, x0); x < Math.min(d.w, x1); x++) {
      const i = (y * d.w + x) * d.n;
      for (let c = 0; c < n; c++) {
        const v = d.data[i + c];
        if (!Number.isFinite(v)) { nonFinite++; continue; }
        const t = v * scale + off;
        bins[c][t <= 0 ? 0 : t >= 1 ? HIST_BINS - 1 : Math.floor(t * HIST_BINS)]++;
      }
    }
  }
  return {names: d.names.slice(0, n), bins: bins.map(b => Array.from(b)), nonFinite};
}

// waveform is a columns × rows grid of counts: for each image column
// group, how many pixels have each displayed luminance (after exposure and
// the display transform), bottom row 0, top row 1.
function waveform(d, cols, rows) {
  const grid = new Uint32Array(cols * rows);
  const scale = 2 ** disp.exposure, off = disp.offset;
  const ch = channelIndex(d);
  const stepY = Math.max(1, Math.floor(d.h / 256)); // a sample of rows is enough to see
  // a lookup table for the transform of luminance in [0, 16]
  const LUT = 4096, lut = new Float32Array(LUT + 1);
  for (let i = 0; i <= LUT; i++) lut[i] = displayRGB([i / LUT * 16, i / LUT * 16, i / LUT * 16])[0];
  for (let y = 0; y < d.h; y += stepY) {
    for (let x = 0; x < d.w; x++) {
      const i = (y * d.w + x) * d.n;
      let l = ch >= 0 ? d.data[i + ch] : d.n >= 3 ? 0.2126 * d.data[i] + 0.7152 * d.data[i + 1] + 0.0722 * d.data[i + 2] : d.data[i];
      if (!Number.isFinite(l)) continue;
      l = Math.min(16, Math.max(0, l * scale + off));
      const v = lut[Math.round(l / 16 * LUT)];
      const col = Math.floor((x + d.x) * cols / st.iw), row = Math.min(rows - 1, Math.floor(v * rows));
      if (col >= 0 && col < cols) grid[(rows - 1 - row) * cols + col]++;
    }
  }
  return grid;
}

// metrics compares A and B on their first three common channels (or one):
// RMSE, PSNR (peak 1: values are linear, 1 is diffuse white), mean relative
// error |A−B| / (|B| + 0.01) as tev defines it; pixels where A or B is
// NaN or infinite are counted apart, not averaged.
function metrics(a, b, r) {
  const chans = ['R', 'G', 'B'].filter(c => a.names.includes(c) && b.names.includes(c));
  if (!chans.length) chans.push(a.names[0]);
  const ia = chans.map(c => a.names.indexOf(c)), ib = chans.map(c => b.names.indexOf(c));
  if (ib.some(i => i < 0)) return {error: `B has no channel ${chans.join(', ')}`};
  const [x0, y0, x1, y1] = r ? [r.x0, r.y0, r.x1, r.y1] : [0, 0, st.iw, st.ih];
  let se = 0, re = 0, n = 0, bad = 0;
  for (let y = y0; y < y1; y++) {
    const ya = y - a.y, yb = y - b.y;
    if (ya < 0 || yb < 0 || ya >= a.h || yb >= b.h) continue;
    for (let x = x0; x < x1; x++) {
      const xa = x - a.x, xb = x - b.x;
      if (xa < 0 || xb < 0 || xa >= a.w || xb >= b.w) continue;
      const pa = (ya * a.w + xa) * a.n, pb = (yb * b.w + xb) * b.n;
      for (let c = 0; c < ia.length; c++) {
        const va = a.data[pa + ia[c]], vb = b.data[pb + ib[c]];
        if (!Number.isFinite(va) || !Number.isFinite(vb)) { bad++; continue; }
        const dd = va - vb;
        se += dd * dd;
        re += Math.abs(dd) / (Math.abs(vb) + 0.01);
        n++;
      }
    }
  }
  if (!n) return {error: 'no overlapping pixels'};
  const mse = se / n;
  return {channels: chans, samples: n, nonFinite: bad, rmse: Math.sqrt(mse), psnr: mse > 0 ? 10 * Math.log10(1 / mse) : Infinity, mre: re / n};
}

let statsTimer = 0;
// statsRefresh recomputes the panel's histogram, waveform and metrics a
// moment after the last change (they read every pixel).
function statsRefresh() {
  clearTimeout(statsTimer);
  statsTimer = setTimeout(statsNow, 30);
}

function statsNow() {
  const panel = $('#statspanel');
  panel.hidden = !(disp.hist && hdr.on);
  const out = {};
  if (!panel.hidden && hdr.a) {
    const hs = histogram(hdr.a, region);
    out.histogram = hs;
    drawHistogram($('#hist'), hs);
    const cols = Math.min(256, st.iw);
    drawWaveform($('#wave'), waveform(hdr.a, cols, 96), cols, 96);
  }
  const mt = $('#metrics');
  if (st.compare !== 'off' && hdr.a && hdr.b) {
    const m = metrics(hdr.a, hdr.b, region);
    out.metrics = m;
    mt.hidden = false;
    // B without A's layer shows its beauty layer: say so, never compare
    // two different layers silently.
    const other = hdr.b.layer !== hdr.a.layer ? `B has no layer "${hdr.a.layer || 'beauty'}", compared with its "${hdr.b.layer || 'beauty'}" · ` : '';
    mt.dataset.text = other + (m.error ? m.error : `${region ? `region ${region.x0},${region.y0}–${region.x1},${region.y1}` : 'whole image'} · ${m.channels.join('')} · ` +
      `RMSE ${fmtFloat(m.rmse)} · PSNR ${Number.isFinite(m.psnr) ? m.psnr.toFixed(2) + ' dB' : '∞'} · rel. error ${fmtFloat(m.mre)}` +
      (m.nonFinite ? ` · ${m.nonFinite} NaN/Inf samples skipped` : ''));
    requestFlip();
  } else {
    mt.hidden = true;
    flipState.key = '';
  }
  showMetrics();
  window.rgViewerStats = out;
}

// FLIP (HDR-FLIP of A against B as the reference) is computed by the
// server (GET /api/snapshots/{id}/flip, imageio/flip): it filters the
// whole image at several exposures, too much for every frame here. The
// answer for the current A, B, layer and region is kept; a change cancels
// the request in flight.
const flipState = {key: '', ctl: null, result: null, error: '', pending: false, ask: false};

// FLIP_AUTO_PIXELS is the largest area FLIP is computed for without being
// asked (about 2 s of server CPU); beyond it the metrics offer a click.
const FLIP_AUTO_PIXELS = 1 << 20;

function requestFlip(force) {
  const a = hdr.a, b = hdr.b, r = region;
  const key = `${a.key}|${b.key}|${r ? [r.x0, r.y0, r.x1, r.y1].join(',') : ''}`;
  if (key === flipState.key && !(force && flipState.ask)) return;
  if (flipState.ctl) flipState.ctl.abort();
  const area = r ? (r.x1 - r.x0) * (r.y1 - r.y0) : st.iw * st.ih;
  if (!force && area > FLIP_AUTO_PIXELS) {
    Object.assign(flipState, {key, ctl: null, result: null, error: '', pending: false, ask: true});
    return;
  }
  const ctl = new AbortController();
  Object.assign(flipState, {key, ctl, result: null, error: '', pending: true, ask: false});
  const q = new URLSearchParams({ref: String(b.id), layer: a.layer});
  if (r) q.set('region', [r.x0, r.y0, r.x1, r.y1].join(','));
  fetch(`/api/snapshots/${a.id}/flip?${q}`, {signal: ctl.signal})
    .then(async resp => {
      const body = await resp.json();
      if (!resp.ok) throw new Error(body.error || resp.statusText);
      return body;
    })
    .then(res => { if (flipState.key === key) Object.assign(flipState, {result: res, pending: false}); })
    .catch(e => { if (flipState.key === key && e.name !== 'AbortError') Object.assign(flipState, {error: e.message, pending: false}); })
    .finally(showMetrics);
}

function showMetrics() {
  const mt = $('#metrics');
  if (mt.hidden) return;
  let f = '';
  if (flipState.ask) f = ' · FLIP: click to compute';
  else if (flipState.pending) f = ' · FLIP …';
  else if (flipState.result) f = ` · FLIP ${flipState.result.mean.toFixed(4)}`;
  else if (flipState.error) f = ' · FLIP: ' + flipState.error;
  mt.textContent = (mt.dataset.text || '') + f;
  mt.title = flipState.result ? `HDR-FLIP of A against B (reference), ${flipState.result.exposures} exposures from ${flipState.result.startExposure.toFixed(2)} to ${flipState.result.stopExposure.toFixed(2)}, ${flipState.result.ms} ms` : '';
}

function drawHistogram(cv, hs) {
  const ctx = cv.getContext('2d');
  const w = cv.width, hh = cv.height;
  ctx.clearRect(0, 0, w, hh);
  const f = disp.histLog ? v => Math.log1p(v) : v => v;
  let max = 1;
  for (const b of hs.bins) for (const v of b) max = Math.max(max, f(v));
  const colours = {R: 'rgba(255,80,80,.7)', G: 'rgba(80,230,80,.7)', B: 'rgba(90,140,255,.7)', A: 'rgba(220,220,220,.5)'};
  ctx.globalCompositeOperation = 'lighter';
  hs.bins.forEach((b, c) => {
    ctx.fillStyle = colours[hs.names[c]] || 'rgba(220,220,220,.7)';
    const bw = w / b.length;
    b.forEach((v, i) => { const bh = f(v) / max * (hh - 2); ctx.fillRect(i * bw, hh - bh, Math.max(1, bw - 0.5), bh); });
  });
  ctx.globalCompositeOperation = 'source-over';
}

function drawWaveform(cv, grid, cols, rows) {
  const ctx = cv.getContext('2d');
  const im = ctx.createImageData(cols, rows);
  let max = 1;
  for (const v of grid) max = Math.max(max, v);
  for (let i = 0; i < grid.length; i++) {
    const t = grid[i] ? Math.min(1, 0.25 + Math.log1p(grid[i]) / Math.log1p(max)) : 0;
    im.data[4 * i] = 120 * t; im.data[4 * i + 1] = 255 * t; im.data[4 * i + 2] = 140 * t; im.data[4 * i + 3] = 255;
  }
  cv.width = cols; cv.height = rows;
  ctx.putImageData(im, 0, 0);
}

$('#metrics').addEventListener('click', () => { if (flipState.ask && hdr.a && hdr.b) { requestFlip(true); showMetrics(); } });

// ---------------------------------------------------------------- test hooks

// rgViewer is for tests and for people at the console: state, values and
// the drawn colour of an image pixel.
window.rgViewer = {
  get on() { return hdr.on; },
  get display() { return Object.assign({}, disp); },
  set: setDisp,
  layers: () => hdr.infoA && hdr.infoA.layers.map(l => l.name),
  values: (x, y, which) => valuesAt(which === 'B' ? hdr.b : hdr.a, x, y),
  // drawn returns the 8-bit RGBA the canvas shows at image pixel (x, y).
  drawn(x, y, which) {
    hdrDrawNow();
    const v = st.view;
    const g = which === 'B' ? hdr.glB : hdr.glA;
    return g.readPixel(v.tx + (x + 0.5) * v.scale, v.ty + (y + 0.5) * v.scale);
  },
  histogram: () => hdr.a && histogram(hdr.a, region),
  metrics: () => hdr.a && hdr.b ? metrics(hdr.a, hdr.b, region) : null,
  flip: () => flipState.result,
  region: r => setRegion(r),
  timings: () => hdr.timings.slice(),
  // screenPoint is where image pixel (x, y)'s centre is, in page px.
  screenPoint(x, y) {
    const r = stage.getBoundingClientRect(), v = st.view;
    return [r.left + v.tx + (x + 0.5) * v.scale, r.top + v.ty + (y + 0.5) * v.scale];
  },
};
