// console/js/pages/res-network.js — the Network pages: VPCs, vSwitches, route tables (and a
// route table's entries), elastic IP addresses and elastic network interfaces.
//
// Calls, VPC API (2016-04-28): DescribeVpcs, CreateVpc, DeleteVpc, DescribeVSwitches,
// CreateVSwitch, DeleteVSwitch, DescribeRouteTableList, ModifyRouteTableAttributes,
// DescribeRouteEntryList (NextToken paging), CreateRouteEntry, DeleteRouteEntry,
// DescribeEipAddresses, AllocateEipAddress, AssociateEipAddress, UnassociateEipAddress,
// ModifyEipAddressAttribute, ReleaseEipAddress.
// ECS API (2014-05-26): DescribeNetworkInterfaces, CreateNetworkInterface,
// AttachNetworkInterface, DetachNetworkInterface, DeleteNetworkInterface, and DescribeZones /
// DescribeInstances / DescribeSecurityGroups for the pickers.

import { call, pageAll } from '../api.js';
import { h, statusBadge, toast, confirmDialog, formDialog, errorText, describe, section } from '../ui.js';
import {
  listPage, idCell, timeCell, mono, listOf, rowButton, headButton, rowActions, linkButton, run, api,
  supported, isTransitional, hashQuery, uid, nameOr, zones, zoneOptions, vpcs, vswitches, instances,
  instanceOptions, securityGroups, parseCidr, cidrContains, cidrOverlaps, suggestSubnet,
} from './res-common.js';

const GROUP = 'Network';

function vpcLink(id) {
  return id ? h('a', { href: `#/vswitches?vpc=${encodeURIComponent(id)}`, class: 'mono', title: `vSwitches of ${id}` }, id) : '—';
}

function instanceLink(id) {
  return id ? h('a', { href: `#/instances/${encodeURIComponent(id)}`, class: 'mono' }, id) : '—';
}

// A <select> filter of VPCs for list pages: [{label node, select}]; onChange(vpcId|'').
function vpcFilter(initial, onChange) {
  const id = uid('vpcf');
  const select = h('select', { id }, h('option', { value: '' }, 'All VPCs'));
  if (initial) select.append(h('option', { value: initial, selected: true }, initial));
  select.addEventListener('change', () => onChange(select.value));
  vpcs().then((list) => {
    const current = select.value;
    while (select.options.length > 1) select.remove(1);
    for (const v of list) select.append(h('option', { value: v.VpcId, selected: v.VpcId === current }, nameOr(v.VpcId, v.VpcName)));
    if (current && !list.some((v) => v.VpcId === current)) select.append(h('option', { value: current, selected: true }, current));
  }).catch(() => { /* the filter keeps what it has */ });
  return { node: h('div', { class: 'res-filter' }, h('label', { for: id }, 'VPC'), select), select };
}

// ---------------------------------------------------------------------------------------------
// VPCs

function vpcsPage(container) {
  let ctl;
  const refresh = () => ctl.refresh();

  async function create(btn) {
    const v = await formDialog({
      title: 'Create VPC', submitLabel: 'Create VPC',
      fields: [
        { name: 'VpcName', label: 'Name', type: 'text', placeholder: 'prod-network' },
        { name: 'CidrBlock', label: 'IPv4 CIDR block', type: 'text', required: true, value: '192.168.0.0/16', help: 'Private ranges such as 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, or a part of one (prefix /8 to /28).' },
        { name: 'Description', label: 'Description', type: 'text' },
      ],
      validate: (x) => {
        const c = parseCidr(x.CidrBlock);
        if (!c) return 'Enter a CIDR block such as 192.168.0.0/16.';
        if (c.len < 8 || c.len > 28) return 'The prefix length is 8 to 28.';
        if (!c.exact) return 'The address has bits set past the prefix; use the block\'s first address.';
        return null;
      },
    });
    if (!v) return;
    await run(btn, () => call('vpc', 'CreateVpc', { VpcName: v.VpcName, CidrBlock: v.CidrBlock.trim(), Description: v.Description }), {
      success: (r) => `VPC ${r.VpcId} created.`, after: refresh,
    });
  }

  async function remove(btn, v) {
    const ok = await confirmDialog({
      title: `Delete VPC ${v.VpcId}?`, danger: true, confirmLabel: 'Delete VPC',
      text: `${nameOr(v.VpcId, v.VpcName)} is deleted. Delete its vSwitches, security groups and instances first.`,
    });
    if (!ok) return;
    await run(btn, () => call('vpc', 'DeleteVpc', { VpcId: v.VpcId }), { success: `VPC ${v.VpcId} deleted.`, after: refresh });
  }

  const vswitchIds = (v) => (v.VSwitchIds && v.VSwitchIds.VSwitchId) || [];
  const tableIds = (v) => (v.RouterTableIds && v.RouterTableIds.RouterTableIds) || [];

  ctl = listPage(container, {
    title: 'VPCs', noun: 'VPCs',
    subtitle: 'Virtual private clouds: isolated networks your instances live in.',
    actions: [headButton('Create VPC', (ev) => create(ev.currentTarget), { kind: 'primary' })],
    load: () => vpcs(),
    rowKey: (v) => v.VpcId,
    search: (v) => [v.VpcId, v.VpcName, v.CidrBlock],
    searchPlaceholder: 'VPC name, ID or CIDR',
    empty: 'No VPCs in this region yet. Create one to launch instances in.',
    transitional: (v) => isTransitional(v.Status),
    columns: [
      { label: 'VPC', render: (v) => idCell(v.VpcId, v.VpcName) },
      { label: 'Status', render: (v) => statusBadge(v.Status) },
      { label: 'CIDR block', render: (v) => mono(v.CidrBlock) },
      {
        label: 'vSwitches',
        render: (v) => h('a', { href: `#/vswitches?vpc=${encodeURIComponent(v.VpcId)}`, 'aria-label': `${vswitchIds(v).length} vSwitches in ${v.VpcId}` }, String(vswitchIds(v).length)),
      },
      { label: 'Route table', render: (v) => (tableIds(v).length ? listOf(tableIds(v).map((t) => h('a', { href: `#/route-tables/${encodeURIComponent(t)}`, class: 'mono' }, t))) : '—') },
      { label: 'Default', render: (v) => (v.IsDefault ? 'Yes' : 'No') },
      { label: 'Created', render: (v) => timeCell(v.CreationTime) },
      {
        label: 'Actions',
        render: (v) => rowActions(
          linkButton('vSwitches', `#/vswitches?vpc=${encodeURIComponent(v.VpcId)}`, { ariaLabel: `vSwitches of VPC ${v.VpcId}` }),
          linkButton('Security groups', `#/security-groups?vpc=${encodeURIComponent(v.VpcId)}`, { ariaLabel: `Security groups of VPC ${v.VpcId}` }),
          rowButton('Delete', (ev) => remove(ev.currentTarget, v), { kind: 'danger', ariaLabel: `Delete VPC ${v.VpcId}` })),
      },
    ],
  });
  return () => ctl.stop();
}

// ---------------------------------------------------------------------------------------------
// vSwitches

function vswitchesPage(container, params) {
  let ctl;
  let vpcId = hashQuery(params).get('vpc') || '';
  const refresh = () => ctl.refresh();
  const filter = vpcFilter(vpcId, (v) => {
    vpcId = v;
    history.replaceState(null, '', v ? `#/vswitches?vpc=${encodeURIComponent(v)}` : '#/vswitches');
    refresh();
  });

  async function create(btn) {
    let vpcList; let zoneList; let existing;
    try {
      [vpcList, zoneList, existing] = await Promise.all([vpcs(), zones(), vswitches()]);
    } catch (e) { toast(errorText(e), 'error'); return; }
    if (!vpcList.length) { toast('Create a VPC first: a vSwitch is a subnet of one.', 'info'); return; }
    const vpc = vpcList.find((v) => v.VpcId === vpcId) || vpcList[0];
    const usedIn = (id) => existing.filter((s) => s.VpcId === id).map((s) => s.CidrBlock);
    const v = await formDialog({
      title: 'Create vSwitch', submitLabel: 'Create vSwitch',
      fields: [
        { name: 'VpcId', label: 'VPC', type: 'select', required: true, value: vpc.VpcId, options: vpcList.map((x) => ({ value: x.VpcId, label: `${nameOr(x.VpcId, x.VpcName)} · ${x.CidrBlock}` })) },
        { name: 'ZoneId', label: 'Zone', type: 'select', required: true, options: zoneOptions(zoneList) },
        { name: 'VSwitchName', label: 'Name', type: 'text', placeholder: 'web-a' },
        { name: 'CidrBlock', label: 'IPv4 CIDR block', type: 'text', required: true, value: suggestSubnet(vpc.CidrBlock, usedIn(vpc.VpcId)), help: 'Inside the VPC\'s block, not overlapping its other vSwitches (prefix /16 to /29).' },
        { name: 'Description', label: 'Description', type: 'text' },
      ],
      validate: (x) => {
        const c = parseCidr(x.CidrBlock);
        const parent = vpcList.find((p) => p.VpcId === x.VpcId);
        if (!c) return 'Enter a CIDR block such as 192.168.1.0/24.';
        if (c.len < 16 || c.len > 29) return 'The prefix length is 16 to 29.';
        if (parent && !cidrContains(parseCidr(parent.CidrBlock), c)) return `The block must be inside the VPC's ${parent.CidrBlock}.`;
        const clash = existing.find((s) => s.VpcId === x.VpcId && cidrOverlaps(parseCidr(s.CidrBlock), c));
        if (clash) return `It overlaps vSwitch ${clash.VSwitchId} (${clash.CidrBlock}).`;
        return null;
      },
    });
    if (!v) return;
    await run(btn, () => call('vpc', 'CreateVSwitch', { VpcId: v.VpcId, ZoneId: v.ZoneId, VSwitchName: v.VSwitchName, CidrBlock: v.CidrBlock.trim(), Description: v.Description }), {
      success: (r) => `vSwitch ${r.VSwitchId} created.`, after: refresh,
    });
  }

  async function remove(btn, s) {
    const ok = await confirmDialog({
      title: `Delete vSwitch ${s.VSwitchId}?`, danger: true, confirmLabel: 'Delete vSwitch',
      text: `${nameOr(s.VSwitchId, s.VSwitchName)} (${s.CidrBlock}) is deleted. Instances and network interfaces in it must go first.`,
    });
    if (!ok) return;
    await run(btn, () => call('vpc', 'DeleteVSwitch', { VSwitchId: s.VSwitchId }), { success: `vSwitch ${s.VSwitchId} deleted.`, after: refresh });
  }

  ctl = listPage(container, {
    title: 'vSwitches', noun: 'vSwitches',
    subtitle: 'Subnets of a VPC in one zone; instances and network interfaces take their addresses from them.',
    actions: [headButton('Create vSwitch', (ev) => create(ev.currentTarget), { kind: 'primary' })],
    filters: filter.node,
    load: () => vswitches(vpcId ? { VpcId: vpcId } : {}),
    rowKey: (s) => s.VSwitchId,
    search: (s) => [s.VSwitchId, s.VSwitchName, s.CidrBlock],
    searchPlaceholder: 'vSwitch name, ID or CIDR',
    empty: () => (vpcId ? `VPC ${vpcId} has no vSwitches yet.` : 'No vSwitches in this region yet.'),
    transitional: (s) => isTransitional(s.Status),
    columns: [
      { label: 'vSwitch', render: (s) => idCell(s.VSwitchId, s.VSwitchName) },
      { label: 'Status', render: (s) => statusBadge(s.Status) },
      { label: 'VPC', render: (s) => vpcLink(s.VpcId) },
      { label: 'Zone', render: (s) => s.ZoneId },
      { label: 'CIDR block', render: (s) => mono(s.CidrBlock) },
      { label: 'Free addresses', render: (s) => String(s.AvailableIpAddressCount ?? '—') },
      {
        label: 'Route table',
        render: (s) => (s.RouteTable && s.RouteTable.RouteTableId
          ? h('a', { href: `#/route-tables/${encodeURIComponent(s.RouteTable.RouteTableId)}`, class: 'mono' }, s.RouteTable.RouteTableId) : '—'),
      },
      { label: 'Created', render: (s) => timeCell(s.CreationTime) },
      {
        label: 'Actions',
        render: (s) => rowActions(rowButton('Delete', (ev) => remove(ev.currentTarget, s), { kind: 'danger', ariaLabel: `Delete vSwitch ${s.VSwitchId}` })),
      },
    ],
  });
  return () => ctl.stop();
}

// ---------------------------------------------------------------------------------------------
// Route tables

function routeTables(params = {}) {
  return pageAll('DescribeRouteTableList', params, 'RouterTableList.RouterTableListType', 'vpc');
}

function routeTablesPage(container, params) {
  let ctl;
  let vpcId = hashQuery(params).get('vpc') || '';
  const refresh = () => ctl.refresh();
  const filter = vpcFilter(vpcId, (v) => {
    vpcId = v;
    history.replaceState(null, '', v ? `#/route-tables?vpc=${encodeURIComponent(v)}` : '#/route-tables');
    refresh();
  });

  async function edit(btn, t) {
    const v = await formDialog({
      title: `Edit route table ${t.RouteTableId}`, submitLabel: 'Save',
      fields: [
        { name: 'RouteTableName', label: 'Name', type: 'text', value: t.RouteTableName || '' },
        { name: 'Description', label: 'Description', type: 'text', value: t.Description || '' },
      ],
    });
    if (!v) return;
    await run(btn, () => api('vpc', 'ModifyRouteTableAttributes', { RouteTableId: t.RouteTableId, ...v }), {
      success: `Route table ${t.RouteTableId} saved.`, after: refresh,
    });
  }

  ctl = listPage(container, {
    title: 'Route tables', noun: 'route tables',
    subtitle: 'Each VPC has a system route table; add custom routes to send traffic through an instance or network interface.',
    filters: filter.node,
    load: () => routeTables(vpcId ? { VpcId: vpcId } : {}),
    rowKey: (t) => t.RouteTableId,
    search: (t) => [t.RouteTableId, t.RouteTableName, t.VpcId],
    searchPlaceholder: 'Route table name, ID or VPC',
    empty: 'No route tables: every VPC brings one.',
    transitional: (t) => isTransitional(t.Status),
    columns: [
      { label: 'Route table', render: (t) => idCell(t.RouteTableId, t.RouteTableName, `#/route-tables/${encodeURIComponent(t.RouteTableId)}`) },
      { label: 'Status', render: (t) => statusBadge(t.Status) },
      { label: 'VPC', render: (t) => vpcLink(t.VpcId) },
      { label: 'Type', render: (t) => t.RouteTableType || '—' },
      { label: 'vSwitches', render: (t) => listOf(((t.VSwitchIds && t.VSwitchIds.VSwitchId) || []).map((s) => h('span', { class: 'mono' }, s))) },
      { label: 'Created', render: (t) => timeCell(t.CreationTime) },
      {
        label: 'Actions',
        render: (t) => rowActions(
          linkButton('Routes', `#/route-tables/${encodeURIComponent(t.RouteTableId)}`, { ariaLabel: `Route entries of ${t.RouteTableId}` }),
          supported('vpc', 'ModifyRouteTableAttributes') ? rowButton('Edit', (ev) => edit(ev.currentTarget, t), { ariaLabel: `Edit route table ${t.RouteTableId}` }) : null),
      },
    ],
  });
  return () => ctl.stop();
}

async function routeEntries(tableId) {
  const out = [];
  let token = '';
  for (let i = 0; i < 200; i++) {
    const body = await call('vpc', 'DescribeRouteEntryList', { RouteTableId: tableId, MaxResult: 100, NextToken: token || undefined });
    out.push(...((body.RouteEntrys && body.RouteEntrys.RouteEntry) || []));
    token = body.NextToken;
    if (!token) break;
  }
  return out;
}

function hopsOf(e) {
  const hops = (e.NextHops && e.NextHops.NextHop) || [];
  return hops.length ? hops : (e.NextHopId ? [{ NextHopType: e.NextHopType, NextHopId: e.NextHopId }] : []);
}

function hopCell(e) {
  const hops = hopsOf(e).filter((x) => x.NextHopId || x.NextHopType);
  if (!hops.length) return e.Type === 'System' ? 'Local (VPC)' : '—';
  return listOf(hops.map((x) => h('span', {}, `${x.NextHopType || ''} `,
    x.NextHopType === 'Instance' ? instanceLink(x.NextHopId) : mono(x.NextHopId),
    x.Enabled === 0 ? ' (not present)' : '')));
}

function routeTablePage(container, params) {
  const tableId = params.id;
  let ctl;
  let table = null;
  const refresh = () => ctl.refresh();
  const info = h('div', { class: 'res-detail' }, h('p', { class: 'loading', role: 'status' }, 'Loading…'));

  async function loadTable() {
    const list = await routeTables({ RouteTableId: tableId });
    table = list.find((t) => t.RouteTableId === tableId) || null;
    info.replaceChildren(table
      ? section('Route table', describe([
        ['ID', mono(table.RouteTableId)],
        ['Name', table.RouteTableName],
        ['VPC', vpcLink(table.VpcId)],
        ['Type', table.RouteTableType],
        ['vSwitches', listOf(((table.VSwitchIds && table.VSwitchIds.VSwitchId) || []).map((s) => h('span', { class: 'mono' }, s)))],
        ['Created', timeCell(table.CreationTime)],
      ]))
      : h('div', { class: 'callout callout-error', role: 'alert' }, `Route table ${tableId} was not found in this region.`));
  }

  async function add(btn) {
    if (!table) { toast(`Route table ${tableId} was not found.`, 'error'); return; }
    let hops = [];
    try {
      const [insts, enis] = await Promise.all([
        instances({ VpcId: table.VpcId }),
        pageAll('DescribeNetworkInterfaces', { VpcId: table.VpcId }, 'NetworkInterfaceSets.NetworkInterfaceSet', 'ecs'),
      ]);
      hops = [
        ...insts.map((i) => ({ value: `Instance|${i.InstanceId}`, label: `Instance ${nameOr(i.InstanceId, i.InstanceName)}` })),
        ...enis.filter((n) => n.Type !== 'Primary').map((n) => ({ value: `NetworkInterface|${n.NetworkInterfaceId}`, label: `Network interface ${nameOr(n.NetworkInterfaceId, n.NetworkInterfaceName)} · ${n.PrivateIpAddress || ''}` })),
      ];
    } catch (e) { toast(errorText(e), 'error'); return; }
    if (!hops.length) { toast(`VPC ${table.VpcId} has no instance or secondary network interface to route through.`, 'info'); return; }
    const v = await formDialog({
      title: `Add a route to ${tableId}`, submitLabel: 'Add route',
      fields: [
        { name: 'DestinationCidrBlock', label: 'Destination CIDR block', type: 'text', required: true, placeholder: '0.0.0.0/0', help: 'Traffic to this block goes to the next hop (0.0.0.0/0: everything else).' },
        { name: 'hop', label: 'Next hop', type: 'select', required: true, options: hops },
        { name: 'RouteEntryName', label: 'Name', type: 'text' },
        { name: 'Description', label: 'Description', type: 'text' },
      ],
      validate: (x) => {
        const c = parseCidr(x.DestinationCidrBlock);
        if (!c) return 'Enter a CIDR block such as 10.0.0.0/8 or 0.0.0.0/0.';
        if (!c.exact) return 'The address has bits set past the prefix; use the block\'s first address.';
        return null;
      },
    });
    if (!v) return;
    const [type, id] = v.hop.split('|');
    await run(btn, () => call('vpc', 'CreateRouteEntry', {
      RouteTableId: tableId, DestinationCidrBlock: v.DestinationCidrBlock.trim(), NextHopType: type, NextHopId: id,
      RouteEntryName: v.RouteEntryName, Description: v.Description,
    }), { success: `Route to ${v.DestinationCidrBlock.trim()} added.`, after: refresh });
  }

  async function remove(btn, e) {
    const ok = await confirmDialog({
      title: `Delete the route to ${e.DestinationCidrBlock}?`, danger: true, confirmLabel: 'Delete route',
      text: 'Traffic to this block follows the remaining routes at once.',
    });
    if (!ok) return;
    const hop = hopsOf(e)[0] || {};
    await run(btn, () => call('vpc', 'DeleteRouteEntry', {
      RouteTableId: tableId, RouteEntryId: e.RouteEntryId, DestinationCidrBlock: e.DestinationCidrBlock, NextHopId: hop.NextHopId,
    }), { success: `Route to ${e.DestinationCidrBlock} deleted.`, after: refresh });
  }

  ctl = listPage(container, {
    title: `Route table ${tableId}`,
    noun: 'route entries',
    back: { href: '#/route-tables', label: 'Route tables' },
    actions: [headButton('Add route', (ev) => add(ev.currentTarget), { kind: 'primary' })],
    before: info,
    caption: 'Route entries',
    load: async () => {
      const [entries] = await Promise.all([routeEntries(tableId), loadTable().catch((e) => {
        info.replaceChildren(h('div', { class: 'callout callout-error', role: 'alert' }, errorText(e)));
      })]);
      return entries;
    },
    rowKey: (e) => e.RouteEntryId || e.DestinationCidrBlock,
    search: (e) => [e.DestinationCidrBlock, e.RouteEntryName, e.RouteEntryId, ...hopsOf(e).map((x) => x.NextHopId)],
    searchPlaceholder: 'Destination, name or next hop',
    empty: 'No route entries.',
    transitional: (e) => isTransitional(e.Status),
    columns: [
      { label: 'Destination', render: (e) => mono(e.DestinationCidrBlock) },
      { label: 'Next hop', render: hopCell },
      { label: 'Type', render: (e) => e.Type || '—' },
      { label: 'Status', render: (e) => statusBadge(e.Status) },
      { label: 'Name', render: (e) => e.RouteEntryName || '—' },
      { label: 'Description', render: (e) => e.Description || '—' },
      {
        label: 'Actions',
        render: (e) => (e.Type === 'Custom'
          ? rowActions(rowButton('Delete', (ev) => remove(ev.currentTarget, e), { kind: 'danger', ariaLabel: `Delete the route to ${e.DestinationCidrBlock}` }))
          : '—'),
      },
    ],
  });
  return () => ctl.stop();
}

// ---------------------------------------------------------------------------------------------
// Elastic IP addresses

const CHARGE = { PayByTraffic: 'By traffic', PayByBandwidth: 'By bandwidth' };

function eipsPage(container) {
  let ctl;
  const refresh = () => ctl.refresh();

  async function allocate(btn) {
    const v = await formDialog({
      title: 'Allocate an elastic IP address', submitLabel: 'Allocate',
      fields: [
        { name: 'Name', label: 'Name', type: 'text' },
        { name: 'Bandwidth', label: 'Bandwidth (Mbit/s)', type: 'number', required: true, min: 1, max: 200, step: 1, value: 5 },
        { name: 'InternetChargeType', label: 'Billing', type: 'select', value: 'PayByTraffic', options: [{ value: 'PayByTraffic', label: 'By traffic' }, { value: 'PayByBandwidth', label: 'By bandwidth' }] },
        { name: 'Description', label: 'Description', type: 'text' },
      ],
      validate: (x) => (!Number.isInteger(x.Bandwidth) || x.Bandwidth < 1 || x.Bandwidth > 200 ? 'Bandwidth is 1 to 200 Mbit/s.' : null),
    });
    if (!v) return;
    await run(btn, () => call('vpc', 'AllocateEipAddress', { Name: v.Name, Bandwidth: v.Bandwidth, InternetChargeType: v.InternetChargeType, Description: v.Description }), {
      success: (r) => `Allocated ${r.EipAddress || r.AllocationId}.`, after: refresh,
    });
  }

  async function associate(btn, e) {
    let targets = [];
    try {
      // An instance with a static public address or an EIP already cannot take another.
      const hasPublic = (i) => ((i.PublicIpAddress && i.PublicIpAddress.IpAddress) || []).length > 0
        || Boolean(i.EipAddress && (i.EipAddress.IpAddress || i.EipAddress.AllocationId));
      targets = (await instances())
        .filter((i) => (i.Status === 'Running' || i.Status === 'Stopped') && (i.InstanceNetworkType || 'vpc') === 'vpc' && !hasPublic(i))
        .map((i) => ({ value: i.InstanceId, label: `${nameOr(i.InstanceId, i.InstanceName)} · ${i.Status}` }));
    } catch (err) { toast(errorText(err), 'error'); return; }
    if (!targets.length) { toast('No running or stopped instance without a public address to bind it to.', 'info'); return; }
    const v = await formDialog({
      title: `Bind ${e.IpAddress || e.AllocationId}`, submitLabel: 'Bind',
      text: 'The address is NATed to the instance\'s primary private address. Instances that already have a public address are not listed.',
      fields: [{ name: 'InstanceId', label: 'Instance', type: 'select', required: true, options: targets }],
    });
    if (!v) return;
    await run(btn, () => call('vpc', 'AssociateEipAddress', { AllocationId: e.AllocationId, InstanceId: v.InstanceId, InstanceType: 'EcsInstance' }), {
      success: `Binding ${e.IpAddress} to ${v.InstanceId}.`, after: refresh,
    });
  }

  async function unassociate(btn, e) {
    const ok = await confirmDialog({
      title: `Unbind ${e.IpAddress}?`, confirmLabel: 'Unbind',
      text: `${e.InstanceId} loses this public address; connections to it break.`,
    });
    if (!ok) return;
    await run(btn, () => call('vpc', 'UnassociateEipAddress', { AllocationId: e.AllocationId, InstanceId: e.InstanceId, InstanceType: e.InstanceType }), {
      success: `Unbinding ${e.IpAddress}.`, after: refresh,
    });
  }

  async function edit(btn, e) {
    const v = await formDialog({
      title: `Edit ${e.IpAddress || e.AllocationId}`, submitLabel: 'Save',
      fields: [
        { name: 'Name', label: 'Name', type: 'text', value: e.Name || '' },
        { name: 'Bandwidth', label: 'Bandwidth (Mbit/s)', type: 'number', min: 1, max: 200, step: 1, value: Number(e.Bandwidth) || 5 },
        { name: 'Description', label: 'Description', type: 'text', value: e.Description || '' },
      ],
      validate: (x) => (!Number.isInteger(x.Bandwidth) || x.Bandwidth < 1 || x.Bandwidth > 200 ? 'Bandwidth is 1 to 200 Mbit/s.' : null),
    });
    if (!v) return;
    await run(btn, () => api('vpc', 'ModifyEipAddressAttribute', {
      AllocationId: e.AllocationId, Name: v.Name, Description: v.Description,
      Bandwidth: String(v.Bandwidth) !== String(e.Bandwidth) ? v.Bandwidth : undefined,
    }), { success: `${e.IpAddress} saved.`, after: refresh });
  }

  async function release(btn, e) {
    const ok = await confirmDialog({
      title: `Release ${e.IpAddress}?`, danger: true, confirmLabel: 'Release',
      text: 'The address goes back to the pool; you may not get it again.',
    });
    if (!ok) return;
    await run(btn, () => call('vpc', 'ReleaseEipAddress', { AllocationId: e.AllocationId }), { success: `${e.IpAddress} released.`, after: refresh });
  }

  ctl = listPage(container, {
    title: 'Elastic IP addresses', noun: 'EIPs',
    subtitle: 'Public addresses you own and bind to instances.',
    actions: [headButton('Allocate EIP', (ev) => allocate(ev.currentTarget), { kind: 'primary' })],
    load: () => pageAll('DescribeEipAddresses', {}, 'EipAddresses.EipAddress', 'vpc'),
    rowKey: (e) => e.AllocationId,
    search: (e) => [e.AllocationId, e.Name, e.IpAddress, e.InstanceId],
    searchPlaceholder: 'Address, name, ID or instance',
    empty: 'No elastic IP addresses. Allocate one to give an instance a public address you keep.',
    transitional: (e) => isTransitional(e.Status),
    columns: [
      { label: 'EIP', render: (e) => idCell(e.AllocationId, e.Name) },
      { label: 'Address', render: (e) => mono(e.IpAddress) },
      { label: 'Status', render: (e) => statusBadge(e.Status) },
      { label: 'Bandwidth', render: (e) => `${e.Bandwidth} Mbit/s` },
      { label: 'Billing', render: (e) => CHARGE[e.InternetChargeType] || e.InternetChargeType || '—' },
      {
        label: 'Bound to',
        render: (e) => (e.InstanceId ? h('span', {}, e.InstanceType === 'EcsInstance' ? instanceLink(e.InstanceId) : mono(e.InstanceId),
          e.InstanceType && e.InstanceType !== 'EcsInstance' ? ` (${e.InstanceType})` : '') : '—'),
      },
      { label: 'Allocated', render: (e) => timeCell(e.AllocationTime) },
      {
        label: 'Actions',
        render: (e) => {
          const b = [];
          if (e.Status === 'Available') b.push(rowButton('Bind', (ev) => associate(ev.currentTarget, e), { ariaLabel: `Bind EIP ${e.IpAddress}` }));
          if (e.Status === 'InUse') b.push(rowButton('Unbind', (ev) => unassociate(ev.currentTarget, e), { ariaLabel: `Unbind EIP ${e.IpAddress}` }));
          if (!isTransitional(e.Status) && supported('vpc', 'ModifyEipAddressAttribute')) b.push(rowButton('Edit', (ev) => edit(ev.currentTarget, e), { ariaLabel: `Edit EIP ${e.IpAddress}` }));
          if (e.Status === 'Available') b.push(rowButton('Release', (ev) => release(ev.currentTarget, e), { kind: 'danger', ariaLabel: `Release EIP ${e.IpAddress}` }));
          return b.length ? rowActions(...b) : '—';
        },
      },
    ],
  });
  return () => ctl.stop();
}

// ---------------------------------------------------------------------------------------------
// Elastic network interfaces

function enisPage(container) {
  let ctl;
  const refresh = () => ctl.refresh();

  async function create(btn) {
    let vsws; let groups;
    try {
      [vsws, groups] = await Promise.all([vswitches(), securityGroups()]);
    } catch (e) { toast(errorText(e), 'error'); return; }
    if (!vsws.length) { toast('Create a vSwitch first: a network interface takes its address from one.', 'info'); return; }
    if (!groups.length) { toast('Create a security group first.', 'info'); return; }
    const v = await formDialog({
      title: 'Create network interface', submitLabel: 'Create',
      fields: [
        { name: 'NetworkInterfaceName', label: 'Name', type: 'text' },
        { name: 'VSwitchId', label: 'vSwitch', type: 'select', required: true, options: vsws.map((s) => ({ value: s.VSwitchId, label: `${nameOr(s.VSwitchId, s.VSwitchName)} · ${s.ZoneId} · ${s.CidrBlock} · ${s.VpcId}` })) },
        { name: 'SecurityGroupId', label: 'Security group', type: 'select', required: true, options: groups.map((g) => ({ value: g.SecurityGroupId, label: `${nameOr(g.SecurityGroupId, g.SecurityGroupName)} · ${g.VpcId}` })), help: 'In the same VPC as the vSwitch.' },
        { name: 'PrimaryIpAddress', label: 'Private IP address (optional)', type: 'text', help: 'Empty: the next free address of the vSwitch.' },
        { name: 'Description', label: 'Description', type: 'text' },
      ],
      validate: (x) => {
        const s = vsws.find((y) => y.VSwitchId === x.VSwitchId);
        const g = groups.find((y) => y.SecurityGroupId === x.SecurityGroupId);
        if (s && g && g.VpcId && s.VpcId !== g.VpcId) return `The security group is in ${g.VpcId}, the vSwitch in ${s.VpcId}: pick both in one VPC.`;
        const ip = x.PrimaryIpAddress.trim();
        if (ip) {
          const c = parseCidr(`${ip}/32`);
          if (!c) return 'Enter an IPv4 address such as 192.168.1.20, or leave it empty.';
          if (s && !cidrContains(parseCidr(s.CidrBlock), c)) return `The address must be inside the vSwitch's ${s.CidrBlock}.`;
        }
        return null;
      },
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'CreateNetworkInterface', {
      NetworkInterfaceName: v.NetworkInterfaceName, VSwitchId: v.VSwitchId, SecurityGroupId: v.SecurityGroupId,
      PrimaryIpAddress: v.PrimaryIpAddress.trim(), Description: v.Description,
    }), { success: (r) => `Network interface ${r.NetworkInterfaceId} created.`, after: refresh });
  }

  async function attach(btn, n) {
    let list;
    try {
      list = (await instances({ VpcId: n.VpcId, ZoneId: n.ZoneId })).filter((i) => i.Status === 'Running' || i.Status === 'Stopped');
    } catch (e) { toast(errorText(e), 'error'); return; }
    if (!list.length) { toast(`No running or stopped instance in ${n.VpcId}, zone ${n.ZoneId}.`, 'info'); return; }
    const v = await formDialog({
      title: `Attach ${n.NetworkInterfaceId}`, submitLabel: 'Attach',
      text: `Instances in the interface's VPC and zone (${n.ZoneId}). A running guest sees the new NIC at once.`,
      fields: [{ name: 'InstanceId', label: 'Instance', type: 'select', required: true, options: instanceOptions(list) }],
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'AttachNetworkInterface', { NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: v.InstanceId }), {
      success: `Attaching ${n.NetworkInterfaceId} to ${v.InstanceId}.`, after: refresh,
    });
  }

  async function detach(btn, n) {
    const inst = n.InstanceId || (n.Attachment && n.Attachment.InstanceId);
    const ok = await confirmDialog({
      title: `Detach ${n.NetworkInterfaceId}?`, confirmLabel: 'Detach',
      text: `The interface leaves ${inst}; traffic through ${n.PrivateIpAddress || 'it'} stops.`,
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DetachNetworkInterface', { NetworkInterfaceId: n.NetworkInterfaceId, InstanceId: inst }), {
      success: `Detaching ${n.NetworkInterfaceId}.`, after: refresh,
    });
  }

  async function remove(btn, n) {
    const ok = await confirmDialog({
      title: `Delete ${n.NetworkInterfaceId}?`, danger: true, confirmLabel: 'Delete',
      text: `${nameOr(n.NetworkInterfaceId, n.NetworkInterfaceName)} and its private addresses are released.`,
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DeleteNetworkInterface', { NetworkInterfaceId: n.NetworkInterfaceId }), {
      success: `Network interface ${n.NetworkInterfaceId} deleted.`, after: refresh,
    });
  }

  const secondaryIps = (n) => ((n.PrivateIpSets && n.PrivateIpSets.PrivateIpSet) || []).filter((p) => !p.Primary).map((p) => p.PrivateIpAddress);

  ctl = listPage(container, {
    title: 'Network interfaces', noun: 'network interfaces',
    subtitle: 'Elastic network interfaces (ENIs): every instance has a primary one; secondary ones move between instances.',
    actions: [headButton('Create network interface', (ev) => create(ev.currentTarget), { kind: 'primary' })],
    load: () => pageAll('DescribeNetworkInterfaces', {}, 'NetworkInterfaceSets.NetworkInterfaceSet', 'ecs'),
    rowKey: (n) => n.NetworkInterfaceId,
    search: (n) => [n.NetworkInterfaceId, n.NetworkInterfaceName, n.PrivateIpAddress, n.InstanceId, n.MacAddress],
    searchPlaceholder: 'Name, ID, address or instance',
    empty: 'No network interfaces yet.',
    transitional: (n) => isTransitional(n.Status),
    columns: [
      { label: 'Network interface', render: (n) => idCell(n.NetworkInterfaceId, n.NetworkInterfaceName) },
      { label: 'Status', render: (n) => statusBadge(n.Status) },
      { label: 'Type', render: (n) => n.Type || '—' },
      { label: 'Private IP', render: (n) => h('span', {}, mono(n.PrivateIpAddress), secondaryIps(n).length ? ` +${secondaryIps(n).length}` : '') },
      { label: 'Public IP', render: (n) => mono(n.AssociatedPublicIp && n.AssociatedPublicIp.PublicIpAddress) },
      { label: 'vSwitch / zone', render: (n) => h('span', {}, mono(n.VSwitchId), ` ${n.ZoneId || ''}`) },
      { label: 'VPC', render: (n) => vpcLink(n.VpcId) },
      { label: 'Instance', render: (n) => instanceLink(n.InstanceId || (n.Attachment && n.Attachment.InstanceId)) },
      { label: 'Security groups', render: (n) => listOf(((n.SecurityGroupIds && n.SecurityGroupIds.SecurityGroupId) || []).map((g) => h('a', { href: `#/security-groups/${encodeURIComponent(g)}`, class: 'mono' }, g))) },
      { label: 'MAC', render: (n) => mono(n.MacAddress) },
      { label: 'Created', render: (n) => timeCell(n.CreationTime) },
      {
        label: 'Actions',
        render: (n) => {
          if (n.Type === 'Primary') return h('span', { class: 'muted' }, 'Goes with its instance');
          const b = [];
          if (n.Status === 'Available') {
            b.push(rowButton('Attach', (ev) => attach(ev.currentTarget, n), { ariaLabel: `Attach network interface ${n.NetworkInterfaceId}` }));
            b.push(rowButton('Delete', (ev) => remove(ev.currentTarget, n), { kind: 'danger', ariaLabel: `Delete network interface ${n.NetworkInterfaceId}` }));
          }
          if (n.Status === 'InUse') b.push(rowButton('Detach', (ev) => detach(ev.currentTarget, n), { ariaLabel: `Detach network interface ${n.NetworkInterfaceId}` }));
          return b.length ? rowActions(...b) : '—';
        },
      },
    ],
  });
  return () => ctl.stop();
}

export function register(registerPage) {
  registerPage('/vpcs', { title: 'VPCs', nav: 'VPCs', group: GROUP, render: vpcsPage });
  registerPage('/vswitches', { title: 'vSwitches', nav: 'vSwitches', group: GROUP, render: vswitchesPage });
  registerPage('/route-tables', { title: 'Route tables', nav: 'Route tables', group: GROUP, render: routeTablesPage });
  registerPage('/route-tables/:id', { title: 'Route table', nav: null, group: GROUP, render: routeTablePage });
  registerPage('/eips', { title: 'Elastic IP addresses', nav: 'Elastic IPs', group: GROUP, render: eipsPage });
  registerPage('/enis', { title: 'Network interfaces', nav: 'Network interfaces', group: GROUP, render: enisPage });
}
