// console/js/pages/res-tasks.js — the Tasks page: long-running work (snapshots, disk rebuilds,
// image creation, import and export) with its status and progress, refreshed every 3 s while a
// task is Processing, and a task's details in a dialog.
//
// Calls (ECS 2014-05-26): DescribeTasks (TaskStatus filter), DescribeTaskAttribute (progress
// of Processing tasks, and the details dialog).

import { call, pageAll } from '../api.js';
import { h, statusBadge, toast, errorText, describe, table } from '../ui.js';
import { listPage, timeCell, mono, rowButton, rowActions, uid, infoDialog, isTransitional } from './res-common.js';

const STATUSES = [
  { value: '', label: 'All' },
  { value: 'Processing', label: 'Processing' },
  { value: 'Finished', label: 'Finished' },
  { value: 'Failed', label: 'Failed' },
];

// Where a resource id leads in the console, by its prefix.
function resourceLink(id) {
  if (!id) return '—';
  const routes = [[/^i-/, '#/instances/'], [/^sg-/, '#/security-groups/'], [/^vtb-|^rtb-/, '#/route-tables/']];
  for (const [re, base] of routes) if (re.test(id)) return h('a', { href: `${base}${encodeURIComponent(id)}`, class: 'mono' }, id);
  const lists = [[/^d-/, '#/disks'], [/^s-/, '#/snapshots'], [/^m-/, '#/images?owner=self'], [/^eni-/, '#/enis']];
  for (const [re, href] of lists) if (re.test(id)) return h('a', { href, class: 'mono', title: 'Open the list' }, id);
  return mono(id);
}

async function withProgress(tasks) {
  // DescribeTasks has no progress: ask DescribeTaskAttribute for the running ones (at most 20).
  const running = tasks.filter((t) => t.TaskStatus === 'Processing').slice(0, 20);
  await Promise.all(running.map(async (t) => {
    try {
      const a = await call('ecs', 'DescribeTaskAttribute', { TaskId: t.TaskId });
      t.progress = a.TaskProcess;
    } catch { /* progress is optional */ }
  }));
  return tasks;
}

async function details(btn, t) {
  let a;
  btn.disabled = true;
  try {
    a = await call('ecs', 'DescribeTaskAttribute', { TaskId: t.TaskId });
  } catch (e) {
    toast(errorText(e), 'error');
    return;
  } finally {
    btn.disabled = false;
  }
  const ops = (a.OperationProgressSet && a.OperationProgressSet.OperationProgress) || [];
  await infoDialog({
    title: `Task ${a.TaskId || t.TaskId}`,
    content: [
      describe([
        ['Action', a.TaskAction],
        ['Status', statusBadge(a.TaskStatus)],
        ['Progress', a.TaskProcess],
        ['Items', `${a.SuccessCount ?? 0} succeeded, ${a.FailedCount ?? 0} failed of ${a.TotalCount ?? ops.length}`],
        ['Created', timeCell(a.CreationTime)],
        ['Finished', a.FinishedTime ? timeCell(a.FinishedTime) : ''],
        ['Region', a.RegionId],
      ]),
      ops.length ? table({
        caption: 'Operations',
        captionVisible: true,
        rows: ops,
        columns: [
          { label: 'Status', render: (o) => statusBadge(o.OperationStatus) },
          {
            label: 'Resource',
            render: (o) => {
              const items = (o.RelatedItemSet && o.RelatedItemSet.RelatedItem) || [];
              return items.length ? h('span', {}, items.map((it, i) => [i ? ', ' : '', `${it.Name}: `, resourceLink(it.Value)])) : '—';
            },
          },
          { label: 'Error', render: (o) => (o.ErrorCode ? h('span', {}, mono(o.ErrorCode), o.ErrorMsg ? ` ${o.ErrorMsg}` : '') : '—') },
        ],
      }) : null,
    ],
  });
}

function tasksPage(container, params) {
  let ctl;
  const q = params && params.query;
  let status = STATUSES.some((s) => s.value === (q && q.get('status'))) ? q.get('status') : '';
  const selectId = uid('taskst');
  const select = h('select', { id: selectId }, STATUSES.map((s) => h('option', { value: s.value, selected: s.value === status }, s.label)));
  select.addEventListener('change', () => {
    status = select.value;
    history.replaceState(null, '', status ? `#/tasks?status=${status}` : '#/tasks');
    ctl.refresh();
  });

  ctl = listPage(container, {
    title: 'Tasks', noun: 'tasks',
    subtitle: 'Long-running work: snapshots, disk rebuilds, images being made, imported or exported.',
    filters: h('div', { class: 'res-filter' }, h('label', { for: selectId }, 'Status'), select),
    load: async () => withProgress(await pageAll('DescribeTasks', { TaskStatus: status || undefined }, 'TaskSet.Task', 'ecs')),
    rowKey: (t) => t.TaskId,
    search: (t) => [t.TaskId, t.TaskAction, t.ResourceId],
    searchPlaceholder: 'Task ID, action or resource',
    empty: () => (status ? `No ${status.toLowerCase()} tasks.` : 'No tasks yet.'),
    transitional: (t) => isTransitional(t.TaskStatus),
    columns: [
      { label: 'Task', render: (t) => mono(t.TaskId) },
      { label: 'Action', render: (t) => t.TaskAction || '—' },
      {
        label: 'Status',
        render: (t) => h('span', {}, statusBadge(t.TaskStatus), t.TaskStatus === 'Processing' && t.progress ? h('span', { class: 'res-progress' }, ` ${t.progress}`) : null),
      },
      {
        label: 'Progress',
        render: (t) => {
          const pct = t.TaskStatus === 'Finished' ? 100 : parseInt(t.progress, 10);
          if (!Number.isFinite(pct)) return '—';
          return h('progress', { max: 100, value: pct, 'aria-label': `Task ${t.TaskId} ${pct}% done` }, `${pct}%`);
        },
      },
      { label: 'Resource', render: (t) => resourceLink(t.ResourceId) },
      { label: 'Created', render: (t) => timeCell(t.CreationTime) },
      { label: 'Finished', render: (t) => timeCell(t.FinishedTime) },
      {
        label: 'Actions',
        render: (t) => rowActions(rowButton('Details', (ev) => details(ev.currentTarget, t), { ariaLabel: `Details of task ${t.TaskId}` })),
      },
    ],
  });
  return () => ctl.stop();
}

export function register(registerPage) {
  registerPage('/tasks', { title: 'Tasks', nav: 'Tasks', group: 'Operations', render: tasksPage });
}
