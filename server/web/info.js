// info.js: values of the Info panel formatted for people: durations,
// bytes in KiB/MiB/GiB, floats to sensible digits, timestamps in local time,
// lists and nested dicts as nested lists, null as absent, and the seed's
// render stats (totalClockTime, percentDone, peakMemory) first.
// Part of rgallery's web UI; the scripts share one global scope and are
// loaded in order by index.html: core, strip, hdr, inspect, viewer, info, panels, app.
'use strict';

// SEED_STATS are the metadata keys of the seed's contract, shown first.
const SEED_STATS = ['totalClockTime', 'percentDone', 'peakMemory', 'timeToFirstPixel'];

const ISO_TIME = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

// fmtNumber formats a number by what its key says it is.
function fmtNumber(key, v) {
  const k = key.toLowerCase();
  if (!Number.isFinite(v)) return fmtFloat(v);
  if (/percent/.test(k)) return `${+v.toFixed(1)} %`;
  if (/(time|duration|elapsed|seconds|secs|clock)$/.test(k) || /^(time|elapsed|duration)/.test(k) || k === 'timetofirstpixel') return fmtSecs(v);
  if (/(memory|bytes|filesize|size_bytes)$/.test(k) || /^(mem|bytes)/.test(k)) return fmtBytes(v);
  if (/(persecond|per_second|persec|\/s)$/.test(k) && Math.abs(v) >= 1e4) {
    const u = [['G', 1e9], ['M', 1e6], ['k', 1e3]].find(([, m]) => Math.abs(v) >= m);
    return `${+(v / u[1]).toPrecision(4)} ${u[0]}/s`;
  }
  if (Number.isInteger(v)) return Math.abs(v) >= 1e4 ? v.toLocaleString() : String(v);
  return fmtFloat(v);
}

// infoValue is a value as text, or as an element for lists and dicts;
// undefined for null (not shown).
function infoValue(key, v) {
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case 'boolean': return v ? 'yes' : 'no';
    case 'number': return fmtNumber(key, v);
    case 'string':
      if (ISO_TIME.test(v) && !Number.isNaN(Date.parse(v))) return fmtTime(v);
      return v;
  }
  if (Array.isArray(v)) {
    const items = v.filter(x => x !== null && x !== undefined);
    if (items.every(x => typeof x !== 'object')) {
      return items.map(x => infoValue(key, x)).join(', ');
    }
    return h('ol.info-list', {}, items.map(x => h('li', {}, typeof x === 'object' ? (compact(x) ?? infoKV(x)) : infoValue(key, x))));
  }
  return compact(v) ?? infoKV(v);
}

// compact writes a small named record on one line: a channel
// {name: "R", type: "half"} as "R (half)", an attribute {name, type,
// value} as "name = value (type)". Other dicts give undefined.
function compact(o) {
  if (!o || typeof o !== 'object' || Array.isArray(o) || typeof o.name !== 'string') return undefined;
  const rest = Object.entries(o).filter(([k, v]) => k !== 'name' && k !== 'value' && v !== null && v !== undefined);
  if (rest.some(([, v]) => typeof v === 'object') || typeof o.value === 'object' && o.value !== null) return undefined;
  let s = o.name || '""';
  if (o.value !== undefined && o.value !== null) s += ` = ${infoValue(o.name, o.value)}`;
  if (rest.length) s += ` (${rest.map(([k, v]) => k === 'type' ? v : `${k} ${infoValue(k, v)}`).join(', ')})`;
  return s;
}

// infoKV lists a dict: keys in order (first, then the rest sorted), each
// value formatted; nulls are left out. A one-line summary heads dicts
// that name themselves (a "name" key), as a layer list does.
function infoKV(obj, first) {
  const keys = Object.keys(obj || {});
  const order = [...(first || []).filter(k => keys.includes(k)), ...keys.filter(k => !(first || []).includes(k)).sort((a, b) => a.localeCompare(b))];
  const el = h('div.kv.info-kv');
  for (const k of order) {
    const v = infoValue(k, obj[k]);
    if (v === undefined) continue;
    const leaf = typeof v === 'string';
    el.append(h('span.k', {text: k, title: k}), h('span.v' + (leaf ? '.mono' : '.nest'), {'data-key': k}, leaf ? (v === '' ? '—' : v) : v));
  }
  return el;
}
