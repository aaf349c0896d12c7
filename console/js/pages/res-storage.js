// console/js/pages/res-storage.js — the Storage pages: block storage (disks), snapshots and
// automatic snapshot policies.
//
// Calls (ECS 2014-05-26): DescribeDisks, CreateDisk, AttachDisk, DetachDisk, ResizeDisk,
// DeleteDisk, CreateSnapshot, DescribeSnapshots, DeleteSnapshot, ResetDisk, CreateImage,
// DescribeAutoSnapshotPolicyEx, CreateAutoSnapshotPolicy, ModifyAutoSnapshotPolicyEx,
// ApplyAutoSnapshotPolicy, CancelAutoSnapshotPolicy, DeleteAutoSnapshotPolicy, plus
// DescribeZones / DescribeInstances for the pickers. The automatic snapshot policy actions
// spell their parameters in lower camel case (autoSnapshotPolicyId, diskIds, timePoints,
// repeatWeekdays, retentionDays), as the API does.

import { call, pageAll } from '../api.js';
import { h, statusBadge, toast, confirmDialog, formDialog, errorText } from '../ui.js';
import {
  listPage, idCell, timeCell, mono, rowButton, headButton, rowActions, run, isTransitional,
  parseJsonList, pickDialog, zones, zoneOptions, instances, instanceOptions, nameOr,
  DISK_CATEGORIES, PERFORMANCE_LEVELS, DATA_DISK_SIZE, diskSizeProblem,
} from './res-common.js';

const GROUP = 'Storage';
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

function describeDisks(params = {}) {
  return pageAll('DescribeDisks', params, 'Disks.Disk', 'ecs');
}

function categoryLabel(cat, pl) {
  const c = DISK_CATEGORIES.find((x) => x.value === cat);
  const name = c ? c.label.replace(/ \(.*\)$/, '') : (cat || '—');
  return cat === 'cloud_essd' && pl ? `${name} ${pl}` : name;
}

function instanceLink(id) {
  return id ? h('a', { href: `#/instances/${encodeURIComponent(id)}`, class: 'mono' }, id) : '—';
}

// Fields shared by "Create disk" and "Create disk from snapshot".
function diskFields(zoneList, { size, minSize } = {}) {
  return [
    { name: 'ZoneId', label: 'Zone', type: 'select', required: true, options: zoneOptions(zoneList), value: zoneList[0] && zoneList[0].ZoneId },
    { name: 'DiskName', label: 'Name', type: 'text', placeholder: 'data-disk-1', help: '2-128 characters; starts with a letter.' },
    { name: 'DiskCategory', label: 'Category', type: 'select', options: DISK_CATEGORIES, value: 'cloud_essd' },
    { name: 'PerformanceLevel', label: 'Performance level (ESSD only)', type: 'select', options: PERFORMANCE_LEVELS, value: 'PL1' },
    {
      name: 'Size', label: 'Size (GiB)', type: 'number', required: true, min: minSize || 1, max: 65536, step: 1, value: size || 40,
      help: minSize ? `At least the snapshot's disk size, ${minSize} GiB.` : 'ESSD 1-65536 (PL1 from 20), SSD and ultra 20-32768, basic 5-2000.',
    },
    { name: 'Description', label: 'Description', type: 'text' },
  ];
}

function diskParams(v) {
  return {
    ZoneId: v.ZoneId,
    DiskName: v.DiskName,
    DiskCategory: v.DiskCategory,
    PerformanceLevel: v.DiskCategory === 'cloud_essd' ? v.PerformanceLevel : undefined,
    Size: v.Size,
    Description: v.Description,
  };
}

function validateDisk(v, minSize) {
  if (!v.ZoneId) return 'Choose a zone.';
  if (minSize && v.Size < minSize) return `The disk must be at least ${minSize} GiB.`;
  return diskSizeProblem(v.DiskCategory, v.DiskCategory === 'cloud_essd' ? v.PerformanceLevel : null, v.Size);
}

// ---------------------------------------------------------------------------------------------
// Disks

function disksPage(container) {
  let ctl;
  const refresh = () => ctl.refresh();

  async function create(btn) {
    let zoneList = [];
    try { zoneList = await zones(); } catch (e) { toast(errorText(e), 'error'); return; }
    const v = await formDialog({
      title: 'Create disk', submitLabel: 'Create disk', fields: diskFields(zoneList),
      validate: (x) => validateDisk(x),
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'CreateDisk', diskParams(v)), {
      success: (r) => `Disk ${r.DiskId} is being created.`, after: refresh,
    });
  }

  async function attach(btn, d) {
    let list;
    try {
      list = (await instances({ ZoneId: d.ZoneId })).filter((i) => i.Status === 'Running' || i.Status === 'Stopped');
    } catch (e) { toast(errorText(e), 'error'); return; }
    if (!list.length) {
      toast(`No running or stopped instance in ${d.ZoneId} to attach ${d.DiskId} to.`, 'info');
      return;
    }
    const v = await formDialog({
      title: `Attach disk ${d.DiskId}`, submitLabel: 'Attach',
      text: `Instances in the disk's zone, ${d.ZoneId}. A running instance sees the disk at once.`,
      fields: [
        { name: 'InstanceId', label: 'Instance', type: 'select', required: true, options: instanceOptions(list) },
        { name: 'DeleteWithInstance', label: 'Release the disk with the instance', type: 'checkbox', value: false },
      ],
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'AttachDisk', { DiskId: d.DiskId, InstanceId: v.InstanceId, DeleteWithInstance: v.DeleteWithInstance }), {
      success: `Attaching ${d.DiskId} to ${v.InstanceId}.`, after: refresh,
    });
  }

  async function detach(btn, d) {
    const ok = await confirmDialog({
      title: `Detach disk ${d.DiskId}?`, confirmLabel: 'Detach',
      text: `The disk leaves instance ${d.InstanceId}. Unmount it in the guest first.`,
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DetachDisk', { DiskId: d.DiskId, InstanceId: d.InstanceId }), {
      success: `Detaching ${d.DiskId}.`, after: refresh,
    });
  }

  async function resize(btn, d) {
    const [, max] = DATA_DISK_SIZE[d.Category] || [1, 65536];
    const v = await formDialog({
      title: `Resize disk ${d.DiskId}`, submitLabel: 'Resize',
      text: `Now ${d.Size} GiB. Disks only grow; grow the file system in the guest afterwards.`,
      fields: [{ name: 'NewSize', label: 'New size (GiB)', type: 'number', required: true, min: d.Size + 1, max, step: 1, value: d.Size + 10 }],
      validate: (x) => (!Number.isInteger(x.NewSize) || x.NewSize <= d.Size ? `Enter a whole size above ${d.Size} GiB.`
        : x.NewSize > max ? `At most ${max} GiB for this category.` : null),
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'ResizeDisk', { DiskId: d.DiskId, NewSize: v.NewSize }), {
      success: `Resizing ${d.DiskId} to ${v.NewSize} GiB.`, after: refresh,
    });
  }

  async function snapshot(btn, d) {
    const v = await formDialog({
      title: `Snapshot disk ${d.DiskId}`, submitLabel: 'Create snapshot',
      fields: [
        { name: 'SnapshotName', label: 'Snapshot name', type: 'text' },
        { name: 'Description', label: 'Description', type: 'text' },
        { name: 'RetentionDays', label: 'Keep for (days)', type: 'number', min: 1, max: 65536, step: 1, help: 'Empty: keep until deleted.' },
      ],
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'CreateSnapshot', { DiskId: d.DiskId, SnapshotName: v.SnapshotName, Description: v.Description, RetentionDays: v.RetentionDays }), {
      success: (r) => `Snapshot ${r.SnapshotId} started; see Snapshots.`, after: refresh,
    });
  }

  async function remove(btn, d) {
    const ok = await confirmDialog({
      title: `Delete disk ${d.DiskId}?`, danger: true, confirmLabel: 'Delete disk',
      text: `${nameOr(d.DiskId, d.DiskName)} and its data are erased. This cannot be undone.`,
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DeleteDisk', { DiskId: d.DiskId }), { success: `Disk ${d.DiskId} deleted.`, after: refresh });
  }

  const createBtn = headButton('Create disk', (ev) => create(ev.currentTarget), { kind: 'primary' });
  ctl = listPage(container, {
    title: 'Disks', noun: 'disks',
    subtitle: 'Block storage: system disks of instances and data disks you attach to them.',
    actions: [createBtn],
    load: () => describeDisks(),
    rowKey: (d) => d.DiskId,
    search: (d) => [d.DiskId, d.DiskName, d.InstanceId],
    searchPlaceholder: 'Disk name, ID or instance',
    empty: 'No disks in this region. Create one, or launch an instance.',
    transitional: (d) => isTransitional(d.Status),
    columns: [
      { label: 'Disk', render: (d) => idCell(d.DiskId, d.DiskName) },
      { label: 'Status', render: (d) => statusBadge(d.Status) },
      { label: 'Type', render: (d) => (d.Type === 'system' ? 'System' : 'Data') },
      { label: 'Category', render: (d) => categoryLabel(d.Category, d.PerformanceLevel) },
      { label: 'Size', render: (d) => `${d.Size} GiB` },
      { label: 'Zone', render: (d) => d.ZoneId },
      { label: 'Attached to', render: (d) => (d.InstanceId ? h('span', {}, instanceLink(d.InstanceId), d.Device ? ` ${d.Device}` : '') : '—') },
      { label: 'Created', render: (d) => timeCell(d.CreationTime) },
      {
        label: 'Actions',
        render: (d) => {
          const idle = d.Status === 'Available';
          const used = d.Status === 'In_use';
          const data = d.Type !== 'system';
          const buttons = [];
          if (idle && data) buttons.push(rowButton('Attach', (ev) => attach(ev.currentTarget, d), { ariaLabel: `Attach disk ${d.DiskId}` }));
          if (used && data) buttons.push(rowButton('Detach', (ev) => detach(ev.currentTarget, d), { ariaLabel: `Detach disk ${d.DiskId}` }));
          if (idle || used) {
            buttons.push(rowButton('Resize', (ev) => resize(ev.currentTarget, d), { ariaLabel: `Resize disk ${d.DiskId}` }));
            buttons.push(rowButton('Snapshot', (ev) => snapshot(ev.currentTarget, d), { ariaLabel: `Create a snapshot of disk ${d.DiskId}` }));
          }
          if (idle) buttons.push(rowButton('Delete', (ev) => remove(ev.currentTarget, d), { kind: 'danger', ariaLabel: `Delete disk ${d.DiskId}` }));
          return buttons.length ? rowActions(...buttons) : '—';
        },
      },
    ],
  });
  return () => ctl.stop();
}

// ---------------------------------------------------------------------------------------------
// Snapshots

function snapshotsPage(container) {
  let ctl;
  const refresh = () => ctl.refresh();

  async function createDisk(btn, s) {
    let zoneList = [];
    try { zoneList = await zones(); } catch (e) { toast(errorText(e), 'error'); return; }
    const minSize = Number(s.SourceDiskSize) || undefined;
    const v = await formDialog({
      title: `Create a disk from ${s.SnapshotId}`, submitLabel: 'Create disk',
      fields: diskFields(zoneList, { size: minSize || 40, minSize }),
      validate: (x) => validateDisk(x, minSize),
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'CreateDisk', { ...diskParams(v), SnapshotId: s.SnapshotId }), {
      success: (r) => `Disk ${r.DiskId} is being created from ${s.SnapshotId}; see Disks.`,
    });
  }

  async function rollback(btn, s) {
    // ResetDisk needs the disk's instance stopped: check before asking.
    let disk;
    try {
      const list = await describeDisks({ DiskIds: JSON.stringify([s.SourceDiskId]) });
      disk = list[0];
      if (!disk) { toast(`Disk ${s.SourceDiskId} no longer exists; create a new disk from the snapshot instead.`, 'error'); return; }
      if (disk.InstanceId) {
        const inst = (await instances({ InstanceIds: JSON.stringify([disk.InstanceId]) }))[0];
        if (inst && inst.Status !== 'Stopped') {
          toast(`Stop instance ${disk.InstanceId} first: a disk is rolled back only while its instance is stopped (it is ${inst.Status}).`, 'error');
          return;
        }
      }
    } catch (e) { toast(errorText(e), 'error'); return; }
    const ok = await confirmDialog({
      title: `Roll back disk ${disk.DiskId}?`, danger: true, confirmLabel: 'Roll back',
      text: `Everything written to ${nameOr(disk.DiskId, disk.DiskName)} since ${s.CreationTime ? new Date(s.CreationTime).toLocaleString() : 'the snapshot'} is lost: the disk becomes snapshot ${s.SnapshotId} again.`,
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'ResetDisk', { DiskId: disk.DiskId, SnapshotId: s.SnapshotId }), {
      success: `Rolling back ${disk.DiskId} to ${s.SnapshotId}.`, after: refresh,
    });
  }

  async function createImage(btn, s) {
    const v = await formDialog({
      title: `Create an image from ${s.SnapshotId}`, submitLabel: 'Create image',
      text: 'The image boots new instances with this system disk.',
      fields: [
        { name: 'ImageName', label: 'Image name', type: 'text', required: true, placeholder: 'my-image' },
        { name: 'Description', label: 'Description', type: 'text' },
      ],
      validate: (x) => (x.ImageName.trim() ? null : 'Name the image.'),
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'CreateImage', { SnapshotId: s.SnapshotId, ImageName: v.ImageName.trim(), Description: v.Description }), {
      success: (r) => `Image ${r.ImageId} is being created; see Images (My images).`,
    });
  }

  async function remove(btn, s) {
    const ok = await confirmDialog({
      title: `Delete snapshot ${s.SnapshotId}?`, danger: true, confirmLabel: 'Delete snapshot',
      text: `${nameOr(s.SnapshotId, s.SnapshotName)} is deleted. Images made from it must be deleted first.`,
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DeleteSnapshot', { SnapshotId: s.SnapshotId }), { success: `Snapshot ${s.SnapshotId} deleted.`, after: refresh });
  }

  ctl = listPage(container, {
    title: 'Snapshots', noun: 'snapshots',
    subtitle: 'Point-in-time copies of disks. Make one from the Disks page, or with an automatic snapshot policy.',
    load: () => pageAll('DescribeSnapshots', {}, 'Snapshots.Snapshot', 'ecs'),
    rowKey: (s) => s.SnapshotId,
    search: (s) => [s.SnapshotId, s.SnapshotName, s.SourceDiskId],
    searchPlaceholder: 'Snapshot name, ID or disk',
    empty: 'No snapshots. Snapshot a disk from the Disks page.',
    transitional: (s) => isTransitional(s.Status),
    columns: [
      { label: 'Snapshot', render: (s) => idCell(s.SnapshotId, s.SnapshotName) },
      {
        label: 'Status',
        render: (s) => h('span', {}, statusBadge(s.Status),
          s.Status === 'progressing' && s.Progress ? h('span', { class: 'res-progress' }, ` ${s.Progress}`) : null),
      },
      { label: 'Source disk', render: (s) => h('span', {}, mono(s.SourceDiskId), ` ${s.SourceDiskType === 'System' || s.SourceDiskType === 'system' ? 'system' : 'data'}, ${s.SourceDiskSize} GiB`) },
      { label: 'Retention', render: (s) => (Number(s.RetentionDays) > 0 ? `${s.RetentionDays} days` : 'Until deleted') },
      { label: 'Type', render: (s) => (s.SnapshotType === 'auto' ? 'Automatic' : 'Manual') },
      { label: 'Created', render: (s) => timeCell(s.CreationTime) },
      {
        label: 'Actions',
        render: (s) => {
          if (s.Status !== 'accomplished') {
            return s.Status === 'progressing' ? '—'
              : rowActions(rowButton('Delete', (ev) => remove(ev.currentTarget, s), { kind: 'danger', ariaLabel: `Delete snapshot ${s.SnapshotId}` }));
          }
          const system = String(s.SourceDiskType).toLowerCase() === 'system';
          return rowActions(
            rowButton('Create disk', (ev) => createDisk(ev.currentTarget, s), { ariaLabel: `Create a disk from snapshot ${s.SnapshotId}` }),
            rowButton('Roll back', (ev) => rollback(ev.currentTarget, s), { ariaLabel: `Roll back disk ${s.SourceDiskId} to snapshot ${s.SnapshotId}` }),
            system ? rowButton('Create image', (ev) => createImage(ev.currentTarget, s), { ariaLabel: `Create an image from snapshot ${s.SnapshotId}` }) : null,
            rowButton('Delete', (ev) => remove(ev.currentTarget, s), { kind: 'danger', ariaLabel: `Delete snapshot ${s.SnapshotId}` }));
        },
      },
    ],
  });
  return () => ctl.stop();
}

// ---------------------------------------------------------------------------------------------
// Automatic snapshot policies

function policyFields(p = {}) {
  const days = parseJsonList(p.RepeatWeekdays).map(String);
  const hours = parseJsonList(p.TimePoints).join(', ');
  return [
    { name: 'name', label: 'Name', type: 'text', value: p.AutoSnapshotPolicyName || '', placeholder: 'daily-2am' },
    { name: 'timePoints', label: 'Hours (UTC)', type: 'text', required: true, value: hours || '2', help: 'Hours of the day, 0-23, separated by commas: "2" or "2, 14".' },
    ...WEEKDAYS.map((d, i) => ({ name: `wd${i + 1}`, label: d, type: 'checkbox', value: p.RepeatWeekdays ? days.includes(String(i + 1)) : true })),
    { name: 'retentionDays', label: 'Keep snapshots for (days)', type: 'number', required: true, min: -1, max: 65536, step: 1, value: p.RetentionDays ?? 7, help: '-1 keeps them until deleted.' },
  ];
}

function policyValues(v) {
  const hours = String(v.timePoints || '').split(/[\s,]+/).filter(Boolean);
  const days = WEEKDAYS.map((_, i) => (v[`wd${i + 1}`] ? String(i + 1) : null)).filter(Boolean);
  return { hours, days };
}

function validatePolicy(v) {
  const { hours, days } = policyValues(v);
  if (!hours.length) return 'Give at least one hour.';
  if (hours.some((x) => !/^\d{1,2}$/.test(x) || Number(x) > 23)) return 'Hours are whole numbers from 0 to 23.';
  if (!days.length) return 'Choose at least one day of the week.';
  if (!Number.isInteger(v.retentionDays) || v.retentionDays === 0 || v.retentionDays < -1) return 'Keep snapshots for -1 (until deleted) or 1 to 65536 days.';
  return null;
}

function policiesPage(container) {
  let ctl;
  const refresh = () => ctl.refresh();

  async function create(btn) {
    const v = await formDialog({ title: 'Create automatic snapshot policy', submitLabel: 'Create policy', fields: policyFields(), validate: validatePolicy });
    if (!v) return;
    const { hours, days } = policyValues(v);
    await run(btn, () => call('ecs', 'CreateAutoSnapshotPolicy', {
      autoSnapshotPolicyName: v.name, timePoints: JSON.stringify(hours.map((x) => String(Number(x)))),
      repeatWeekdays: JSON.stringify(days), retentionDays: v.retentionDays,
    }), { success: (r) => `Policy ${r.AutoSnapshotPolicyId} created.`, after: refresh });
  }

  async function edit(btn, p) {
    const v = await formDialog({ title: `Edit policy ${p.AutoSnapshotPolicyId}`, submitLabel: 'Save', fields: policyFields(p), validate: validatePolicy });
    if (!v) return;
    const { hours, days } = policyValues(v);
    await run(btn, () => call('ecs', 'ModifyAutoSnapshotPolicyEx', {
      autoSnapshotPolicyId: p.AutoSnapshotPolicyId, autoSnapshotPolicyName: v.name,
      timePoints: JSON.stringify(hours.map((x) => String(Number(x)))), repeatWeekdays: JSON.stringify(days),
      retentionDays: v.retentionDays,
    }), { success: `Policy ${p.AutoSnapshotPolicyId} saved.`, after: refresh });
  }

  async function apply(btn, p) {
    let disks;
    try { disks = await describeDisks(); } catch (e) { toast(errorText(e), 'error'); return; }
    const candidates = disks.filter((d) => d.AutoSnapshotPolicyId !== p.AutoSnapshotPolicyId && d.Status !== 'Creating');
    const chosen = await pickDialog({
      title: `Apply ${nameOr(p.AutoSnapshotPolicyId, p.AutoSnapshotPolicyName)} to disks`,
      text: 'Disks to snapshot on this schedule (a disk follows one policy: this replaces its current one).',
      items: candidates.map((d) => ({
        value: d.DiskId,
        label: `${nameOr(d.DiskId, d.DiskName)} · ${d.Size} GiB ${d.Type}${d.AutoSnapshotPolicyId ? ` · now ${d.AutoSnapshotPolicyId}` : ''}`,
      })),
      empty: 'Every disk already follows this policy.',
      submitLabel: 'Apply',
    });
    if (!chosen) return;
    await run(btn, () => call('ecs', 'ApplyAutoSnapshotPolicy', { autoSnapshotPolicyId: p.AutoSnapshotPolicyId, diskIds: JSON.stringify(chosen) }), {
      success: `Policy applied to ${chosen.length} disk${chosen.length > 1 ? 's' : ''}.`, after: refresh,
    });
  }

  async function cancel(btn, p) {
    let disks;
    try { disks = await describeDisks({ AutoSnapshotPolicyId: p.AutoSnapshotPolicyId }); } catch (e) { toast(errorText(e), 'error'); return; }
    disks = disks.filter((d) => d.AutoSnapshotPolicyId === p.AutoSnapshotPolicyId);
    const chosen = await pickDialog({
      title: `Cancel ${nameOr(p.AutoSnapshotPolicyId, p.AutoSnapshotPolicyName)} on disks`,
      text: 'These disks stop being snapshotted on this schedule.',
      items: disks.map((d) => ({ value: d.DiskId, label: `${nameOr(d.DiskId, d.DiskName)} · ${d.Size} GiB ${d.Type}`, checked: true })),
      empty: 'No disk follows this policy.',
      submitLabel: 'Cancel policy on these disks',
    });
    if (!chosen) return;
    await run(btn, () => call('ecs', 'CancelAutoSnapshotPolicy', { autoSnapshotPolicyId: p.AutoSnapshotPolicyId, diskIds: JSON.stringify(chosen) }), {
      success: `Policy cancelled on ${chosen.length} disk${chosen.length > 1 ? 's' : ''}.`, after: refresh,
    });
  }

  async function remove(btn, p) {
    const ok = await confirmDialog({
      title: `Delete policy ${p.AutoSnapshotPolicyId}?`, danger: true, confirmLabel: 'Delete policy',
      text: 'Disks following it stop being snapshotted automatically. Snapshots it made stay.',
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DeleteAutoSnapshotPolicy', { autoSnapshotPolicyId: p.AutoSnapshotPolicyId }), {
      success: `Policy ${p.AutoSnapshotPolicyId} deleted.`, after: refresh,
    });
  }

  const weekdays = (p) => {
    const d = parseJsonList(p.RepeatWeekdays).map(Number).sort();
    if (d.length === 7) return 'Every day';
    return d.map((n) => (WEEKDAYS[n - 1] || String(n)).slice(0, 3)).join(', ') || '—';
  };
  const hours = (p) => parseJsonList(p.TimePoints).map((x) => `${String(x).padStart(2, '0')}:00`).join(', ') || '—';

  ctl = listPage(container, {
    title: 'Automatic snapshot policies', noun: 'snapshot policies',
    subtitle: 'Snapshot disks on a schedule (hours in UTC) and delete old ones after their retention.',
    actions: [headButton('Create policy', (ev) => create(ev.currentTarget), { kind: 'primary' })],
    load: () => pageAll('DescribeAutoSnapshotPolicyEx', {}, 'AutoSnapshotPolicies.AutoSnapshotPolicy', 'ecs'),
    rowKey: (p) => p.AutoSnapshotPolicyId,
    search: (p) => [p.AutoSnapshotPolicyId, p.AutoSnapshotPolicyName],
    empty: 'No automatic snapshot policies yet.',
    transitional: (p) => isTransitional(p.Status),
    columns: [
      { label: 'Policy', render: (p) => idCell(p.AutoSnapshotPolicyId, p.AutoSnapshotPolicyName) },
      { label: 'Status', render: (p) => statusBadge(p.Status || 'Normal') },
      { label: 'Hours (UTC)', render: hours },
      { label: 'Days', render: weekdays },
      { label: 'Retention', render: (p) => (Number(p.RetentionDays) === -1 ? 'Until deleted' : `${p.RetentionDays} days`) },
      { label: 'Disks', render: (p) => String(p.DiskNums ?? 0) },
      { label: 'Created', render: (p) => timeCell(p.CreationTime) },
      {
        label: 'Actions',
        render: (p) => rowActions(
          rowButton('Apply to disks', (ev) => apply(ev.currentTarget, p), { ariaLabel: `Apply policy ${p.AutoSnapshotPolicyId} to disks` }),
          rowButton('Cancel on disks', (ev) => cancel(ev.currentTarget, p), { ariaLabel: `Cancel policy ${p.AutoSnapshotPolicyId} on disks` }),
          rowButton('Edit', (ev) => edit(ev.currentTarget, p), { ariaLabel: `Edit policy ${p.AutoSnapshotPolicyId}` }),
          rowButton('Delete', (ev) => remove(ev.currentTarget, p), { kind: 'danger', ariaLabel: `Delete policy ${p.AutoSnapshotPolicyId}` })),
      },
    ],
  });
  return () => ctl.stop();
}

export function register(registerPage) {
  registerPage('/disks', { title: 'Disks', nav: 'Disks', group: GROUP, render: disksPage });
  registerPage('/snapshots', { title: 'Snapshots', nav: 'Snapshots', group: GROUP, render: snapshotsPage });
  registerPage('/snapshot-policies', { title: 'Automatic snapshot policies', nav: 'Snapshot policies', group: GROUP, render: policiesPage });
}
