// console/js/pages/instances.js — the Instances list (/instances) and an instance's detail page
// (/instances/:id, in instance-detail.js).
//
// The list: DescribeInstances with a status filter, a name / ID search, PageNumber/PageSize
// paging with totals, row actions (start, stop, restart, release), multi-select batch actions,
// and a refresh every 3 s while any listed instance is in a transitional state. The filter and
// page live in the hash's query (#/instances?status=Running&q=web&page=2) so they survive a
// reload and the back button.

import { ecs } from '../api.js';
import { h, page, table, button, errorText, fmtTime, clear, loading } from '../ui.js';
import { onLeave, routes } from '../app.js';
import * as act from './instance-actions.js';
import { renderDetail } from './instance-detail.js';

const STATUSES = ['Pending', 'Starting', 'Running', 'Stopping', 'Stopped'];
const PAGE_SIZES = [10, 20, 50, 100];
const REFRESH_MS = 3000;

export function register(registerPage) {
  registerPage('/instances', { title: 'Instances', nav: 'Instances', group: 'Compute', render: renderList });
  registerPage('/instances/:id', { title: 'Instance', nav: null, render: renderDetail });
}

// ---------------------------------------------------------------------------------------------
// Cells

function ipCell(inst) {
  const ips = act.ipsOf(inst);
  const lines = [
    ...ips.private.map((ip) => h('span', { class: 'nowrap' }, `${ip} `, h('span', { class: 'muted' }, '(private)'))),
    ...ips.public.map((ip) => h('span', { class: 'nowrap' }, `${ip} `, h('span', { class: 'muted' }, '(public)'))),
    ...ips.eip.map((ip) => h('span', { class: 'nowrap' }, `${ip} `, h('span', { class: 'muted' }, '(EIP)'))),
  ];
  if (!lines.length) return h('span', { class: 'muted' }, 'none');
  return lines.flatMap((l, i) => (i ? [h('br'), l] : [l]));
}

function typeText(inst) {
  const mem = inst.Memory ? `${+(inst.Memory / 1024).toFixed(1)} GiB` : '';
  return [h('span', { class: 'nowrap' }, inst.InstanceType),
    h('span', { class: 'sub' }, [inst.ZoneId, inst.Cpu ? `${inst.Cpu} vCPU` : '', mem].filter(Boolean).join(' · '))];
}

// ---------------------------------------------------------------------------------------------
// The list

function readQuery(query) {
  const size = Number(query.get('size'));
  return {
    status: STATUSES.includes(query.get('status')) ? query.get('status') : '',
    q: query.get('q') || '',
    page: Math.max(1, Number(query.get('page')) || 1),
    size: PAGE_SIZES.includes(size) ? size : 20,
  };
}

function writeQuery(state) {
  const q = new URLSearchParams();
  if (state.status) q.set('status', state.status);
  if (state.q) q.set('q', state.q);
  if (state.page > 1) q.set('page', String(state.page));
  if (state.size !== 20) q.set('size', String(state.size));
  const hash = `#/instances${q.toString() ? `?${q}` : ''}`;
  if (location.hash !== hash) history.replaceState(null, '', hash);
}

function wizardPath() {
  const r = routes().find((x) => /wizard|create/i.test(x.path) && !x.path.includes(':'));
  return r ? r.path : null;
}

async function renderList(container, { query }) {
  const state = readQuery(query);
  const selected = new Set();
  let rows = [];
  let total = 0;
  let timer = null;
  let seq = 0;
  const wiz = wizardPath();

  const body = page(container, {
    title: 'Instances',
    actions: [
      h('a', { class: 'btn btn-primary', href: '#/launch' }, 'Quick Launch'),
      wiz ? h('a', { class: 'btn', href: `#${wiz}` }, 'Create instance') : null,
      button('Refresh', () => load()),
    ].filter(Boolean),
  });

  // Filters
  const statusSel = h('select', { id: 'inst-status' },
    h('option', { value: '' }, 'All statuses'),
    STATUSES.map((s) => h('option', { value: s, selected: s === state.status }, s)));
  const search = h('input', { id: 'inst-search', type: 'search', value: state.q, placeholder: 'Name or i-… ID', autocomplete: 'off' });
  const filterForm = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter instances' },
    h('div', { class: 'field' }, h('label', { for: 'inst-status' }, 'Status'), statusSel),
    h('div', { class: 'field' }, h('label', { for: 'inst-search' }, 'Name or ID'), search),
    h('button', { type: 'submit', class: 'btn' }, 'Search'),
    h('button', { type: 'button', class: 'btn btn-link', onclick: () => { statusSel.value = ''; search.value = ''; apply(); } }, 'Clear'));
  filterForm.addEventListener('submit', (ev) => { ev.preventDefault(); apply(); });
  statusSel.addEventListener('change', () => apply());
  function apply() {
    state.status = statusSel.value;
    state.q = search.value.trim();
    state.page = 1;
    load();
  }

  const batchBar = h('div', { class: 'toolbar batch', role: 'toolbar', 'aria-label': 'Actions on the selected instances' });
  const summary = h('p', { class: 'muted', role: 'status', id: 'inst-summary' });
  const tableHolder = h('div', {}, loading('Loading instances…'));
  const pager = h('nav', { class: 'pager', 'aria-label': 'Instance list pages' });
  body.append(filterForm, batchBar, tableHolder, pager, summary);

  function selectedRows() { return rows.filter((r) => selected.has(r.InstanceId)); }

  function renderBatch() {
    clear(batchBar);
    const n = selected.size;
    const go = (fn) => async (ev) => {
      const btn = ev.currentTarget;
      btn.disabled = true;
      const changed = await fn(selectedRows());
      btn.disabled = false;
      if (changed) { selected.clear(); load(); }
    };
    batchBar.append(
      h('span', { class: 'muted' }, n ? `${n} selected` : 'Select instances for batch actions'),
      button('Start', go(act.startMany), { disabled: !n }),
      button('Stop', go(act.stopMany), { disabled: !n }),
      button('Release', go(act.releaseMany), { kind: 'danger', disabled: !n }));
  }

  function rowAction(label, enabled, fn, inst, kind) {
    return h('button', {
      type: 'button', class: ['btn', 'btn-small', kind && `btn-${kind}`], disabled: !enabled,
      'data-focus': `${inst.InstanceId}:${label}`, 'aria-label': `${label} ${act.nameOf(inst)}`,
      onclick: async () => { if (await fn(inst)) load(); },
    }, label);
  }

  function renderTable() {
    const focusKey = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focus : null;
    const allBox = h('input', {
      type: 'checkbox', 'aria-label': 'Select all instances on this page', 'data-focus': 'all',
      checked: rows.length > 0 && rows.every((r) => selected.has(r.InstanceId)),
      onchange: (ev) => { for (const r of rows) { if (ev.target.checked) selected.add(r.InstanceId); else selected.delete(r.InstanceId); } renderTable(); renderBatch(); },
    });
    const tbl = table({
      caption: 'Instances',
      rowKey: (r) => r.InstanceId,
      empty: state.status || state.q ? 'No instance matches the filter.' : 'No instances in this region yet. Use Quick Launch to create one.',
      rows,
      columns: [
        { label: allBox, class: 'select', render: (r) => h('input', {
          type: 'checkbox', checked: selected.has(r.InstanceId), 'aria-label': `Select ${act.nameOf(r)}`, 'data-focus': `${r.InstanceId}:select`,
          onchange: (ev) => { if (ev.target.checked) selected.add(r.InstanceId); else selected.delete(r.InstanceId); renderBatch(); },
        }) },
        { label: 'Instance', render: (r) => [h('a', { href: `#/instances/${encodeURIComponent(r.InstanceId)}`, 'data-focus': `${r.InstanceId}:link` }, r.InstanceName || r.InstanceId), h('span', { class: 'sub mono' }, r.InstanceId)] },
        { label: 'Status', render: (r) => act.statusBadges(r) },
        { label: 'Type and zone', render: typeText },
        { label: 'IP addresses', render: ipCell },
        { label: 'Billing', render: (r) => act.billingText(r) },
        { label: 'Created', render: (r) => { const [d, t] = fmtTime(r.CreationTime).split(' '); return [h('span', { class: 'nowrap' }, d), t ? h('span', { class: 'sub' }, t) : null]; } },
        { label: 'Actions', class: 'actions', render: (r) => [
          r.Status === 'Stopped' ? rowAction('Start', act.canStart(r), act.start, r) : rowAction('Stop', act.canStop(r), act.stop, r),
          rowAction('Restart', act.canRestart(r), act.restart, r),
          rowAction('Release', r.Status !== 'Pending', act.release, r, 'danger'),
        ] },
      ],
    });
    clear(tableHolder).append(tbl);
    if (focusKey) {
      const again = tableHolder.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
      if (again && !again.disabled) again.focus();
    }
  }

  function renderPager() {
    clear(pager);
    const pages = Math.max(1, Math.ceil(total / state.size));
    const first = total ? (state.page - 1) * state.size + 1 : 0;
    const last = Math.min(total, state.page * state.size);
    const sizeSel = h('select', { id: 'inst-size', onchange: (ev) => { state.size = Number(ev.target.value); state.page = 1; load(); } },
      PAGE_SIZES.map((n) => h('option', { value: n, selected: n === state.size }, `${n} per page`)));
    pager.append(
      h('span', {}, total ? `${first}–${last} of ${total}` : '0 instances'),
      h('label', { class: 'sr-only', for: 'inst-size' }, 'Instances per page'), sizeSel,
      button('Previous', () => { state.page--; load(); }, { disabled: state.page <= 1, ariaLabel: 'Previous page' }),
      h('span', {}, `Page ${state.page} of ${pages}`),
      button('Next', () => { state.page++; load(); }, { disabled: state.page >= pages, ariaLabel: 'Next page' }));
  }

  async function load() {
    const mine = ++seq;
    clearTimeout(timer);
    writeQuery(state);
    const params = { PageNumber: state.page, PageSize: state.size, Status: state.status || undefined };
    if (state.q) {
      if (/^i-[\w-]+$/.test(state.q)) params.InstanceIds = JSON.stringify([state.q]);
      else params.InstanceName = state.q;
    }
    try {
      const res = await ecs('DescribeInstances', params);
      if (mine !== seq || !container.isConnected) return;
      rows = (res.Instances && res.Instances.Instance) || [];
      total = Number(res.TotalCount) || 0;
      if (!rows.length && total && state.page > 1) { state.page = Math.ceil(total / state.size); load(); return; }
      for (const id of [...selected]) if (!rows.some((r) => r.InstanceId === id)) selected.delete(id);
      renderTable();
      renderPager();
      renderBatch();
      const busyCount = rows.filter((r) => act.TRANSITIONAL.has(r.Status)).length;
      summary.textContent = busyCount
        ? `${busyCount} instance${busyCount === 1 ? ' is' : 's are'} changing state; the list refreshes every 3 seconds.`
        : `Updated at ${new Date().toLocaleTimeString()}.`;
      if (busyCount) timer = setTimeout(load, REFRESH_MS);
    } catch (e) {
      if (mine !== seq || !container.isConnected) return;
      if (e.status === 401) return;
      clear(tableHolder).append(h('div', { class: 'callout callout-error', role: 'alert' }, `The instances could not be listed. ${errorText(e)}`));
    }
  }

  onLeave(() => { clearTimeout(timer); seq++; });
  renderBatch();
  await load();
}

