// rgallery web UI: the snapshot strip, the viewer with live progressive
// images, A/B compare, the Info panel, and the render menus. Plain
// JavaScript, no build step; it talks only to /api/ on its own origin.
//
// The UI is five classic scripts sharing one global scope, loaded in order
// by index.html: core (this file: DOM helper, API client, state,
// formatting), strip, viewer, panels, app (wiring and start-up).
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
  // Events applied so far, and per snapshot the count at its latest event:
  // a snapshot read by a request sent before that event is older than what
  // the event brought, and is not applied (see fresher).
  ev: 0, evOf: new Map(),
  view: {scale: 1, tx: 0, ty: 0, fit: true},
  iw: 0, ih: 0,
  wipe: 0.5,
  renderers: [],
  filters: {q: '', tag: '', star: false, renderer: '', user: ''},
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
