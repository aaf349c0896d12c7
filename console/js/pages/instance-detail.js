// console/js/pages/instance-detail.js — one instance (/instances/:id): overview, disks, network
// interfaces, security groups, public addresses, CPU chart, serial console output, and the
// actions (start / stop / restart / release, reset password, change type, attach a disk or an
// ENI, snapshot a disk, create an image, rename, open VNC). The overview and the toolbar
// refresh every 3 s while the instance is in a transitional state.

import { ecs, pageAll } from '../api.js';
import {
  h, page, table, button, toast, errorText, fmtTime, clear, fill, describe, section,
  statusBadge, formDialog, confirmDialog, lineChart, base64Text,
} from '../ui.js';
import { onLeave, navigate, linkIfRouted } from '../app.js';
import * as act from './instance-actions.js';

const REFRESH_MS = 3000;

// HealthStatus of the guest's OS (Initializing / Ok / Impaired ...), or '' if unknown.
async function fetchHealth(id) {
  try {
    const res = await ecs('DescribeInstancesFullStatus', { InstanceId: [id] });
    const s = ((res.InstanceFullStatusSet && res.InstanceFullStatusSet.InstanceFullStatusType) || [])[0];
    return (s && s.HealthStatus && s.HealthStatus.Name) || '';
  } catch {
    return '';
  }
}

async function fetchInstance(id) {
  const res = await ecs('DescribeInstances', { InstanceIds: JSON.stringify([id]), PageSize: 10 });
  return ((res.Instances && res.Instances.Instance) || [])[0] || null;
}

const yesNo = (b) => (b === true || b === 'true' ? 'Yes' : 'No');
const link = (path, text) => {
  const href = linkIfRouted(path);
  return href ? h('a', { href }, text) : h('span', { class: 'mono' }, text);
};

export async function renderDetail(container, { id }) {
  let inst = null;
  let health = '';
  let timer = null;
  let alive = true;
  onLeave(() => { alive = false; clearTimeout(timer); });

  const body = page(container, {
    title: id,
    back: { href: '#/instances', label: 'Instances' },
    actions: [h('span', { class: 'muted' }, 'Loading…')],
  });
  const toolbar = container.querySelector('.toolbar');
  const heading = container.querySelector('h1');
  const statusLine = h('p', { class: 'status-line', role: 'status', 'aria-live': 'polite' });
  heading.after(statusLine);

  try {
    [inst, health] = await Promise.all([fetchInstance(id), fetchHealth(id)]);
  } catch (e) {
    if (e.status === 401) return;
    clear(body).append(h('div', { class: 'callout callout-error', role: 'alert' }, `The instance could not be loaded. ${errorText(e)}`));
    clear(toolbar);
    return;
  }
  if (!inst) {
    clear(toolbar);
    heading.textContent = 'Instance not found';
    body.append(h('p', { class: 'callout callout-info' }, `There is no instance ${id} in this region. It may have been released. `, h('a', { href: '#/instances' }, 'Back to the instances.')));
    return;
  }

  const overview = section('Overview');
  const disksCard = section('Disks');
  const enisCard = section('Network interfaces');
  const sgCard = section('Security groups');
  const ipCard = section('Public IP addresses');
  const monitorCard = section('Monitoring');
  const consoleCard = section('Console output');
  body.append(overview, h('div', { class: 'grid-2' }, ipCard, sgCard), disksCard, enisCard, monitorCard, consoleCard);

  // -------------------------------------------------------------------------------------------
  // Header, toolbar, overview (refreshed together)

  async function after(changed) {
    if (changed) await refresh();
  }

  function renderToolbar() {
    const focusKey = document.activeElement && toolbar.contains(document.activeElement) ? document.activeElement.dataset.focus : null;
    const b = (labelText, fn, { enabled = true, kind, why } = {}) => h('button', {
      type: 'button', class: ['btn', kind && `btn-${kind}`], disabled: !enabled, title: !enabled && why ? why : null, 'data-focus': labelText,
      onclick: async (ev) => { const btn = ev.currentTarget; btn.disabled = true; try { await fn(); } finally { if (btn.isConnected) btn.disabled = false; } },
    }, labelText);
    const stopped = inst.Status === 'Stopped';
    clear(toolbar).append(
      b('Start', async () => after(await act.start(inst)), { enabled: act.canStart(inst), kind: 'primary' }),
      b('Stop', async () => after(await act.stop(inst)), { enabled: act.canStop(inst) }),
      b('Restart', async () => after(await act.restart(inst)), { enabled: act.canRestart(inst) }),
      h('a', { class: 'btn', href: `#/instances/${encodeURIComponent(id)}/vnc`, 'data-focus': 'VNC' }, 'Connect (VNC)'),
      b('Reset password', resetPassword, { enabled: inst.Status !== 'Pending' }),
      b('Change type', changeType, { enabled: stopped, why: 'Stop the instance first to change its type.' }),
      b('Attach disk', attachDisk, { enabled: inst.Status === 'Running' || stopped }),
      b('Attach ENI', attachEni, { enabled: inst.Status === 'Running' || stopped }),
      b('Create snapshot', () => createSnapshot(), { enabled: inst.Status === 'Running' || stopped }),
      b('Create image', createImage, { enabled: inst.Status === 'Running' || stopped }),
      b('Release', async () => { if (await act.release(inst)) navigate('/instances'); }, { kind: 'danger', enabled: inst.Status !== 'Pending' }));
    if (!stopped) toolbar.append(h('span', { class: 'help' }, 'Change type needs the instance stopped.'));
    if (focusKey) {
      const again = toolbar.querySelector(`[data-focus="${CSS.escape(focusKey)}"]`);
      if (again && !again.disabled) again.focus();
    }
  }

  function renderOverview() {
    heading.textContent = inst.InstanceName || inst.InstanceId;
    document.title = `${inst.InstanceName || inst.InstanceId} · Instances · OpenECS`;
    fill(statusLine, h('span', { class: 'mono' }, inst.InstanceId), ' ', act.statusBadges(inst),
      act.TRANSITIONAL.has(inst.Status) ? h('span', { class: 'muted' }, ` ${inst.Status} — refreshing every 3 seconds`) : null);
    const ips = act.ipsOf(inst);
    const locks = (inst.OperationLocks && inst.OperationLocks.LockReason) || [];
    const tags = (inst.Tags && inst.Tags.Tag) || [];
    const vpcAttr = inst.VpcAttributes || {};
    const renameBtn = button('Rename', rename, { kind: 'small' });
    clear(overview).append(
      h('h2', { id: 'sec-overview' }, 'Overview', renameBtn),
      describe([
        ['Instance ID', h('span', { class: 'mono' }, inst.InstanceId)],
        ['Name', inst.InstanceName],
        ['Status', act.statusBadges(inst)],
        inst.Status === 'Running' && health ? ['Operating system health', health === 'Ok' ? statusBadge('Ok', 'ok') : statusBadge(health)] : null,
        ['Description', inst.Description],
        ['Zone', inst.ZoneId],
        ['Instance type', `${inst.InstanceType} (${inst.Cpu} vCPU, ${+(inst.Memory / 1024).toFixed(1)} GiB)`],
        ['Image', link(`/images/${inst.ImageId}`, inst.ImageId)],
        ['Operating system', inst.OSName || inst.OSNameEn],
        ['Host name', inst.HostName],
        ['Key pair', inst.KeyPairName],
        ['VPC', vpcAttr.VpcId ? link(`/vpcs/${vpcAttr.VpcId}`, vpcAttr.VpcId) : ''],
        ['vSwitch', vpcAttr.VSwitchId ? link(`/vswitches/${vpcAttr.VSwitchId}`, vpcAttr.VSwitchId) : ''],
        ['Private IP', ips.private.join(', ')],
        ['Public IP', [...ips.public, ...ips.eip.map((ip) => `${ip} (EIP)`)].join(', ')],
        ['Billing', act.billingText(inst)],
        ['Internet', inst.InternetMaxBandwidthOut ? `${inst.InternetMaxBandwidthOut} Mbit/s out, ${inst.InternetChargeType === 'PayByBandwidth' ? 'pay by bandwidth' : 'pay by traffic'}` : 'No public bandwidth'],
        ['Created', fmtTime(inst.CreationTime)],
        ['Started', fmtTime(inst.StartTime)],
        inst.InstanceChargeType === 'PrePaid' ? ['Expires', fmtTime(inst.ExpiredTime)] : null,
        ['Automatic release', inst.AutoReleaseTime ? fmtTime(inst.AutoReleaseTime) : 'Not set'],
        ['Release protection', yesNo(inst.DeletionProtection)],
        inst.Status === 'Stopped' ? ['Stopped mode', inst.StoppedMode === 'StopCharging' ? 'Economical (not charged for vCPU and memory)' : inst.StoppedMode === 'KeepCharging' ? 'Still charged' : inst.StoppedMode] : null,
        locks.length ? ['Locks', locks.map((l) => `${l.LockReason}${l.LockMsg ? `: ${l.LockMsg}` : ''}`).join('; ')] : null,
        ['Metadata access', inst.MetadataOptions ? `${inst.MetadataOptions.HttpEndpoint || 'enabled'}, tokens ${inst.MetadataOptions.HttpTokens || 'optional'}` : ''],
        ['Tags', tags.length ? tags.map((t) => `${t.TagKey}=${t.TagValue}`).join(', ') : 'None'],
      ]));
    renderIps();
  }

  function renderIps() {
    const ips = act.ipsOf(inst);
    const eip = inst.EipAddress || {};
    clear(ipCard).append(h('h2', { id: 'sec-public-ip-addresses' }, 'Public IP addresses'),
      !ips.public.length && !ips.eip.length
        ? h('p', { class: 'muted' }, 'This instance has no public IP address. ', link('/eips', 'Associate an EIP'), ' to reach it from outside its VPC.')
        : describe([
          ...ips.public.map((ip) => ['Static public IP', `${ip} (${inst.InternetMaxBandwidthOut} Mbit/s)`]),
          ...ips.eip.map((ip) => ['Elastic IP', `${ip}${eip.AllocationId ? ` (${eip.AllocationId}, ${eip.Bandwidth} Mbit/s)` : ''}`]),
        ]));
  }

  async function refresh() {
    clearTimeout(timer);
    if (!container.isConnected) { alive = false; return; }
    try {
      const [fresh, h2] = await Promise.all([fetchInstance(id), fetchHealth(id)]);
      if (!alive) return;
      health = h2;
      if (!fresh) {
        clear(toolbar);
        fill(statusLine, statusBadge('Released', 'off'));
        clear(body).append(h('p', { class: 'callout callout-info' }, `${id} has been released. `, h('a', { href: '#/instances' }, 'Back to the instances.')));
        return;
      }
      const before = inst.Status;
      inst = fresh;
      renderOverview();
      renderToolbar();
      if (before !== inst.Status) { loadDisks(); loadEnis(); }
    } catch (e) {
      if (e.status === 401) return;
      toast(`Could not refresh the instance. ${errorText(e)}`, 'error');
    }
    if (alive && (act.TRANSITIONAL.has(inst.Status) || (inst.Status === 'Running' && health === 'Initializing'))) timer = setTimeout(refresh, REFRESH_MS);
  }

  // -------------------------------------------------------------------------------------------
  // Sections loaded on their own

  let disks = [];
  async function loadDisks() {
    try {
      disks = await pageAll('DescribeDisks', { InstanceId: id }, 'Disks.Disk');
    } catch (e) {
      if (!alive) return;
      clear(disksCard).append(h('h2', {}, 'Disks'), h('p', { role: 'alert', class: 'callout callout-error' }, errorText(e)));
      return;
    }
    if (!alive) return;
    disks.sort((a, b) => (a.Type === 'system' ? -1 : b.Type === 'system' ? 1 : String(a.Device).localeCompare(String(b.Device))));
    clear(disksCard).append(h('h2', { id: 'sec-disks' }, 'Disks', button('Attach disk', attachDisk, { kind: 'small' })),
      table({
        caption: `Disks of ${id}`,
        rows: disks,
        rowKey: (d) => d.DiskId,
        empty: 'No disks.',
        columns: [
          { label: 'Disk', render: (d) => [link(`/disks/${d.DiskId}`, d.DiskName || d.DiskId), d.DiskName ? h('span', { class: 'sub mono' }, d.DiskId) : null] },
          { label: 'Use', render: (d) => (d.Type === 'system' ? 'System disk' : 'Data disk') },
          { label: 'Category', render: (d) => `${d.Category}${d.PerformanceLevel ? ` ${d.PerformanceLevel}` : ''}` },
          { label: 'Size', render: (d) => `${d.Size} GiB` },
          { label: 'Device', render: (d) => h('span', { class: 'mono' }, d.Device || '') },
          { label: 'Status', render: (d) => statusBadge(d.Status) },
          { label: 'Released with instance', render: (d) => yesNo(d.DeleteWithInstance) },
          { label: 'Actions', class: 'actions', render: (d) => [
            button('Snapshot', () => createSnapshot(d.DiskId), { kind: 'small', ariaLabel: `Create a snapshot of ${d.DiskId}` }),
            d.Type !== 'system' ? button('Detach', () => detachDisk(d), { kind: 'small', ariaLabel: `Detach ${d.DiskId}` }) : null,
          ] },
        ],
      }));
  }

  async function loadEnis() {
    let enis;
    try {
      enis = await pageAll('DescribeNetworkInterfaces', { InstanceId: id }, 'NetworkInterfaceSets.NetworkInterfaceSet');
    } catch (e) {
      if (!alive) return;
      clear(enisCard).append(h('h2', {}, 'Network interfaces'), h('p', { role: 'alert', class: 'callout callout-error' }, errorText(e)));
      return;
    }
    if (!alive) return;
    enis.sort((a, b) => (a.Type === 'Primary' ? -1 : b.Type === 'Primary' ? 1 : 0));
    clear(enisCard).append(h('h2', { id: 'sec-network-interfaces' }, 'Network interfaces', button('Attach ENI', attachEni, { kind: 'small' })),
      table({
        caption: `Network interfaces of ${id}`,
        rows: enis,
        rowKey: (n) => n.NetworkInterfaceId,
        empty: 'No network interfaces.',
        columns: [
          { label: 'Interface', render: (n) => [link(`/enis/${n.NetworkInterfaceId}`, n.NetworkInterfaceName || n.NetworkInterfaceId), n.NetworkInterfaceName ? h('span', { class: 'sub mono' }, n.NetworkInterfaceId) : null] },
          { label: 'Type', render: (n) => (n.Type === 'Primary' ? 'Primary' : 'Secondary') },
          { label: 'Private IPs', render: (n) => (((n.PrivateIpSets && n.PrivateIpSets.PrivateIpSet) || []).map((p) => p.PrivateIpAddress).join(', ') || n.PrivateIpAddress) },
          { label: 'MAC', render: (n) => h('span', { class: 'mono' }, n.MacAddress || '') },
          { label: 'vSwitch', render: (n) => n.VSwitchId },
          { label: 'Status', render: (n) => statusBadge(n.Status) },
          { label: 'Actions', class: 'actions', render: (n) => (n.Type === 'Primary' ? h('span', { class: 'muted' }, '—')
            : button('Detach', () => detachEni(n), { kind: 'small', ariaLabel: `Detach ${n.NetworkInterfaceId}` })) },
        ],
      }));
  }

  async function loadGroups() {
    const ids = (inst.SecurityGroupIds && inst.SecurityGroupIds.SecurityGroupId) || [];
    let groups = [];
    if (ids.length) {
      try {
        const res = await ecs('DescribeSecurityGroups', { SecurityGroupIds: JSON.stringify(ids), PageSize: 50 });
        groups = (res.SecurityGroups && res.SecurityGroups.SecurityGroup) || [];
      } catch (e) {
        groups = ids.map((g) => ({ SecurityGroupId: g }));
      }
    }
    if (!alive) return;
    clear(sgCard).append(h('h2', { id: 'sec-security-groups' }, 'Security groups'),
      table({
        caption: `Security groups of ${id}`,
        rows: groups,
        rowKey: (g) => g.SecurityGroupId,
        empty: 'In no security group.',
        columns: [
          { label: 'Group', render: (g) => [link(`/security-groups/${g.SecurityGroupId}`, g.SecurityGroupName || g.SecurityGroupId), g.SecurityGroupName ? h('span', { class: 'sub mono' }, g.SecurityGroupId) : null] },
          { label: 'Type', render: (g) => (g.SecurityGroupType === 'enterprise' ? 'Enterprise' : 'Basic') },
          { label: 'Description', render: (g) => g.Description || '' },
        ],
      }));
  }

  async function loadMonitor() {
    const end = new Date();
    const start = new Date(end.getTime() - 3600000);
    const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
    let points = [];
    try {
      const res = await ecs('DescribeInstanceMonitorData', { InstanceId: id, StartTime: iso(start), EndTime: iso(end), Period: 60 });
      points = ((res.MonitorData && res.MonitorData.InstanceMonitorData) || [])
        .filter((p) => p.CPU !== undefined && p.CPU !== null)
        .map((p) => ({ t: Date.parse(p.TimeStamp), v: Number(p.CPU) }))
        .filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v))
        .sort((a, b) => a.t - b.t);
    } catch (e) {
      if (!alive) return;
      clear(monitorCard).append(h('h2', {}, 'Monitoring'), h('p', { class: 'muted' }, `No monitoring data: ${errorText(e)}`));
      return;
    }
    if (!alive) return;
    clear(monitorCard).append(h('h2', { id: 'sec-monitoring' }, 'CPU utilisation, last hour', button('Refresh', loadMonitor, { kind: 'small', ariaLabel: 'Refresh the CPU chart' })),
      points.length ? lineChart(points, { label: 'CPU utilisation over the last hour', unit: '%', max: 100 })
        : h('p', { class: 'muted' }, 'No monitoring data yet. Points appear about a minute after the instance starts.'));
  }

  const pre = h('pre', { class: 'console-output', tabindex: '0', 'aria-label': 'Serial console output' });
  async function loadConsole() {
    const stamp = h('span', { class: 'muted help' });
    clear(consoleCard).append(h('h2', { id: 'sec-console-output' }, 'Console output',
      button('Refresh', loadConsole, { kind: 'small', ariaLabel: 'Refresh the console output' })), stamp, pre);
    pre.textContent = 'Loading…';
    try {
      const res = await ecs('GetInstanceConsoleOutput', { InstanceId: id, RemoveSymbols: true });
      if (!alive) return;
      const text = base64Text(res.ConsoleOutput);
      pre.textContent = text || '(The instance has written nothing to its serial console yet.)';
      stamp.textContent = res.LastUpdateTime ? `Last written ${fmtTime(res.LastUpdateTime)}.` : '';
      pre.scrollTop = pre.scrollHeight;
    } catch (e) {
      if (!alive) return;
      pre.textContent = `The console output could not be read. ${errorText(e)}`;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Actions

  async function rename() {
    const v = await formDialog({
      title: 'Rename instance',
      fields: [
        { name: 'InstanceName', label: 'Name', value: inst.InstanceName, required: true, help: '2 to 128 characters; starts with a letter.' },
        { name: 'Description', label: 'Description', type: 'textarea', value: inst.Description, rows: 2 },
      ],
      submitLabel: 'Save',
    });
    if (!v) return;
    try {
      await ecs('ModifyInstanceAttribute', { InstanceId: id, InstanceName: v.InstanceName, Description: v.Description });
      toast('Saved.', 'ok');
      await refresh();
    } catch (e) { toast(errorText(e), 'error'); }
  }

  async function resetPassword() {
    const running = inst.Status === 'Running';
    const v = await formDialog({
      title: 'Reset the instance password',
      text: 'The new password applies the next time the instance starts or restarts.',
      fields: [
        { name: 'Password', label: 'New password', type: 'password', required: true, help: act.PASSWORD_HELP },
        { name: 'Confirm', label: 'Confirm the password', type: 'password', required: true },
        running ? { name: 'Restart', label: 'Restart now so it takes effect', type: 'checkbox', value: false } : null,
      ].filter(Boolean),
      validate: (x) => act.passwordProblem(x.Password) || (x.Password !== x.Confirm ? 'The two passwords differ.' : null),
      submitLabel: 'Reset password',
    });
    if (!v) return;
    try {
      await ecs('ModifyInstanceAttribute', { InstanceId: id, Password: v.Password });
      if (v.Restart) {
        await ecs('RebootInstance', { InstanceId: id });
        toast('Password reset; the instance is restarting to apply it.', 'ok');
      } else {
        toast(running ? 'Password reset. It applies when the instance restarts.' : 'Password reset. It applies when the instance starts.', 'ok');
      }
      await refresh();
    } catch (e) { toast(errorText(e), 'error'); }
  }

  async function changeType() {
    let types;
    try {
      const res = await ecs('DescribeInstanceTypes', { MaxResults: 1600 });
      types = (res.InstanceTypes && res.InstanceTypes.InstanceType) || [];
    } catch (e) { toast(errorText(e), 'error'); return; }
    types = types.filter((t) => t.InstanceTypeId !== inst.InstanceType && !(t.GPUAmount > 0));
    types.sort((a, b) => a.CpuCoreCount - b.CpuCoreCount || a.MemorySize - b.MemorySize || a.InstanceTypeId.localeCompare(b.InstanceTypeId));
    const v = await formDialog({
      title: 'Change instance type',
      text: `Now: ${inst.InstanceType} (${inst.Cpu} vCPU, ${+(inst.Memory / 1024).toFixed(1)} GiB). The new type applies when the instance starts.`,
      fields: [{ name: 'InstanceType', label: 'New type', type: 'select', required: true,
        options: types.map((t) => ({ value: t.InstanceTypeId, label: `${t.InstanceTypeId} · ${t.CpuCoreCount} vCPU · ${t.MemorySize} GiB` })) }],
      submitLabel: 'Change type',
    });
    if (!v) return;
    try {
      await ecs('ModifyInstanceSpec', { InstanceId: id, InstanceType: v.InstanceType });
      toast(`The type is now ${v.InstanceType}.`, 'ok');
      await refresh();
    } catch (e) { toast(errorText(e), 'error'); }
  }

  async function attachDisk() {
    let free;
    try {
      free = await pageAll('DescribeDisks', { Status: 'Available', ZoneId: inst.ZoneId }, 'Disks.Disk');
    } catch (e) { toast(errorText(e), 'error'); return; }
    if (!free.length) {
      const href = linkIfRouted('/disks');
      await confirmDialog({
        title: 'No disk to attach',
        body: h('p', {}, `There is no unattached disk in zone ${inst.ZoneId}. `, href ? h('a', { href }, 'Create one on the Disks page') : 'Create one first', ', then attach it here.'),
        confirmLabel: 'OK',
      });
      return;
    }
    const v = await formDialog({
      title: 'Attach a disk',
      text: `Unattached disks in ${inst.ZoneId}.`,
      fields: [
        { name: 'DiskId', label: 'Disk', type: 'select', required: true, options: free.map((d) => ({ value: d.DiskId, label: `${d.DiskName ? `${d.DiskName} · ` : ''}${d.DiskId} · ${d.Size} GiB ${d.Category}` })) },
        { name: 'DeleteWithInstance', label: 'Release the disk with the instance', type: 'checkbox', value: false },
      ],
      submitLabel: 'Attach',
    });
    if (!v) return;
    try {
      await ecs('AttachDisk', { InstanceId: id, DiskId: v.DiskId, DeleteWithInstance: v.DeleteWithInstance ? true : undefined });
      toast(`Attaching ${v.DiskId}.`, 'ok');
      await loadDisks();
      setTimeout(() => { if (alive) loadDisks(); }, 2000);
    } catch (e) { toast(errorText(e), 'error'); }
  }

  async function detachDisk(d) {
    const ok = await confirmDialog({
      title: `Detach ${d.DiskName || d.DiskId}?`,
      text: `The disk is removed from ${act.nameOf(inst)} and kept (it becomes Available). Unmount it in the guest first to avoid losing data.`,
      confirmLabel: 'Detach',
    });
    if (!ok) return;
    try {
      await ecs('DetachDisk', { InstanceId: id, DiskId: d.DiskId });
      toast(`Detaching ${d.DiskId}.`, 'ok');
      await loadDisks();
      setTimeout(() => { if (alive) loadDisks(); }, 2000);
    } catch (e) { toast(errorText(e), 'error'); }
  }

  async function attachEni() {
    const vpcId = inst.VpcAttributes && inst.VpcAttributes.VpcId;
    let free;
    try {
      free = await pageAll('DescribeNetworkInterfaces', { Status: 'Available', VpcId: vpcId }, 'NetworkInterfaceSets.NetworkInterfaceSet');
    } catch (e) { toast(errorText(e), 'error'); return; }
    free = free.filter((n) => !n.ZoneId || n.ZoneId === inst.ZoneId);
    if (!free.length) {
      const href = linkIfRouted('/enis');
      await confirmDialog({
        title: 'No network interface to attach',
        body: h('p', {}, `There is no unattached ENI in ${vpcId || 'this VPC'} and zone ${inst.ZoneId}. `, href ? h('a', { href }, 'Create one on the ENI page') : 'Create one first', '.'),
        confirmLabel: 'OK',
      });
      return;
    }
    const v = await formDialog({
      title: 'Attach a network interface',
      fields: [{ name: 'NetworkInterfaceId', label: 'Network interface', type: 'select', required: true,
        options: free.map((n) => ({ value: n.NetworkInterfaceId, label: `${n.NetworkInterfaceName ? `${n.NetworkInterfaceName} · ` : ''}${n.NetworkInterfaceId} · ${n.PrivateIpAddress || ''}` })) }],
      submitLabel: 'Attach',
    });
    if (v) await changeEni('AttachNetworkInterface', 'Attaching', v.NetworkInterfaceId);
  }

  // Attach or detach an interface, then show the list now and again once the host acted.
  async function changeEni(action, verb, eniId) {
    try {
      await ecs(action, { InstanceId: id, NetworkInterfaceId: eniId });
      toast(`${verb} ${eniId}.`, 'ok');
      await loadEnis();
      setTimeout(() => { if (alive) loadEnis(); }, 2000);
    } catch (e) { toast(errorText(e), 'error'); }
  }

  async function detachEni(n) {
    const ok = await confirmDialog({ title: `Detach ${n.NetworkInterfaceId}?`, text: 'The interface is removed from the instance and kept.', confirmLabel: 'Detach' });
    if (ok) await changeEni('DetachNetworkInterface', 'Detaching', n.NetworkInterfaceId);
  }

  async function createSnapshot(diskId) {
    if (!disks.length) await loadDisks();
    const v = await formDialog({
      title: 'Create a snapshot',
      fields: [
        { name: 'DiskId', label: 'Disk', type: 'select', required: true, value: diskId || (disks[0] && disks[0].DiskId),
          options: disks.map((d) => ({ value: d.DiskId, label: `${d.Type === 'system' ? 'System disk' : 'Data disk'} · ${d.DiskId} · ${d.Size} GiB` })) },
        { name: 'SnapshotName', label: 'Snapshot name', placeholder: 'optional', help: '2 to 128 characters, starting with a letter; not "auto".' },
        { name: 'Description', label: 'Description', type: 'textarea', rows: 2 },
      ],
      submitLabel: 'Create snapshot',
    });
    if (!v) return;
    try {
      const res = await ecs('CreateSnapshot', { DiskId: v.DiskId, SnapshotName: v.SnapshotName, Description: v.Description });
      const href = linkIfRouted('/snapshots');
      toast(`Creating snapshot ${res.SnapshotId}${href ? ' (see Snapshots)' : ''}.`, 'ok');
    } catch (e) { toast(errorText(e), 'error'); }
  }

  async function createImage() {
    const v = await formDialog({
      title: 'Create a custom image',
      text: 'The image is made from snapshots of every disk of the instance. Stop the instance first for a consistent image.',
      fields: [
        { name: 'ImageName', label: 'Image name', required: true, help: '2 to 128 characters, starting with a letter.' },
        { name: 'Description', label: 'Description', type: 'textarea', rows: 2 },
      ],
      validate: (x) => (!/^[A-Za-z\u4e00-\u9fa5][\w.:\-\u4e00-\u9fa5]{1,127}$/.test(x.ImageName) ? 'The name must be 2 to 128 characters, start with a letter, and use letters, digits, "." ":" "_" or "-".' : null),
      submitLabel: 'Create image',
    });
    if (!v) return;
    try {
      const res = await ecs('CreateImage', { InstanceId: id, ImageName: v.ImageName, Description: v.Description });
      toast(`Creating image ${res.ImageId}.`, 'ok');
    } catch (e) { toast(errorText(e), 'error'); }
  }

  renderOverview();
  renderToolbar();
  await Promise.all([loadDisks(), loadEnis(), loadGroups(), loadMonitor(), loadConsole()]);
  if (alive && (act.TRANSITIONAL.has(inst.Status) || (inst.Status === 'Running' && health === 'Initializing'))) timer = setTimeout(refresh, REFRESH_MS);
}
