// hdr.js: the float image viewer: layer data from /api/snapshots/{id}/pixels,
// WebGL2 float textures, the display pipeline in a fragment shader
// (exposure, offset, transform, gamma, primaries, channels, false colour,
// positive/negative), wipe / side by side / difference of A and B.
// Part of rgallery's web UI; the scripts share one global scope and are
// loaded in order by index.html: core, strip, hdr, inspect, viewer, info, panels, app.
// The curves are documented in docs/viewer.md.
'use strict';

// ---------------------------------------------------------------- settings

// disp is the display state shared by A and B; it persists for the
// session (sessionStorage), as tev keeps its settings while it runs.
const DISP_KEY = 'rgallery.display';
const DISP_DEFAULT = {exposure: 0, offset: 0, gamma: 1, transform: 'srgb', mode: 'normal', channel: 'rgb',
  layer: null, primaries: true, hist: false, histLog: false, diff: 'abs'};
const disp = Object.assign({}, DISP_DEFAULT, (() => {
  try { return JSON.parse(sessionStorage.getItem(DISP_KEY) || '{}'); } catch { return {}; }
})());
function saveDisp() {
  try { sessionStorage.setItem(DISP_KEY, JSON.stringify(disp)); } catch { /* private mode */ }
}

const TRANSFORMS = {srgb: 0, rec709: 1, linear: 2, agx: 3};
const MODES = {normal: 0, falsecolour: 1, posneg: 2};

// ---------------------------------------------------------------- float data

// hdrData maps "id/version/layer" to a loaded layer: {w, h, x, y, n,
// names, data (Float32Array, n per pixel), half}. Only the layers shown
// by A and B stay (the map is pruned on each load).
const hdrData = new Map();
const hdrInfo = new Map(); // "id/version" -> PixelInfo (a promise)

function half2float(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function layerInfo(s) {
  const key = `${s.id}/${s.imageVersion}`;
  let p = hdrInfo.get(key);
  if (!p) {
    p = api.get(`/api/snapshots/${s.id}/layers`);
    hdrInfo.set(key, p);
    p.catch(() => hdrInfo.delete(key));
    // Old versions of this snapshot are never asked for again.
    for (const k of hdrInfo.keys()) if (k.startsWith(`${s.id}/`) && k !== key) hdrInfo.delete(k);
  }
  return p;
}

// pickLayer is the layer to show: the one chosen before when this image
// has it, else the beauty layer.
function pickLayer(info) {
  const i = info.layers.findIndex(l => l.name === disp.layer);
  return i >= 0 ? info.layers[i] : info.layers[info.beauty];
}

// loadLayer fetches a layer once: concurrent callers (a live render's
// events come in bursts) share one request.
function loadLayer(s, info, layer) {
  const key = `${s.id}/${info.version}/${layer.name}`;
  const d = hdrData.get(key);
  if (d) return Promise.resolve(d);
  let p = hdrLoading.get(key);
  if (!p) {
    p = fetchLayer(s, info, layer, key).finally(() => hdrLoading.delete(key));
    hdrLoading.set(key, p);
  }
  return p;
}
const hdrLoading = new Map();

async function fetchLayer(s, info, layer, key) {
  let d;
  // Half floats when the file stores half (exact, half the bytes), else
  // float32 so that the inspector shows the file's values exactly.
  const type = layer.channels.every(c => c.type === 'half') ? 'half' : 'float';
  const t0 = performance.now();
  const r = await fetch(`/api/snapshots/${s.id}/pixels?layer=${encodeURIComponent(layer.name)}&type=${type}`);
  if (!r.ok) {
    let msg = r.statusText;
    try { msg = (await r.json()).error || msg; } catch { /* not JSON */ }
    throw new Error(msg);
  }
  const buf = await r.arrayBuffer();
  const w = +r.headers.get('X-Rgallery-Width'), hh = +r.headers.get('X-Rgallery-Height');
  const names = r.headers.get('X-Rgallery-Channels').split(',');
  const [ox, oy] = r.headers.get('X-Rgallery-Origin').split(',').map(Number);
  const n = names.length;
  let data;
  if (type === 'half') {
    const src = new Uint16Array(buf);
    data = new Float32Array(src.length);
    // A table makes the conversion one lookup per sample.
    const tab = halfTable || (halfTable = Float32Array.from({length: 65536}, (_, i) => half2float(i)));
    for (let i = 0; i < src.length; i++) data[i] = tab[src[i]];
  } else {
    data = new Float32Array(buf);
  }
  d = {key, id: s.id, version: info.version, layer: layer.name, w, h: hh, x: ox, y: oy, n, names, data, half: type === 'half',
    premul: info.format === 'exr', loadMs: performance.now() - t0};
  hdrData.set(key, d);
  hdr.timings.push({what: `load ${s.id} ${d.layer || 'beauty'} ${d.w}x${d.h} ${type}`, ms: d.loadMs});
  return d;
}
let halfTable = null;

// ---------------------------------------------------------------- colour

// rgbToXYZ is the matrix from linear RGB with the given primaries and
// white (x, y pairs: r, g, b, w) to CIE XYZ (SMPTE RP 177).
function rgbToXYZ(c) {
  const xyz = (x, y) => [x / y, 1, (1 - x - y) / y];
  const P = [xyz(c[0], c[1]), xyz(c[2], c[3]), xyz(c[4], c[5])];
  const W = xyz(c[6], c[7]);
  // columns P[i] scaled so that RGB (1, 1, 1) maps to the white
  const M = [[P[0][0], P[1][0], P[2][0]], [P[0][1], P[1][1], P[2][1]], [P[0][2], P[1][2], P[2][2]]];
  const S = mul3v(inv3(M), W);
  return M.map(row => row.map((v, j) => v * S[j]));
}
function mul3(a, b) { return a.map(r => [0, 1, 2].map(j => r[0] * b[0][j] + r[1] * b[1][j] + r[2] * b[2][j])); }
function mul3v(a, v) { return a.map(r => r[0] * v[0] + r[1] * v[1] + r[2] * v[2]); }
function inv3(m) {
  const [[a, b, c], [d, e, f], [g, hh, i]] = m;
  const A = e * i - f * hh, B = -(d * i - f * g), C = d * hh - e * g;
  const det = a * A + b * B + c * C;
  return [[A / det, -(b * i - c * hh) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * hh - b * g) / det, (a * e - b * d) / det]];
}
const REC709 = [0.64, 0.33, 0.30, 0.60, 0.15, 0.06, 0.3127, 0.3290];
// Bradford cone response (Lam 1985), for white points that differ.
const BRADFORD = [[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]];

// primariesMatrix converts linear RGB in the file's chromaticities to
// linear Rec.709/sRGB primaries (D65), adapting the white with Bradford.
function primariesMatrix(chroma) {
  if (!chroma || chroma.length !== 8 || chroma.every((v, i) => Math.abs(v - REC709[i]) < 1e-4)) return null;
  let M = rgbToXYZ(chroma);
  const ws = [chroma[6] / chroma[7], 1, (1 - chroma[6] - chroma[7]) / chroma[7]];
  const wd = [REC709[6] / REC709[7], 1, (1 - REC709[6] - REC709[7]) / REC709[7]];
  if (Math.abs(ws[0] - wd[0]) > 1e-4 || Math.abs(ws[2] - wd[2]) > 1e-4) {
    const s = mul3v(BRADFORD, ws), dd = mul3v(BRADFORD, wd);
    const D = [[dd[0] / s[0], 0, 0], [0, dd[1] / s[1], 0], [0, 0, dd[2] / s[2]]];
    M = mul3(mul3(inv3(BRADFORD), mul3(D, BRADFORD)), M);
  }
  return mul3(inv3(rgbToXYZ(REC709)), M);
}

// The display transforms on the CPU, the same as the shader's: for the
// waveform, and for tests.
const AGX_IN = [[0.842479062253094, 0.0784335999999992, 0.0792237451477643],
  [0.0423282422610123, 0.878468636469772, 0.0791661274605434],
  [0.0423756549057051, 0.0784336, 0.879142973793104]];
const AGX_OUT = inv3(AGX_IN);
const AGX_MIN = -12.47393, AGX_MAX = 4.026069;
function agxCurve(x) {
  const x2 = x * x, x4 = x2 * x2;
  return 15.5 * x4 * x2 - 40.14 * x4 * x + 31.96 * x4 - 6.868 * x2 * x + 0.4298 * x2 + 0.1191 * x - 0.00232;
}
function encodeOne(v, t) {
  switch (t) {
    case 'srgb': return v <= 0.0031308 ? 12.92 * v : 1.055 * Math.pow(v, 1 / 2.4) - 0.055;
    case 'rec709': return v < 0.018 ? 4.5 * v : 1.099 * Math.pow(v, 0.45) - 0.099;
  }
  return v;
}
function displayRGB(rgb) {
  let o;
  if (disp.transform === 'agx') {
    const v = mul3v(AGX_IN, rgb.map(x => Math.max(x, 1e-10))).map(x =>
      agxCurve(Math.min(1, Math.max(0, (Math.log2(x) - AGX_MIN) / (AGX_MAX - AGX_MIN)))));
    o = mul3v(AGX_OUT, v.map(x => Math.pow(Math.max(x, 0), 2.2))).map(x => encodeOne(Math.max(x, 0), 'srgb'));
  } else {
    o = rgb.map(x => encodeOne(Math.max(x, 0), disp.transform));
  }
  if (disp.gamma !== 1) o = o.map(x => Math.pow(Math.max(x, 0), 1 / disp.gamma));
  return o.map(x => Math.min(1, Math.max(0, x)));
}

// ---------------------------------------------------------------- WebGL

const VERT = `#version 300 es
in vec2 p;
void main() { gl_Position = vec4(p, 0.0, 1.0); }`;

const FRAG = `#version 300 es
precision highp float;
precision highp int;
uniform highp sampler2D uA, uB;
uniform vec2 uSizeA, uSizeB, uOrgA, uOrgB, uDisp;
uniform int uNA, uNB, uAlphaA, uAlphaB;  // channels in the texture, alpha index or -1
uniform int uSrc;          // 0 A, 1 B, 2 wipe, 3 difference, 4 relative difference
uniform float uWipe;
uniform vec3 uView;        // device px per image px, translation (device px)
uniform float uCanvasH, uDpr;
uniform int uChan;         // -1 colour, else the texture channel shown grey
uniform float uExposure, uOffset, uGamma;
uniform int uTransform;    // 0 sRGB, 1 Rec.709, 2 linear, 3 AgX
uniform int uMode;         // 0 normal, 1 false colour, 2 positive/negative
uniform mat3 uPrim, uAgxOut;
uniform bool uPremul, uHasB;
out vec4 outColor;

vec4 fetch(highp sampler2D t, vec2 size, vec2 org, vec2 p, out bool inside) {
  vec2 q = p - org;
  inside = q.x >= 0.0 && q.y >= 0.0 && q.x < size.x && q.y < size.y;
  if (!inside) return vec4(0.0);
  // Nearest neighbour from 100 % up (the pixel grid), filtered below.
  if (uView.x >= 1.0) return texelFetch(t, ivec2(floor(q)), 0);
  return texture(t, q / size);
}

vec3 srgbOETF(vec3 v) { return mix(12.92 * v, 1.055 * pow(v, vec3(1.0 / 2.4)) - 0.055, step(vec3(0.0031308), v)); }
vec3 rec709OETF(vec3 v) { return mix(4.5 * v, 1.099 * pow(v, vec3(0.45)) - 0.099, step(vec3(0.018), v)); }

// AgX-style view (T. Sobotka's AgX as in Blender 4: an inset of the
// primaries, a log2 encoding over [-12.47, 4.03] stops around 0.18, a
// sigmoid fitted by a polynomial, the inverse inset). See docs/viewer.md.
vec3 agx(vec3 v) {
  const mat3 inset = mat3(0.842479062253094, 0.0423282422610123, 0.0423756549057051,
                          0.0784335999999992, 0.878468636469772, 0.0784336,
                          0.0792237451477643, 0.0791661274605434, 0.879142973793104);
  v = inset * max(v, vec3(1e-10));
  v = clamp((log2(v) + 12.47393) / 16.500999, 0.0, 1.0);
  vec3 x2 = v * v, x4 = x2 * x2;
  v = 15.5 * x4 * x2 - 40.14 * x4 * v + 31.96 * x4 - 6.868 * x2 * v + 0.4298 * x2 + 0.1191 * v - 0.00232;
  v = uAgxOut * pow(max(v, vec3(0.0)), vec3(2.2));
  return srgbOETF(max(v, vec3(0.0)));
}

// falseColour maps stops around 18 % grey (-6 .. +6) to a ramp:
// black, blue, cyan, green, yellow, red, white.
vec3 falseColour(float lum) {
  float t = clamp((log2(max(lum, 1e-10) / 0.18) + 6.0) / 12.0, 0.0, 1.0) * 6.0;
  vec3 c[7] = vec3[7](vec3(0.0), vec3(0.0, 0.0, 1.0), vec3(0.0, 1.0, 1.0), vec3(0.0, 1.0, 0.0),
                      vec3(1.0, 1.0, 0.0), vec3(1.0, 0.0, 0.0), vec3(1.0));
  int i = int(min(floor(t), 5.0));
  return mix(c[i], c[i + 1], t - float(i));
}

float pick(vec4 v, int i) { return i == 0 ? v.r : i == 1 ? v.g : i == 2 ? v.b : v.a; }

void main() {
  vec2 frag = vec2(gl_FragCoord.x, uCanvasH - gl_FragCoord.y);
  vec2 p = (frag - uView.yz) / uView.x;
  if (p.x < 0.0 || p.y < 0.0 || p.x >= uDisp.x || p.y >= uDisp.y) { outColor = vec4(0.0); return; }
  int src = uSrc;
  if (src == 2) src = p.x < uWipe * uDisp.x ? 0 : 1;
  if (!uHasB && src > 0) src = 0;
  bool inA, inB;
  vec4 a = fetch(uA, uSizeA, uOrgA, p, inA);
  vec4 b = vec4(0.0);
  if (uHasB) b = fetch(uB, uSizeB, uOrgB, p, inB);
  int n = src == 1 ? uNB : uNA;
  int ai = src == 1 ? uAlphaB : uAlphaA;
  vec4 v = src == 1 ? b : a;
  bool inside = src == 1 ? inB : inA;
  if (src >= 3) {
    vec4 d = a - b;
    v = src == 3 ? d : abs(d) / (abs(b) + 0.01);
    ai = -1;
    inside = inA || inB;
  }
  float alpha = 1.0;
  vec3 rgb;
  if (uChan >= 0) {
    rgb = vec3(pick(v, uChan));
  } else {
    rgb = n >= 3 ? v.rgb : n == 2 ? vec3(v.rg, 0.0) : v.rrr;
    if (ai >= 0) alpha = clamp(pick(v, ai), 0.0, 1.0);
    if (!inside) alpha = 0.0;
    if (uPremul && ai >= 0 && alpha > 0.0) rgb /= alpha;
    if (n >= 3) rgb = uPrim * rgb;
  }
  if (src == 3 && uMode != 2) rgb = abs(rgb);
  vec3 lin = rgb * exp2(uExposure) + uOffset;
  vec3 o;
  if (uMode == 2) {
    // positive green, negative red; NaN magenta, +Inf yellow, -Inf cyan
    float s = uChan >= 0 ? lin.r : dot(lin, vec3(0.2126, 0.7152, 0.0722));
    bvec3 nan = isnan(rgb), inf = isinf(rgb);
    if (any(nan)) o = vec3(1.0, 0.0, 1.0);
    else if (any(inf)) o = any(lessThan(rgb, vec3(0.0))) ? vec3(0.0, 1.0, 1.0) : vec3(1.0, 1.0, 0.0);
    else o = s >= 0.0 ? vec3(0.0, srgbOETF(vec3(min(s, 1.0))).g, 0.0) : vec3(srgbOETF(vec3(min(-s, 1.0))).r, 0.0, 0.0);
  } else if (uMode == 1) {
    o = falseColour(uChan >= 0 ? lin.r : dot(lin, vec3(0.2126, 0.7152, 0.0722)));
  } else {
    vec3 l = max(lin, vec3(0.0));
    o = uTransform == 0 ? srgbOETF(l) : uTransform == 1 ? rec709OETF(l) : uTransform == 3 ? agx(l) : l;
    if (uGamma != 1.0) o = pow(max(o, vec3(0.0)), vec3(1.0 / uGamma));
  }
  o = clamp(o, 0.0, 1.0);
  // alpha over a checkerboard of 8 CSS px squares, in display values
  vec2 cell = floor(frag / (8.0 * uDpr));
  vec3 checker = vec3(mod(cell.x + cell.y, 2.0) < 1.0 ? 0.22 : 0.32);
  outColor = vec4(mix(checker, o, alpha), 1.0);
}`;

// GLView draws with one WebGL2 canvas: the stage's own, or the side
// stage's. Textures are per context; the float data is shared.
class GLView {
  constructor(canvas) {
    this.canvas = canvas;
    const gl = canvas.getContext('webgl2', {preserveDrawingBuffer: false, antialias: false, premultipliedAlpha: true});
    this.gl = gl;
    if (!gl) return;
    this.floatLinear = !!gl.getExtension('OES_texture_float_linear');
    const sh = (type, src) => {
      const s = gl.createShader(type);
      gl.shaderSource(s, src);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error('shader: ' + gl.getShaderInfoLog(s));
      return s;
    };
    const prog = gl.createProgram();
    gl.attachShader(prog, sh(gl.VERTEX_SHADER, VERT));
    gl.attachShader(prog, sh(gl.FRAGMENT_SHADER, FRAG));
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error('link: ' + gl.getProgramInfoLog(prog));
    this.prog = prog;
    this.loc = {};
    for (let i = 0; i < gl.getProgramParameter(prog, gl.ACTIVE_UNIFORMS); i++) {
      const u = gl.getActiveUniform(prog, i);
      this.loc[u.name] = gl.getUniformLocation(prog, u.name);
    }
    const vb = gl.createBuffer();
    gl.bindBuffer(gl.ARRAY_BUFFER, vb);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([-1, -1, 3, -1, -1, 3]), gl.STATIC_DRAW);
    const pl = gl.getAttribLocation(prog, 'p');
    gl.enableVertexAttribArray(pl);
    gl.vertexAttribPointer(pl, 2, gl.FLOAT, false, 0, 0);
    this.tex = new Map(); // data key -> texture
    this.empty = this.upload({key: '', w: 1, h: 1, n: 4, data: new Float32Array(4), half: false});
  }

  // texture returns the texture of a loaded layer, uploading it once.
  texture(d) {
    let t = this.tex.get(d.key);
    if (t) return t;
    t = this.upload(d);
    this.tex.set(d.key, t);
    return t;
  }

  upload(d) {
    const gl = this.gl;
    let rgba = d.data;
    if (d.n !== 4) {
      rgba = new Float32Array(d.w * d.h * 4);
      const m = Math.min(d.n, 4);
      for (let i = 0, j = 0; i < d.data.length; i += d.n, j += 4) {
        for (let c = 0; c < m; c++) rgba[j + c] = d.data[i + c];
      }
    }
    const t = gl.createTexture();
    gl.bindTexture(gl.TEXTURE_2D, t);
    gl.pixelStorei(gl.UNPACK_ALIGNMENT, 1);
    gl.texImage2D(gl.TEXTURE_2D, 0, d.half ? gl.RGBA16F : gl.RGBA32F, d.w, d.h, 0, gl.RGBA, gl.FLOAT, rgba);
    const filter = d.half || this.floatLinear ? gl.LINEAR : gl.NEAREST;
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, filter);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    return t;
  }

  // prune drops the textures of layers no longer loaded.
  prune() {
    for (const [k, t] of this.tex) if (!hdrData.has(k)) { this.gl.deleteTexture(t); this.tex.delete(k); }
  }

  // draw renders src ('A', 'B', 'wipe', 'diff', 'rel') of a and b with the
  // view {scale, tx, ty} (CSS px) and the display settings.
  draw(a, b, src, view, dispW, dispH) {
    const gl = this.gl, c = this.canvas, dpr = devicePixelRatio || 1;
    const w = Math.max(1, Math.round(c.clientWidth * dpr)), hh = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== hh) { c.width = w; c.height = hh; }
    gl.viewport(0, 0, w, hh);
    gl.useProgram(this.prog);
    const L = this.loc;
    const bind = (unit, d, name) => {
      gl.activeTexture(gl.TEXTURE0 + unit);
      gl.bindTexture(gl.TEXTURE_2D, d ? this.texture(d) : this.empty);
      gl.uniform1i(L[name], unit);
    };
    bind(0, a, 'uA');
    bind(1, b, 'uB');
    const alphaIdx = d => d ? d.names.slice(0, 4).indexOf('A') : -1;
    gl.uniform2f(L.uSizeA, a ? a.w : 1, a ? a.h : 1);
    gl.uniform2f(L.uSizeB, b ? b.w : 1, b ? b.h : 1);
    gl.uniform2f(L.uOrgA, a ? a.x : 0, a ? a.y : 0);
    gl.uniform2f(L.uOrgB, b ? b.x : 0, b ? b.y : 0);
    gl.uniform2f(L.uDisp, dispW, dispH);
    gl.uniform1i(L.uNA, a ? Math.min(a.n, 4) : 4);
    gl.uniform1i(L.uNB, b ? Math.min(b.n, 4) : 4);
    gl.uniform1i(L.uAlphaA, alphaIdx(a));
    gl.uniform1i(L.uAlphaB, alphaIdx(b));
    gl.uniform1i(L.uSrc, {A: 0, B: 1, wipe: 2, diff: 3, rel: 4}[src]);
    gl.uniform1i(L.uHasB, b ? 1 : 0);
    gl.uniform1f(L.uWipe, st.wipe);
    gl.uniform3f(L.uView, view.scale * dpr, view.tx * dpr, view.ty * dpr);
    gl.uniform1f(L.uCanvasH, hh);
    gl.uniform1f(L.uDpr, dpr);
    const shown = src === 'B' ? b : a;
    gl.uniform1i(L.uChan, channelIndex(shown));
    gl.uniform1f(L.uExposure, disp.exposure);
    gl.uniform1f(L.uOffset, disp.offset);
    gl.uniform1f(L.uGamma, disp.gamma);
    gl.uniform1i(L.uTransform, TRANSFORMS[disp.transform] ?? 0);
    gl.uniform1i(L.uMode, MODES[disp.mode] ?? 0);
    gl.uniform1i(L.uPremul, shown && shown.premul ? 1 : 0);
    const M = disp.primaries && hdr.prim && src !== 'rel' ? hdr.prim : [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
    // column-major for GLSL
    gl.uniformMatrix3fv(L.uPrim, false, [M[0][0], M[1][0], M[2][0], M[0][1], M[1][1], M[2][1], M[0][2], M[1][2], M[2][2]]);
    // AgX's outset is the inverse of its inset, computed once here.
    gl.uniformMatrix3fv(L.uAgxOut, false, [0, 1, 2].flatMap(j => [0, 1, 2].map(i => AGX_OUT[i][j])));
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
  }

  // readPixel returns the 8-bit RGBA drawn at a CSS point of the canvas.
  readPixel(cx, cy) {
    const gl = this.gl, dpr = devicePixelRatio || 1;
    const out = new Uint8Array(4);
    gl.readPixels(Math.floor(cx * dpr), this.canvas.height - 1 - Math.floor(cy * dpr), 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, out);
    return [...out];
  }
}

// channelIndex is the texture channel shown grey for the chosen channel,
// or -1 for colour (also when this layer has no such channel).
function channelIndex(d) {
  if (!d || disp.channel === 'rgb') return -1;
  const i = d.names.slice(0, 4).indexOf(disp.channel);
  return i;
}

// ---------------------------------------------------------------- state

// hdr is the viewer's float state: loaded A and B, their PixelInfo, the
// GL views of the two stages, and timings for the performance report.
const hdr = {
  on: false,          // WebGL2 works and A has float data: the canvases show
  glA: null, glB: null,
  a: null, b: null,   // loaded layers
  infoA: null, infoB: null,
  prim: null,         // primaries matrix of A's file, or null
  errA: '',
  frame: 0,
  timings: [],        // {what, ms} of recent loads and draws
  drawn: 0,
};

function hdrInit() {
  try {
    hdr.glA = new GLView($('#gl-a'));
    hdr.glB = new GLView($('#gl-b'));
    if (!hdr.glA.gl || !hdr.glB.gl) throw new Error('WebGL2 is not available');
  } catch (e) {
    hdr.glA = hdr.glB = null;
    hdr.errA = String(e.message || e);
    document.body.dataset.hdr = 'unavailable';
    console.warn('float viewer off, 8-bit preview instead:', e);
  }
}

// hdrSet loads the float data of s for A or B ('A' | 'B'); the previous
// layer stays on screen until the new one is ready, so that a progressive
// render refines in place and the view, exposure and inspected pixel stay.
async function hdrSet(which, s) {
  if (!hdr.glA) return;
  const want = s && s.image && s.imageVersion ? `${s.id}/${s.imageVersion}/${disp.layer}` : '';
  const slot = which === 'A' ? '_wantA' : '_wantB';
  hdr[slot] = want;
  if (!want) {
    if (which === 'A') { hdr.a = null; hdr.infoA = null; setHdrOn(false); } else { hdr.b = null; hdr.infoB = null; }
    hdrDraw();
    return;
  }
  try {
    const info = await layerInfo(s);
    if (hdr[slot] !== want) return;
    const l = pickLayer(info);
    const d = await loadLayer(s, info, l);
    if (hdr[slot] !== want) return;
    if (which === 'A') {
      hdr.a = d; hdr.infoA = info;
      hdr.prim = primariesMatrix(info.chromaticities);
      if (st.iw !== info.width || st.ih !== info.height) { st.iw = info.width; st.ih = info.height; layout(); }
      setHdrOn(true);
      updateHdrControls();
    } else {
      hdr.b = d; hdr.infoB = info;
    }
    pruneData();
    hdrDraw();
    inspectRefresh();
    statsRefresh();
  } catch (e) {
    if (hdr[slot] !== want) return;
    if (which === 'A') { hdr.a = null; setHdrOn(false); hdr.errA = e.message; }
    else hdr.b = null;
    console.warn(`float data of snapshot ${s.id}: ${e.message}; showing the 8-bit preview`);
    hdrDraw();
  }
}

// pruneData keeps only the layers A and B show (and those of the same
// snapshots and versions, so that switching back is instant).
function pruneData() {
  const keep = new Set();
  for (const d of [hdr.a, hdr.b]) if (d) keep.add(`${d.id}/${d.version}/`);
  for (const k of hdrData.keys()) {
    if (![...keep].some(p => k.startsWith(p))) hdrData.delete(k);
  }
  for (const g of [hdr.glA, hdr.glB]) if (g) g.prune();
}

function setHdrOn(on) {
  hdr.on = on;
  $('#viewer').classList.toggle('hdr', on);
  document.body.dataset.hdr = on ? 'on' : (hdr.glA ? 'off' : 'unavailable');
  $('#hdrbar').classList.toggle('off', !on);
}

// hdrDraw draws on the next animation frame (several changes, one draw).
function hdrDraw() {
  if (!hdr.glA || hdr.frame) return;
  hdr.frame = requestAnimationFrame(() => {
    hdr.frame = 0;
    hdrDrawNow();
  });
}

function compareSrc() {
  const m = st.b && hdr.b ? st.compare : 'off';
  switch (m) {
    case 'wipe': return 'wipe';
    case 'diff': return disp.diff === 'rel' ? 'rel' : 'diff';
    default: return 'A';
  }
}

function hdrDrawNow() {
  if (!hdr.on) return;
  const t0 = performance.now();
  const src = compareSrc();
  const side = st.compare === 'side' && st.b && hdr.b;
  hdr.glA.draw(hdr.a, src === 'A' ? null : hdr.b, src, st.view, st.iw, st.ih);
  if (side) hdr.glB.draw(hdr.b, null, 'A', st.view, st.iw, st.ih);
  $('#gl-b').hidden = !side;
  hdr.drawn++;
  document.body.dataset.drawn = String(hdr.drawn);
  hdr.lastDrawMs = performance.now() - t0;
  drawOverlay();
}

// ---------------------------------------------------------------- controls

// normalizeExposure sets the exposure that maps the largest finite value
// of the shown channels (colour: R, G, B) to 1 and the offset to 0, as
// tev's normalize does: depth and other AOVs far above 1 become visible.
function normalizeExposure() {
  const d = hdr.a;
  if (!d) return;
  const ch = channelIndex(d);
  const chans = ch >= 0 ? [ch] : [0, 1, 2].filter(c => c < d.n && d.names[c] !== 'A');
  let hi = 0;
  for (let i = 0; i < d.data.length; i += d.n) {
    for (const c of chans) {
      const v = d.data[i + c];
      if (v > hi && v < Infinity) hi = v;
    }
  }
  if (hi > 0) setDisp({exposure: Math.round(-Math.log2(hi) * 1000) / 1000, offset: 0});
}

function updateHdrControls() {
  const info = hdr.infoA;
  $('#exposure').value = disp.exposure;
  $('#exposure-v').textContent = (disp.exposure > 0 ? '+' : '') + disp.exposure.toFixed(1);
  $('#offset').value = disp.offset;
  $('#gamma').value = disp.gamma;
  $('#transform').value = disp.transform;
  $('#dmode').value = disp.mode;
  $('#diffkind').value = disp.diff;
  $('#prim').checked = disp.primaries;
  $('#prim-wrap').hidden = !hdr.prim;
  const sel = $('#layer-sel');
  if (info) {
    const cur = hdr.a ? hdr.a.layer : '';
    const opts = info.layers.map(l => `${l.name}|${l.channels.map(c => c.name).join(',')}`).join(';');
    if (sel.dataset.opts !== opts) {
      sel.dataset.opts = opts;
      sel.replaceChildren(...info.layers.map(l => h('option', {value: l.name, text: `${l.name || '(beauty)'} · ${l.channels.map(c => c.name).join('')}`})));
    }
    sel.value = cur;
  }
  const chans = hdr.a ? hdr.a.names.slice(0, 4) : [];
  const seg = $('#chan-sel');
  const want = ['rgb', ...chans].join(',');
  if (seg.dataset.opts !== want) {
    seg.dataset.opts = want;
    seg.replaceChildren(...['rgb', ...chans].map(c => h('button', {text: c === 'rgb' ? 'RGB' : c, 'data-chan': c,
      title: c === 'rgb' ? 'Colour' : `Channel ${c} as grey`, onclick: () => setDisp({channel: c})})));
  }
  for (const b of seg.querySelectorAll('button')) b.classList.toggle('on', b.dataset.chan === (chans.includes(disp.channel) ? disp.channel : 'rgb'));
  $('#hist-btn').classList.toggle('on', disp.hist);
  $('#hist-log').checked = disp.histLog;
}

// setDisp changes display settings, saves them and redraws A and B.
function setDisp(change) {
  const layerChanged = 'layer' in change && change.layer !== disp.layer;
  Object.assign(disp, change);
  if (!Number.isFinite(disp.exposure)) disp.exposure = 0;
  if (!Number.isFinite(disp.offset)) disp.offset = 0;
  if (!(disp.gamma > 0)) disp.gamma = 1;
  saveDisp();
  updateHdrControls();
  if (layerChanged) {
    const a = st.snaps.get(st.sel);
    if (a) hdrSet('A', a);
    const b = st.b && st.compare !== 'off' ? st.snaps.get(st.b) : null;
    if (b) hdrSet('B', b);
  }
  hdrDraw();
  inspectRefresh();
  statsRefresh();
}

function wireHdrControls() {
  $('#exposure').addEventListener('input', e => setDisp({exposure: +e.target.value}));
  $('#offset').addEventListener('change', e => setDisp({offset: +e.target.value}));
  $('#gamma').addEventListener('change', e => setDisp({gamma: +e.target.value}));
  $('#transform').addEventListener('change', e => setDisp({transform: e.target.value}));
  $('#dmode').addEventListener('change', e => setDisp({mode: e.target.value}));
  $('#diffkind').addEventListener('change', e => setDisp({diff: e.target.value}));
  $('#prim').addEventListener('change', e => setDisp({primaries: e.target.checked}));
  $('#layer-sel').addEventListener('change', e => setDisp({layer: e.target.value}));
  $('#hist-btn').addEventListener('click', () => setDisp({hist: !disp.hist}));
  $('#hist-log').addEventListener('change', e => setDisp({histLog: e.target.checked}));
  $('#disp-reset').addEventListener('click', () => setDisp({exposure: 0, offset: 0, gamma: 1}));
  $('#disp-norm').addEventListener('click', normalizeExposure);
  // Keys as in tev: e/E exposure, o/O offset, g/G gamma, r reset, n
  // normalize; and [ ] layer, c channel, t transform, m mode, h histogram.
  document.addEventListener('keydown', e => {
    if (!$('#modal').hidden || e.target.matches('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
    const layers = hdr.infoA ? hdr.infoA.layers : [];
    const cycle = (list, cur, step) => list[(list.indexOf(cur) + step + list.length) % list.length];
    switch (e.key) {
      case 'e': setDisp({exposure: Math.round((disp.exposure - 0.5) * 10) / 10}); break;
      case 'E': setDisp({exposure: Math.round((disp.exposure + 0.5) * 10) / 10}); break;
      case 'o': setDisp({offset: Math.round((disp.offset - 0.1) * 100) / 100}); break;
      case 'O': setDisp({offset: Math.round((disp.offset + 0.1) * 100) / 100}); break;
      case 'g': setDisp({gamma: Math.max(0.1, Math.round((disp.gamma - 0.1) * 100) / 100)}); break;
      case 'G': setDisp({gamma: Math.round((disp.gamma + 0.1) * 100) / 100}); break;
      case 'r': setDisp({exposure: 0, offset: 0, gamma: 1}); break;
      case 'n': normalizeExposure(); break;
      case '[': case ']':
        if (layers.length) setDisp({layer: cycle(layers.map(l => l.name), hdr.a ? hdr.a.layer : '', e.key === ']' ? 1 : -1)});
        break;
      case 'c': setDisp({channel: cycle(['rgb', ...(hdr.a ? hdr.a.names.slice(0, 4) : [])], disp.channel, 1)}); break;
      case 't': setDisp({transform: cycle(Object.keys(TRANSFORMS), disp.transform, 1)}); break;
      case 'm': setDisp({mode: cycle(Object.keys(MODES), disp.mode, 1)}); break;
      case 'h': setDisp({hist: !disp.hist}); break;
      default: return;
    }
    e.preventDefault();
  });
}
