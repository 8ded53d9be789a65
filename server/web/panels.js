// panels.js: the Info panel, the toolbar actions, menus and dialogs (options forms, file picker)
// Part of rgallery's web UI; the scripts share one global scope and are
// loaded in order by index.html: core, strip, hdr, inspect, viewer, info, panels, app.
'use strict';

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
    // The seed's render stats first.
    h('div.sect', {}, h('h4', {text: 'Render stats'}), kv([
      ['Elapsed', fmtSecs(elapsed(s))], ['Done', percent(s) === undefined ? '' : `${percent(s).toFixed(1)} %`],
      ['Peak memory', fmtBytes(s.stats && s.stats.peakMemory)],
      (s.metadata || {}).timeToFirstPixel !== undefined ? ['First pixel', fmtSecs(s.metadata.timeToFirstPixel)] : null,
    ])),
    h('div.sect', {}, h('h4', {text: 'Snapshot'}), kv([
      ['ID', s.id], ['State', s.state], s.error ? ['Error', s.error] : null, ['Renderer', s.renderer], s.createdBy ? ['Made by', s.createdBy] : null,
      ['Scene', s.source, true], ['Camera', s.camera], ['Settings', s.renderSettings],
      ['Resolution', s.resX ? `${s.resX} × ${s.resY}` : (st.sel === s.id && st.iw ? `${st.iw} × ${st.ih} (image)` : '')],
      ['Created', fmtTime(s.created)], ['Finished', s.finished ? fmtTime(s.finished) : ''],
      ['Image', s.image ? `${s.image} (v${s.imageVersion})` : '', true],
    ])),
    h('div.sect', {}, h('h4', {text: 'Options'}), infoKV(plugin)), // info.js formats values
    md.length ? h('div.sect#info-md', {}, h('h4', {text: 'Metadata'}), infoKV(s.metadata, SEED_STATS)) : null,
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
    // A first render in an empty view is what the user wants to see.
    if (!st.sel) select(s.id);
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
