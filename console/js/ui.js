// console/js/ui.js — small DOM helpers every console page builds with.
//
// Contract:
// - h(tag, attrs, ...children): an element. attrs: class, text, on<event> functions (onclick,
//   oninput...), style objects, boolean attributes (true sets, false/null/undefined omits), any
//   other attribute verbatim (aria-*, data-*, for, href...). Children: nodes, strings,
//   numbers, arrays (flattened), null/false/undefined (skipped).
// - table({caption, columns:[{label, render(row)}], rows, empty, rowKey}): a <table> with a
//   caption (visually hidden unless captionVisible), <th scope=col> headers, one <tr> per row
//   (data-key = rowKey(row)) or one row with `empty` text.
// - statusBadge(status): a <span class="badge badge-<tone>"> with the status in words.
// - toast(message, kind): a message in the live region (role=status; errors role=alert).
// - confirmDialog({title, text, confirmLabel, danger, body}) → Promise<boolean>.
// - formDialog({title, text, fields, submitLabel, validate}) → Promise<values|null>. Field types:
//   text, number, password, select, checkbox, textarea. validate(values) may return an error
//   string that keeps the dialog open.
// - page(container, {title, actions, subtitle}) → the body element under the heading/toolbar.
// - errorText(e): "Code: Message (RequestId)" for ApiErrors, the message otherwise.
// - fill(el, ...children): replace el's children.
// - Small helpers: fmtTime, fmtMiB, describe (label/value list), section, loading, button,
//   busy(button, fn), lineChart(points, opts) (inline SVG), base64Text(b64).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  if (attrs && (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = {};
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'style') { if (typeof v === 'object') Object.assign(el.style, v); else el.style.cssText = v; }  // CSSOM: CSP-safe
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (k === 'checked' || k === 'selected' || k === 'disabled') el[k] = Boolean(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false || c === true) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

export function clear(el) { while (el.firstChild) el.firstChild.remove(); return el; }

// Replace el's children with `children` (same rules as h()).
export function fill(el, ...children) { clear(el); append(el, children); return el; }

// ---------------------------------------------------------------------------------------------
// Tables and statuses

export function table({ caption, captionVisible = false, columns, rows, empty = 'Nothing here yet.', rowKey, className, stack = true }) {
  const thead = h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', class: c.class }, c.label))));
  const tbody = h('tbody');
  if (!rows || !rows.length) {
    tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: columns.length }, empty)));
  } else {
    for (const row of rows) {
      tbody.append(h('tr', { 'data-key': rowKey ? rowKey(row) : null },
        columns.map((c) => h('td', { class: c.class, 'data-label': typeof c.label === 'string' ? c.label : null },
          h('div', { class: 'cell' }, c.render(row))))));
    }
  }
  return h('div', { class: ['table-wrap', stack && 'stack', className] },
    h('table', {},
      caption ? h('caption', { class: captionVisible ? '' : 'sr-only' }, caption) : null,
      thead, tbody));
}

const TONES = {
  ok: ['running', 'available', 'in_use', 'inuse', 'accomplished', 'finished', 'success', 'normal', 'active', 'enabled', 'attached', 'connected', 'ok', 'bound', 'associated'],
  off: ['stopped', 'deleted', 'released', 'unattached', 'disabled', 'inactive', 'detached', 'unassociated'],
  busy: ['starting', 'stopping', 'pending', 'creating', 'attaching', 'detaching', 'progressing', 'processing', 'deleting', 'reiniting', 'resizing', 'waiting', 'running_task', 'associating', 'unassociating', 'to be released', 'expiring', 'initializing', 'transferring', 'waitingforpay'],
  bad: ['expired', 'locked', 'failed', 'error', 'impaired', 'cancelled', 'insufficient'],
};
const WORDS = {
  In_use: 'In use', InUse: 'In use', Running_task: 'Running task', ToBeReleased: 'To be released',
};

export function toneOf(status) {
  const s = String(status || '').toLowerCase();
  for (const [tone, list] of Object.entries(TONES)) if (list.includes(s)) return tone;
  return 'info';
}

export function statusBadge(status, tone) {
  const text = WORDS[status] || String(status || 'Unknown').replace(/_/g, ' ');
  return h('span', { class: `badge badge-${tone || toneOf(status)}` }, text);
}

// ---------------------------------------------------------------------------------------------
// Toasts

function liveRegion(kind) {
  const id = kind === 'error' ? 'toasts-alert' : 'toasts-status';
  let el = document.getElementById(id);
  if (!el) {
    el = h('div', { id, class: 'toasts', role: kind === 'error' ? 'alert' : 'status', 'aria-live': kind === 'error' ? 'assertive' : 'polite' });
    document.body.append(el);
  }
  return el;
}

export function toast(message, kind = 'info') {
  const region = liveRegion(kind);
  const close = h('button', { type: 'button', class: 'toast-close', 'aria-label': 'Dismiss message' }, '×');
  const item = h('div', { class: `toast toast-${kind}` }, h('span', {}, message), close);
  const remove = () => item.remove();
  close.addEventListener('click', remove);
  region.append(item);
  while (region.children.length > 4) region.firstChild.remove();
  setTimeout(remove, kind === 'error' ? 12000 : 5000);
  return item;
}

export function errorText(e) {
  if (!e) return 'Something went wrong.';
  if (e.name === 'ApiError' || e.code) {
    return `${e.code}: ${e.message}${e.requestId ? ` (${e.requestId})` : ''}`;
  }
  return e.message || String(e);
}

// ---------------------------------------------------------------------------------------------
// Dialogs

function dialogShell({ title, danger }) {
  const titleId = `dlg-${Math.random().toString(36).slice(2)}`;
  const dlg = h('dialog', { class: ['dialog', danger && 'dialog-danger'], 'aria-labelledby': titleId });
  dlg.append(h('h2', { id: titleId }, title));
  document.body.append(dlg);
  return dlg;
}

export function confirmDialog({ title = 'Are you sure?', text = '', body = null, confirmLabel = 'OK', cancelLabel = 'Cancel', danger = false }) {
  return new Promise((resolve) => {
    const dlg = dialogShell({ title, danger });
    const ok = h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary', value: 'ok' }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'btn' }, cancelLabel);
    const form = h('form', { method: 'dialog' },
      text ? h('p', {}, text) : null, body,
      h('div', { class: 'dialog-actions' }, cancel, ok));
    dlg.append(form);
    let result = false;
    form.addEventListener('submit', (ev) => { ev.preventDefault(); result = true; dlg.close(); });
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    dlg.showModal();
    (danger ? cancel : ok).focus();
  });
}

let fieldSeq = 0;
function fieldControl(f) {
  const id = `f-${f.name}-${++fieldSeq}`;
  const helpId = f.help ? `${id}-help` : null;
  const common = { id, name: f.name, required: f.required, 'aria-describedby': helpId };
  let control;
  switch (f.type) {
    case 'select':
      control = h('select', common, (f.options || []).map((o) =>
        h('option', { value: o.value, selected: String(o.value) === String(f.value ?? '') }, o.label ?? o.value)));
      break;
    case 'checkbox':
      control = h('input', { ...common, type: 'checkbox', checked: Boolean(f.value) });
      break;
    case 'textarea':
      control = h('textarea', { ...common, rows: f.rows || 4 }, f.value ?? '');
      break;
    default:
      control = h('input', {
        ...common, type: f.type || 'text', value: f.value ?? '', min: f.min, max: f.max, step: f.step,
        placeholder: f.placeholder, autocomplete: f.autocomplete || (f.type === 'password' ? 'new-password' : 'off'),
        pattern: f.pattern, minlength: f.minlength, maxlength: f.maxlength,
      });
  }
  const help = f.help ? h('p', { id: helpId, class: 'help' }, f.help) : null;
  if (f.type === 'checkbox') {
    return h('div', { class: 'field field-check' }, control, h('label', { for: id }, f.label), help);
  }
  return h('div', { class: 'field' }, h('label', { for: id }, f.label), control, help);
}

export function readForm(form, fields) {
  const out = {};
  for (const f of fields) {
    const el = form.elements.namedItem(f.name);
    if (!el) continue;
    if (f.type === 'checkbox') out[f.name] = el.checked;
    else if (f.type === 'number') out[f.name] = el.value === '' ? undefined : Number(el.value);
    else out[f.name] = el.value;
  }
  return out;
}

export function formDialog({ title, text = '', fields, submitLabel = 'Save', cancelLabel = 'Cancel', validate, danger = false }) {
  return new Promise((resolve) => {
    const dlg = dialogShell({ title, danger });
    const errorBox = h('p', { class: 'form-error', role: 'alert' });
    const submit = h('button', { type: 'submit', class: danger ? 'btn btn-danger' : 'btn btn-primary' }, submitLabel);
    const cancel = h('button', { type: 'button', class: 'btn' }, cancelLabel);
    const form = h('form', { method: 'dialog', novalidate: false },
      text ? h('p', {}, text) : null,
      fields.map(fieldControl),
      errorBox,
      h('div', { class: 'dialog-actions' }, cancel, submit));
    dlg.append(form);
    let result = null;
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const values = readForm(form, fields);
      const problem = validate ? await validate(values) : null;
      if (problem) { errorBox.textContent = problem; return; }
      result = values;
      dlg.close();
    });
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => { dlg.remove(); resolve(result); });
    dlg.showModal();
    const first = form.querySelector('input, select, textarea');
    if (first) first.focus();
  });
}

// ---------------------------------------------------------------------------------------------
// Page frame

export function page(container, { title, subtitle, actions = [], back } = {}) {
  clear(container);
  document.title = `${title} · OpenECS`;
  const heading = h('h1', { tabindex: '-1' }, title);
  const head = h('div', { class: 'page-head' },
    h('div', { class: 'page-title' },
      back ? h('a', { class: 'back-link', href: back.href }, `← ${back.label}`) : null,
      heading,
      subtitle ? h('p', { class: 'subtitle' }, subtitle) : null),
    actions && actions.length ? h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': `${title} actions` }, actions) : null);
  const body = h('div', { class: 'page-body' });
  container.append(head, body);
  return body;
}

export function button(label, onclick, { kind = '', title, disabled, ariaLabel } = {}) {
  return h('button', { type: 'button', class: ['btn', kind && `btn-${kind}`], onclick, title, disabled, 'aria-label': ariaLabel }, label);
}

// Disables the button while fn runs; shows an error toast if it throws. Returns fn's result.
export async function busy(btn, fn) {
  const was = btn && btn.disabled;
  if (btn) { btn.disabled = true; btn.setAttribute('aria-busy', 'true'); }
  try {
    return await fn();
  } catch (e) {
    toast(errorText(e), 'error');
    return undefined;
  } finally {
    if (btn) { btn.disabled = was; btn.removeAttribute('aria-busy'); }
  }
}

// A definition list: [[label, value], ...]; values may be nodes; empty values show a dash.
export function describe(pairs) {
  return h('dl', { class: 'describe' }, pairs.filter(Boolean).map(([k, v]) => [
    h('dt', {}, k),
    h('dd', {}, v === undefined || v === null || v === '' ? '—' : v),
  ]));
}

export function fmtTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function fmtMiB(mib) {
  if (mib === undefined || mib === null) return '';
  return mib >= 1024 ? `${+(mib / 1024).toFixed(1)} GiB` : `${mib} MiB`;
}

export function section(title, ...children) {
  const id = `sec-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

// An inline SVG line chart of [{t: ms, v: number}] (no library). opts: {label, unit, max,
// width, height}. The SVG is role=img with a text summary for screen readers.
export function lineChart(points, { label = 'Chart', unit = '', max, width = 600, height = 200 } = {}) {
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs = {}, text) => {
    const e = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const pad = { l: 40, r: 10, t: 10, b: 24 };
  const w = width - pad.l - pad.r;
  const hgt = height - pad.t - pad.b;
  const vs = points.map((p) => p.v);
  const top = max ?? Math.max(1, ...vs) * 1.1;
  const t0 = points.length ? points[0].t : 0;
  const t1 = points.length ? points[points.length - 1].t : 1;
  const x = (t) => pad.l + (t1 === t0 ? w : ((t - t0) / (t1 - t0)) * w);
  const y = (v) => pad.t + hgt - (Math.min(v, top) / top) * hgt;
  const latest = vs.length ? vs[vs.length - 1] : 0;
  const summary = `${label}: ${points.length} points, latest ${latest}${unit}, highest ${vs.length ? Math.max(...vs) : 0}${unit}.`;
  const svg = el('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': summary, preserveAspectRatio: 'xMidYMid meet' });
  svg.append(el('title', {}, summary));
  for (const f of [0, 0.5, 1]) {
    const v = top * f;
    svg.append(el('line', { class: 'grid', x1: pad.l, x2: pad.l + w, y1: y(v), y2: y(v) }));
    svg.append(el('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, `${Math.round(v)}${unit}`));
  }
  svg.append(el('line', { class: 'axis', x1: pad.l, x2: pad.l, y1: pad.t, y2: pad.t + hgt }));
  svg.append(el('line', { class: 'axis', x1: pad.l, x2: pad.l + w, y1: pad.t + hgt, y2: pad.t + hgt }));
  const hhmm = (t) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (points.length) {
    svg.append(el('text', { x: pad.l, y: height - 6, 'text-anchor': 'start' }, hhmm(t0)));
    svg.append(el('text', { x: pad.l + w, y: height - 6, 'text-anchor': 'end' }, hhmm(t1)));
    const d = points.map((p, i) => `${i ? 'L' : 'M'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
    svg.append(el('path', { class: 'area', d: `${d} L${x(t1).toFixed(1)},${pad.t + hgt} L${x(t0).toFixed(1)},${pad.t + hgt} Z` }));
    svg.append(el('path', { class: 'line', d }));
  }
  return svg;
}

// Base64 → UTF-8 text (console output).
export function base64Text(b64) {
  if (!b64) return '';
  const bin = atob(b64);
  const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes);
}
