// console/js/pages/res-common.js — shared pieces of the resource pages (res-*.js).
//
// What is here:
// - listPage(container, opts): the standard list page — heading with create buttons, a search
//   box (client-side, over the fields opts.search names), a refresh button, optional extra
//   filter controls, the table, client-side paging, an empty state, and a 3 s auto-refresh
//   while any row is in a transitional status. Rows come from opts.load() (usually pageAll).
// - Buttons (rowButton, linkButton), cells (idCell, timeCell, listOf), run() which performs an
//   API call with a busy button, a success toast and a refresh, and error toasts.
// - infoDialog / pickDialog: native <dialog>s for content formDialog cannot hold (a private key
//   with a download link, a task's details, a checklist of disks).
// - Lookups shared by several pages: zones, VPCs, vSwitches, instances, security groups.
// - isUnsupported(e): the server answered InvalidAction.* (an action it does not implement).
// Calls: DescribeZones, DescribeVpcs, DescribeVSwitches, DescribeInstances,
// DescribeSecurityGroups (through api.js).

import { call, pageAll } from '../api.js';
import { h, clear, table, toast, errorText, page, fmtTime as uiFmtTime } from '../ui.js';

// ---------------------------------------------------------------------------------------------
// Statuses

const TRANSITIONAL = new Set([
  'pending', 'creating', 'attaching', 'detaching', 'reiniting', 'resizing', 'progressing',
  'processing', 'deleting', 'waiting', 'associating', 'unassociating', 'starting', 'stopping',
  'importing', 'copying', 'exporting', 'releasing', 'rollbacking', 'modifying', 'configuring',
]);

export function isTransitional(status) {
  return TRANSITIONAL.has(String(status || '').toLowerCase());
}

export function isUnsupported(e) {
  return Boolean(e && typeof e.code === 'string' && /^InvalidAction/.test(e.code));
}

// Actions the server answered InvalidAction.* to in this session: pages hide their buttons.
const unsupportedActions = new Set();

export function supported(product, action) {
  return !unsupportedActions.has(`${product}:${action}`);
}

// call() that remembers an action the server does not implement.
export async function api(product, action, params = {}) {
  try {
    return await call(product, action, params);
  } catch (e) {
    if (isUnsupported(e)) unsupportedActions.add(`${product}:${action}`);
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// Cells and buttons

export function fmtTime(iso) {
  return uiFmtTime(iso);
}

export function timeCell(iso) {
  if (!iso) return '—';
  return h('time', { datetime: iso }, fmtTime(iso));
}

// An id (monospace, optionally a link) with the resource's name under it.
export function idCell(id, name, href) {
  return h('div', { class: 'res-id' },
    href ? h('a', { href, class: 'mono' }, id) : h('span', { class: 'mono' }, id),
    name && name !== id ? h('div', { class: 'res-name' }, name) : null);
}

export function mono(text) {
  return text ? h('span', { class: 'mono' }, text) : '—';
}

export function listOf(items) {
  const list = (items || []).filter(Boolean);
  if (!list.length) return '—';
  return h('ul', { class: 'res-inline-list' }, list.map((x) => h('li', {}, x)));
}

export function rowButton(label, onclick, { ariaLabel, kind = '', disabled = false, title } = {}) {
  return h('button', {
    type: 'button', class: ['btn', 'btn-small', kind && `btn-${kind}`], onclick,
    'aria-label': ariaLabel, disabled, title,
  }, label);
}

export function headButton(label, onclick, { kind = '', ariaLabel } = {}) {
  return h('button', { type: 'button', class: ['btn', kind && `btn-${kind}`], onclick, 'aria-label': ariaLabel }, label);
}

export function linkButton(label, href, { ariaLabel } = {}) {
  return h('a', { class: 'btn btn-small btn-link', href, 'aria-label': ariaLabel }, label);
}

export function rowActions(...buttons) {
  return h('div', { class: 'res-actions' }, buttons);
}

// Runs fn (an API call), disabling `btn` meanwhile; toasts `success` and calls `after` (usually
// a refresh) when it succeeds, toasts the error otherwise. Returns fn's result or undefined.
export async function run(btn, fn, { success, after } = {}) {
  if (btn) { btn.disabled = true; btn.setAttribute('aria-busy', 'true'); }
  try {
    const out = await fn();
    if (success) toast(typeof success === 'function' ? success(out) : success, 'success');
    if (after) await after(out);
    return out;
  } catch (e) {
    if (isUnsupported(e)) {
      toast(`This server does not support that operation (${e.code}); its button is hidden now.`, 'error');
      if (after) { try { await after(); } catch { /* the refresh reports its own errors */ } }
    } else {
      toast(errorText(e), 'error');
    }
    return undefined;
  } finally {
    if (btn && btn.isConnected) { btn.disabled = false; btn.removeAttribute('aria-busy'); }
  }
}

// The query string of the current hash route (#/vswitches?vpc=vpc-1).
export function hashQuery(params) {
  if (params && params.query instanceof URLSearchParams) return params.query;
  const q = location.hash.split('?')[1] || '';
  return new URLSearchParams(q);
}

// A JSON list parameter as ECS renders it ('["2","14"]'), or a plain list, as an array.
export function parseJsonList(v) {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null || v === '') return [];
  try {
    const parsed = JSON.parse(v);
    return Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    return String(v).split(',').map((s) => s.trim()).filter(Boolean);
  }
}

let seq = 0;
export function uid(prefix = 'res') {
  seq += 1;
  return `${prefix}-${seq}-${Math.random().toString(36).slice(2, 7)}`;
}

// ---------------------------------------------------------------------------------------------
// The list page

// opts: {title, noun (lower-case plural for labels), subtitle, actions: [nodes], filters: [nodes], load: async () => rows,
//   columns, rowKey: (row) => key, search: (row) => [strings], searchLabel, empty, caption,
//   transitional: (row) => bool, pageSize, before: node (above the toolbar)}
// Returns {refresh({quiet}), body, rows()}.
export function listPage(container, opts) {
  const body = page(container, { title: opts.title, subtitle: opts.subtitle, actions: opts.actions || [], back: opts.back });
  const pageSize = opts.pageSize || 20;
  let rows = [];
  let pageNo = 1;
  let timer = null;
  let loadSeq = 0;
  let loadedOnce = false;

  const noun = opts.noun || opts.title.toLowerCase();
  const searchId = uid('search');
  const searchInput = h('input', {
    id: searchId, type: 'search', class: 'res-search', autocomplete: 'off', spellcheck: 'false',
    placeholder: opts.searchPlaceholder || 'Name or ID',
  });
  const count = h('span', { class: 'res-count', role: 'status', 'aria-live': 'polite' });
  const refreshBtn = h('button', { type: 'button', class: 'btn', 'aria-label': `Refresh ${noun}` }, 'Refresh');
  const toolbar = h('div', { class: 'filters res-toolbar' },
    opts.search ? h('div', { class: 'res-search-field', role: 'search' },
      h('label', { for: searchId }, opts.searchLabel || `Search ${noun}`), searchInput) : null,
    opts.filters || null,
    refreshBtn, count);
  const area = h('div', { class: 'res-table-area', 'aria-busy': 'true' }, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  const prev = h('button', { type: 'button', class: 'btn btn-small' }, 'Previous');
  const next = h('button', { type: 'button', class: 'btn btn-small' }, 'Next');
  const pageInfo = h('span', { class: 'res-page-info' });
  const pager = h('nav', { class: 'pager res-pager', 'aria-label': `${opts.title} pages`, hidden: true }, prev, pageInfo, next);
  body.append(opts.before || '', toolbar, area, pager);

  const filtered = () => {
    const q = searchInput.value.trim().toLowerCase();
    if (!q || !opts.search) return rows;
    return rows.filter((r) => opts.search(r).some((s) => s && String(s).toLowerCase().includes(q)));
  };

  function render() {
    const list = filtered();
    const pages = Math.max(1, Math.ceil(list.length / pageSize));
    if (pageNo > pages) pageNo = pages;
    const shown = list.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    // Keep keyboard focus on the same control across a re-render (auto-refresh).
    const active = document.activeElement;
    const focusLabel = active && area.contains(active) ? active.getAttribute('aria-label') : null;
    const q = searchInput.value.trim();
    clear(area).append(table({
      caption: opts.caption || opts.title,
      columns: opts.columns,
      rows: shown,
      rowKey: opts.rowKey,
      className: 'stack',
      empty: rows.length && q ? `Nothing matches “${q}”.`
        : ((typeof opts.empty === 'function' ? opts.empty() : opts.empty) || 'Nothing here yet.'),
    }));
    area.removeAttribute('aria-busy');
    if (focusLabel) {
      const again = [...area.querySelectorAll('[aria-label]')].find((el) => el.getAttribute('aria-label') === focusLabel);
      if (again) again.focus({ preventScroll: true });
    }
    count.textContent = q ? `${list.length} of ${rows.length}` : `${rows.length} total`;
    pager.hidden = pages <= 1;
    pageInfo.textContent = `Page ${pageNo} of ${pages}`;
    prev.disabled = pageNo <= 1;
    next.disabled = pageNo >= pages;
  }

  function schedule() {
    clearTimeout(timer);
    timer = null;
    if (!opts.transitional || !rows.some(opts.transitional)) return;
    timer = setTimeout(() => {
      if (!body.isConnected) return;
      refresh({ quiet: true });
    }, 3000);
  }

  async function refresh({ quiet = false } = {}) {
    const mine = ++loadSeq;
    if (!quiet) area.setAttribute('aria-busy', 'true');
    try {
      const got = await opts.load();
      if (mine !== loadSeq || !body.isConnected) return;
      rows = got || [];
      loadedOnce = true;
      render();
    } catch (e) {
      if (mine !== loadSeq || !body.isConnected) return;
      area.removeAttribute('aria-busy');
      if (!loadedOnce || !quiet) {
        clear(area).append(h('div', { class: 'callout callout-error', role: 'alert' },
          h('strong', {}, `Could not load ${noun}. `), errorText(e)));
      }
      if (quiet) return;  // a failed background refresh keeps what is shown
    }
    schedule();
  }

  searchInput.addEventListener('input', () => { pageNo = 1; render(); });
  refreshBtn.addEventListener('click', () => refresh());
  prev.addEventListener('click', () => { pageNo -= 1; render(); });
  next.addEventListener('click', () => { pageNo += 1; render(); });

  const ctl = {
    body,
    refresh,
    rows: () => rows,
    stop: () => { clearTimeout(timer); timer = null; loadSeq += 1; },
  };
  refresh();
  return ctl;
}

// ---------------------------------------------------------------------------------------------
// Dialogs formDialog cannot express

function shell(title) {
  const titleId = uid('dlg');
  const dlg = h('dialog', { class: 'dialog res-dialog', 'aria-labelledby': titleId });
  dlg.append(h('h2', { id: titleId }, title));
  document.body.append(dlg);
  return dlg;
}

// A read-only dialog: content (nodes) and a Close button. Resolves when closed.
export function infoDialog({ title, content, closeLabel = 'Close', onOpen }) {
  return new Promise((resolve) => {
    const returnTo = document.activeElement;
    const dlg = shell(title);
    const close = h('button', { type: 'button', class: 'btn btn-primary' }, closeLabel);
    dlg.append(h('div', { class: 'res-dialog-body' }, content), h('div', { class: 'dialog-actions' }, close));
    close.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (returnTo && returnTo.isConnected) returnTo.focus();
      resolve();
    });
    dlg.showModal();
    if (onOpen) onOpen(dlg); else close.focus();
  });
}

// A checklist: items [{value, label, checked}] → Promise<[values]|null>. `min` items required.
export function pickDialog({ title, text, items, submitLabel = 'OK', empty = 'Nothing to choose from.', min = 1 }) {
  return new Promise((resolve) => {
    const returnTo = document.activeElement;
    const dlg = shell(title);
    const errorBox = h('p', { class: 'form-error', role: 'alert' });
    const legendId = uid('legend');
    const boxes = items.map((it) => {
      const id = uid('pick');
      const input = h('input', { type: 'checkbox', id, value: it.value, checked: Boolean(it.checked) });
      return { input, node: h('div', { class: 'field field-check' }, input, h('label', { for: id }, it.label)) };
    });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary', disabled: !items.length }, submitLabel);
    const cancel = h('button', { type: 'button', class: 'btn' }, 'Cancel');
    const form = h('form', { method: 'dialog' },
      text ? h('p', { id: legendId }, text) : null,
      items.length
        ? h('fieldset', { class: 'res-checklist', 'aria-labelledby': text ? legendId : null }, boxes.map((b) => b.node))
        : h('p', { class: 'res-empty' }, empty),
      errorBox,
      h('div', { class: 'dialog-actions' }, cancel, submit));
    dlg.append(form);
    let result = null;
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const chosen = boxes.filter((b) => b.input.checked).map((b) => b.input.value);
      if (chosen.length < min) {
        errorBox.textContent = `Choose at least ${min}.`;
        return;
      }
      result = chosen;
      dlg.close();
    });
    cancel.addEventListener('click', () => dlg.close());
    dlg.addEventListener('close', () => {
      dlg.remove();
      if (returnTo && returnTo.isConnected) returnTo.focus();
      resolve(result);
    });
    dlg.showModal();
    const first = form.querySelector('input') || cancel;
    first.focus();
  });
}

// ---------------------------------------------------------------------------------------------
// Lookups

export async function zones() {
  const body = await call('ecs', 'DescribeZones', {});
  return (body.Zones && body.Zones.Zone) || [];
}

export function zoneOptions(list) {
  return list.map((z) => ({ value: z.ZoneId, label: z.LocalName && z.LocalName !== z.ZoneId ? `${z.LocalName} (${z.ZoneId})` : z.ZoneId }));
}

export function vpcs() {
  return pageAll('DescribeVpcs', {}, 'Vpcs.Vpc', 'vpc');
}

export function vswitches(params = {}) {
  return pageAll('DescribeVSwitches', params, 'VSwitches.VSwitch', 'vpc');
}

export function instances(params = {}) {
  return pageAll('DescribeInstances', params, 'Instances.Instance', 'ecs');
}

export function securityGroups(params = {}) {
  return pageAll('DescribeSecurityGroups', params, 'SecurityGroups.SecurityGroup', 'ecs');
}

export function nameOr(id, name) {
  return name && name !== id ? `${name} (${id})` : id;
}

export function instanceOptions(list) {
  return list.map((i) => ({ value: i.InstanceId, label: `${nameOr(i.InstanceId, i.InstanceName)} · ${i.Status}` }));
}

// Disk categories and performance levels, as CreateDisk / RunInstances take them.
export const DISK_CATEGORIES = [
  { value: 'cloud_essd', label: 'ESSD (cloud_essd)' },
  { value: 'cloud_ssd', label: 'Standard SSD (cloud_ssd)' },
  { value: 'cloud_efficiency', label: 'Ultra disk (cloud_efficiency)' },
  { value: 'cloud', label: 'Basic disk (cloud)' },
];
export const PERFORMANCE_LEVELS = [
  { value: 'PL0', label: 'PL0' }, { value: 'PL1', label: 'PL1' },
  { value: 'PL2', label: 'PL2 (461 GiB or more)' }, { value: 'PL3', label: 'PL3 (1261 GiB or more)' },
];
// The smallest ESSD size for each performance level.
export const PL_MIN_SIZE = { PL0: 1, PL1: 20, PL2: 461, PL3: 1261 };
// Data disk sizes (GiB) by category.
export const DATA_DISK_SIZE = {
  cloud_essd: [1, 65536], cloud_ssd: [20, 32768], cloud_efficiency: [20, 32768], cloud: [5, 2000],
};

// Why a data disk of this category / level / size cannot be made, or null.
export function diskSizeProblem(category, level, size) {
  const [lo, hi] = DATA_DISK_SIZE[category] || [1, 65536];
  if (!Number.isInteger(size)) return 'Enter the size in whole GiB.';
  if (size < lo || size > hi) return `A ${category} disk is ${lo} to ${hi} GiB.`;
  if (category === 'cloud_essd' && level && size < (PL_MIN_SIZE[level] || 1)) {
    return `An ESSD at ${level} needs at least ${PL_MIN_SIZE[level]} GiB.`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// IPv4 CIDR blocks

// '192.168.0.0/16' → {base, len} (base as an unsigned 32-bit number, host bits cleared), or null.
export function parseCidr(text) {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(String(text || '').trim());
  if (!m) return null;
  const parts = m.slice(1, 5).map(Number);
  const len = Number(m[5]);
  if (parts.some((p) => p > 255) || len > 32) return null;
  const addr = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3];
  const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return { base: (addr & mask) >>> 0, len, exact: ((addr & mask) >>> 0) === addr };
}

export function cidrText({ base, len }) {
  return `${base >>> 24}.${(base >>> 16) & 255}.${(base >>> 8) & 255}.${base & 255}/${len}`;
}

export function cidrContains(outer, inner) {
  if (!outer || !inner || inner.len < outer.len) return false;
  const mask = outer.len === 0 ? 0 : (0xffffffff << (32 - outer.len)) >>> 0;
  return ((inner.base & mask) >>> 0) === outer.base;
}

export function cidrOverlaps(a, b) {
  return cidrContains(a, b) || cidrContains(b, a);
}

// The first /24 (or the VPC's own block if smaller) inside vpcCidr not overlapping `used`.
export function suggestSubnet(vpcCidr, used = []) {
  const vpc = parseCidr(vpcCidr);
  if (!vpc) return '';
  const taken = used.map(parseCidr).filter(Boolean);
  const len = Math.max(vpc.len, 24);
  const step = 2 ** (32 - len);
  const count = Math.min(2 ** (len - vpc.len), 4096);
  for (let i = 0; i < count; i++) {
    const c = { base: (vpc.base + i * step) >>> 0, len };
    if (!taken.some((t) => cidrOverlaps(t, c))) return cidrText(c);
  }
  return '';
}
