// console/js/pages/res-security.js — the Security pages: security groups, a security group's
// rule editor (inbound and outbound rules, add with presets, delete), and SSH key pairs.
//
// Calls (ECS 2014-05-26): DescribeSecurityGroups, CreateSecurityGroup,
// ModifySecurityGroupAttribute, DeleteSecurityGroup, DescribeSecurityGroupAttribute
// (Direction=all), AuthorizeSecurityGroup / AuthorizeSecurityGroupEgress (Permissions.1.*),
// RevokeSecurityGroup / RevokeSecurityGroupEgress (SecurityGroupRuleId.1, or the rule's
// fields when a rule has no id), DescribeKeyPairs, CreateKeyPair, ImportKeyPair,
// DeleteKeyPairs (KeyPairNames = a JSON list), and DescribeVpcs for the VPC pickers.

import { call, pageAll } from '../api.js';
import { h, clear, statusBadge, toast, confirmDialog, formDialog, errorText, describe, section, table, page } from '../ui.js';
import {
  listPage, idCell, timeCell, mono, rowButton, headButton, rowActions, linkButton, run, api, supported,
  hashQuery, uid, nameOr, vpcs, securityGroups, infoDialog, parseCidr,
} from './res-common.js';

const GROUP = 'Security';

// ---------------------------------------------------------------------------------------------
// Security groups

function groupsPage(container, params) {
  let ctl;
  let vpcId = hashQuery(params).get('vpc') || '';
  const refresh = () => ctl.refresh();

  const filterId = uid('vpcf');
  const vpcSelect = h('select', { id: filterId }, h('option', { value: '' }, 'All VPCs'),
    vpcId ? h('option', { value: vpcId, selected: true }, vpcId) : null);
  vpcSelect.addEventListener('change', () => {
    vpcId = vpcSelect.value;
    history.replaceState(null, '', vpcId ? `#/security-groups?vpc=${encodeURIComponent(vpcId)}` : '#/security-groups');
    refresh();
  });
  vpcs().then((list) => {
    const current = vpcSelect.value;
    while (vpcSelect.options.length > 1) vpcSelect.remove(1);
    for (const v of list) vpcSelect.append(h('option', { value: v.VpcId, selected: v.VpcId === current }, nameOr(v.VpcId, v.VpcName)));
  }).catch(() => {});

  async function create(btn) {
    let vpcList;
    try { vpcList = await vpcs(); } catch (e) { toast(errorText(e), 'error'); return; }
    if (!vpcList.length) { toast('Create a VPC first: a security group belongs to one.', 'info'); return; }
    const v = await formDialog({
      title: 'Create security group', submitLabel: 'Create',
      text: 'A new group lets its members reach each other and allows all outbound traffic; add inbound rules afterwards.',
      fields: [
        { name: 'VpcId', label: 'VPC', type: 'select', required: true, value: vpcId || vpcList[0].VpcId, options: vpcList.map((x) => ({ value: x.VpcId, label: `${nameOr(x.VpcId, x.VpcName)} · ${x.CidrBlock}` })) },
        { name: 'SecurityGroupName', label: 'Name', type: 'text', placeholder: 'web-servers' },
        { name: 'Description', label: 'Description', type: 'text' },
        { name: 'SecurityGroupType', label: 'Type', type: 'select', value: 'normal', options: [{ value: 'normal', label: 'Basic' }, { value: 'enterprise', label: 'Advanced (enterprise)' }] },
      ],
    });
    if (!v) return;
    const r = await run(btn, () => call('ecs', 'CreateSecurityGroup', v), {
      success: (x) => `Security group ${x.SecurityGroupId} created. Add its rules now.`,
    });
    if (r && r.SecurityGroupId) location.hash = `#/security-groups/${encodeURIComponent(r.SecurityGroupId)}`;
  }

  async function edit(btn, g) {
    const v = await formDialog({
      title: `Edit security group ${g.SecurityGroupId}`, submitLabel: 'Save',
      fields: [
        { name: 'SecurityGroupName', label: 'Name', type: 'text', value: g.SecurityGroupName || '' },
        { name: 'Description', label: 'Description', type: 'text', value: g.Description || '' },
      ],
    });
    if (!v) return;
    await run(btn, () => api('ecs', 'ModifySecurityGroupAttribute', { SecurityGroupId: g.SecurityGroupId, ...v }), {
      success: `Security group ${g.SecurityGroupId} saved.`, after: refresh,
    });
  }

  async function remove(btn, g) {
    const ok = await confirmDialog({
      title: `Delete security group ${g.SecurityGroupId}?`, danger: true, confirmLabel: 'Delete',
      text: `${nameOr(g.SecurityGroupId, g.SecurityGroupName)} and its rules are deleted. Instances and interfaces must leave it first, and no other group's rule may name it.`,
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DeleteSecurityGroup', { SecurityGroupId: g.SecurityGroupId }), {
      success: `Security group ${g.SecurityGroupId} deleted.`, after: refresh,
    });
  }

  ctl = listPage(container, {
    title: 'Security groups', noun: 'security groups',
    subtitle: 'Stateful firewalls around instances: which traffic may come in and go out.',
    actions: [headButton('Create security group', (ev) => create(ev.currentTarget), { kind: 'primary' })],
    filters: h('div', { class: 'res-filter' }, h('label', { for: filterId }, 'VPC'), vpcSelect),
    load: () => securityGroups(vpcId ? { VpcId: vpcId } : {}),
    rowKey: (g) => g.SecurityGroupId,
    search: (g) => [g.SecurityGroupId, g.SecurityGroupName, g.Description],
    searchPlaceholder: 'Group name, ID or description',
    empty: () => (vpcId ? `VPC ${vpcId} has no security groups.` : 'No security groups yet. Create one before launching instances.'),
    columns: [
      { label: 'Security group', render: (g) => idCell(g.SecurityGroupId, g.SecurityGroupName, `#/security-groups/${encodeURIComponent(g.SecurityGroupId)}`) },
      { label: 'VPC', render: (g) => (g.VpcId ? h('a', { href: `#/vswitches?vpc=${encodeURIComponent(g.VpcId)}`, class: 'mono' }, g.VpcId) : '—') },
      { label: 'Type', render: (g) => (g.SecurityGroupType === 'enterprise' ? 'Advanced' : 'Basic') },
      { label: 'Rules', render: (g) => String(g.RuleCount ?? '—') },
      { label: 'Instances', render: (g) => String(g.EcsCount ?? '—') },
      { label: 'Description', render: (g) => g.Description || '—' },
      { label: 'Created', render: (g) => timeCell(g.CreationTime) },
      {
        label: 'Actions',
        render: (g) => rowActions(
          linkButton('Rules', `#/security-groups/${encodeURIComponent(g.SecurityGroupId)}`, { ariaLabel: `Edit the rules of security group ${g.SecurityGroupId}` }),
          supported('ecs', 'ModifySecurityGroupAttribute') ? rowButton('Edit', (ev) => edit(ev.currentTarget, g), { ariaLabel: `Edit security group ${g.SecurityGroupId}` }) : null,
          rowButton('Delete', (ev) => remove(ev.currentTarget, g), { kind: 'danger', ariaLabel: `Delete security group ${g.SecurityGroupId}` })),
      },
    ],
  });
  return () => ctl.stop();
}

// ---------------------------------------------------------------------------------------------
// The rule editor

const PRESETS = [
  { label: 'SSH (22)', protocol: 'tcp', ports: '22/22', description: 'SSH' },
  { label: 'HTTP (80)', protocol: 'tcp', ports: '80/80', description: 'HTTP' },
  { label: 'HTTPS (443)', protocol: 'tcp', ports: '443/443', description: 'HTTPS' },
  { label: 'RDP (3389)', protocol: 'tcp', ports: '3389/3389', description: 'Remote desktop' },
  { label: 'Ping (ICMP)', protocol: 'icmp', ports: '-1/-1', description: 'Ping' },
  { label: 'All traffic', protocol: 'all', ports: '-1/-1', description: 'All traffic' },
];
const PROTOCOLS = [
  { value: 'tcp', label: 'TCP' }, { value: 'udp', label: 'UDP' }, { value: 'icmp', label: 'ICMP' },
  { value: 'gre', label: 'GRE' }, { value: 'all', label: 'All' },
];
const PORTLESS = new Set(['icmp', 'gre', 'all']);

// '22' → '22/22'; '8000-8080' → '8000/8080'; returns [normalised, problem].
function normalisePorts(protocol, text) {
  if (PORTLESS.has(protocol)) return ['-1/-1', null];
  const t = String(text || '').trim().replace(/\s+/g, '');
  const m = /^(\d{1,5})(?:[/-](\d{1,5}))?$/.exec(t);
  if (!m) return [t, 'Enter a port (22) or a range (8000/8080).'];
  const a = Number(m[1]);
  const b = m[2] === undefined ? a : Number(m[2]);
  if (a < 1 || b > 65535 || a > b) return [t, 'Ports are 1 to 65535, the first not above the last.'];
  return [`${a}/${b}`, null];
}

function peerOf(r, direction) {
  if (direction === 'ingress') {
    if (r.SourceGroupId) return h('a', { href: `#/security-groups/${encodeURIComponent(r.SourceGroupId)}`, class: 'mono' }, r.SourceGroupId);
    return mono(r.SourceCidrIp || r.Ipv6SourceCidrIp || r.SourcePrefixListId);
  }
  if (r.DestGroupId) return h('a', { href: `#/security-groups/${encodeURIComponent(r.DestGroupId)}`, class: 'mono' }, r.DestGroupId);
  return mono(r.DestCidrIp || r.Ipv6DestCidrIp || r.DestPrefixListId);
}

function ruleLabel(r, direction) {
  const peer = direction === 'ingress' ? (r.SourceGroupId || r.SourceCidrIp) : (r.DestGroupId || r.DestCidrIp);
  return `${String(r.Policy).toLowerCase()} ${String(r.IpProtocol).toLowerCase()} ${r.PortRange} ${direction === 'ingress' ? 'from' : 'to'} ${peer || 'anywhere'}`;
}

function ruleEditorPage(container, params) {
  const groupId = params.id;
  let group = null;
  let stopped = false;

  // Not a listPage: this page has a form and two tables.
  const refreshBtn = headButton('Refresh', () => load(), { ariaLabel: 'Refresh the rules' });
  const frame = page(container, {
    title: `Security group ${groupId}`, actions: [refreshBtn],
    subtitle: 'Inbound and outbound rules. Lower priority numbers are checked first.',
    back: { href: '#/security-groups', label: 'Security groups' },
  });
  const info = h('div', { class: 'res-detail' }, h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  const inbound = h('div', { class: 'res-table-area', 'aria-busy': 'true' });
  const outbound = h('div', { class: 'res-table-area', 'aria-busy': 'true' });
  const form = ruleForm();
  frame.append(
    info,
    section('Add a rule', form.node),
    h('section', { class: 'card', 'aria-labelledby': 'rules-in-h' }, h('h2', { id: 'rules-in-h' }, 'Inbound rules'), inbound),
    h('section', { class: 'card', 'aria-labelledby': 'rules-out-h' }, h('h2', { id: 'rules-out-h' }, 'Outbound rules'), outbound));

  function rulesTable(rules, direction) {
    const peerLabel = direction === 'ingress' ? 'Source' : 'Destination';
    const sorted = [...rules].sort((a, b) => Number(a.Priority) - Number(b.Priority));
    return table({
      caption: direction === 'ingress' ? 'Inbound rules' : 'Outbound rules',
      rows: sorted,
      rowKey: (r) => r.SecurityGroupRuleId || ruleLabel(r, direction),
      className: 'stack',
      empty: direction === 'ingress' ? 'No inbound rules: nothing from outside the group may connect in.' : 'No outbound rules.',
      columns: [
        { label: 'Policy', render: (r) => statusBadge(String(r.Policy).toLowerCase() === 'drop' ? 'Drop' : 'Accept', String(r.Policy).toLowerCase() === 'drop' ? 'bad' : 'ok') },
        { label: 'Protocol', render: (r) => String(r.IpProtocol || '').toUpperCase() },
        { label: 'Port range', render: (r) => (r.PortRange === '-1/-1' ? 'All' : mono(r.PortRange)) },
        { label: peerLabel, render: (r) => peerOf(r, direction) },
        { label: 'Priority', render: (r) => String(r.Priority) },
        { label: 'Description', render: (r) => r.Description || '—' },
        { label: 'Created', render: (r) => timeCell(r.CreateTime) },
        {
          label: 'Actions',
          render: (r) => rowActions(rowButton('Delete', (ev) => revoke(ev.currentTarget, r, direction), {
            kind: 'danger', ariaLabel: `Delete ${direction === 'ingress' ? 'inbound' : 'outbound'} rule ${ruleLabel(r, direction)}`,
          })),
        },
      ],
    });
  }

  async function load() {
    inbound.setAttribute('aria-busy', 'true');
    outbound.setAttribute('aria-busy', 'true');
    try {
      let rules = [];
      let token = '';
      let attr = null;
      for (let i = 0; i < 50; i++) {
        attr = await call('ecs', 'DescribeSecurityGroupAttribute', { SecurityGroupId: groupId, Direction: 'all', NextToken: token || undefined });
        rules = rules.concat((attr.Permissions && attr.Permissions.Permission) || []);
        token = attr.NextToken;
        if (!token) break;
      }
      if (stopped) return;
      group = attr;
      info.replaceChildren(section('Group', describe([
        ['ID', mono(attr.SecurityGroupId)],
        ['Name', attr.SecurityGroupName],
        ['VPC', attr.VpcId ? h('a', { href: `#/vswitches?vpc=${encodeURIComponent(attr.VpcId)}`, class: 'mono' }, attr.VpcId) : ''],
        ['Description', attr.Description],
        ['Between members', attr.InnerAccessPolicy === 'Drop' ? 'Members cannot reach each other' : 'Members reach each other'],
      ])));
      const focusLabel = document.activeElement && (inbound.contains(document.activeElement) || outbound.contains(document.activeElement))
        ? document.activeElement.getAttribute('aria-label') : null;
      clear(inbound).append(rulesTable(rules.filter((r) => r.Direction !== 'egress'), 'ingress'));
      clear(outbound).append(rulesTable(rules.filter((r) => r.Direction === 'egress'), 'egress'));
      if (focusLabel) {
        const again = [...frame.querySelectorAll('[aria-label]')].find((el) => el.getAttribute('aria-label') === focusLabel);
        if (again) again.focus();
      }
    } catch (e) {
      if (stopped) return;
      info.replaceChildren(h('div', { class: 'callout callout-error', role: 'alert' },
        h('strong', {}, `Could not load security group ${groupId}. `), errorText(e)));
    } finally {
      inbound.removeAttribute('aria-busy');
      outbound.removeAttribute('aria-busy');
    }
  }

  async function revoke(btn, r, direction) {
    const ok = await confirmDialog({
      title: 'Delete this rule?', danger: true, confirmLabel: 'Delete rule',
      text: `${direction === 'ingress' ? 'Inbound' : 'Outbound'}: ${ruleLabel(r, direction)}, priority ${r.Priority}. Running instances apply the change within seconds.`,
    });
    if (!ok) return;
    const action = direction === 'ingress' ? 'RevokeSecurityGroup' : 'RevokeSecurityGroupEgress';
    const params = { SecurityGroupId: groupId };
    if (r.SecurityGroupRuleId) {
      params.SecurityGroupRuleId = [r.SecurityGroupRuleId];
    } else {
      Object.assign(params, {
        IpProtocol: r.IpProtocol, PortRange: r.PortRange, Policy: String(r.Policy).toLowerCase(), Priority: r.Priority,
        NicType: r.NicType, SourcePortRange: r.SourcePortRange,
      }, direction === 'ingress'
        ? { SourceCidrIp: r.SourceCidrIp, SourceGroupId: r.SourceGroupId }
        : { DestCidrIp: r.DestCidrIp, DestGroupId: r.DestGroupId });
    }
    await run(btn, () => call('ecs', action, params), { success: 'Rule deleted.', after: load });
  }

  // The "Add a rule" form: direction, presets, policy, protocol, ports, peer, priority, note.
  function ruleForm() {
    const ids = {};
    for (const k of ['dirIn', 'dirOut', 'policy', 'protocol', 'ports', 'peer', 'priority', 'desc']) ids[k] = uid(`rule-${k}`);
    const err = (k) => h('p', { id: `${ids[k]}-err`, class: 'field-error', hidden: true });
    const errors = { ports: err('ports'), peer: err('peer'), priority: err('priority') };

    const dirIn = h('input', { type: 'radio', name: `${ids.dirIn}-dir`, id: ids.dirIn, value: 'ingress', checked: true });
    const dirOut = h('input', { type: 'radio', name: `${ids.dirIn}-dir`, id: ids.dirOut, value: 'egress' });
    const policy = h('select', { id: ids.policy }, h('option', { value: 'accept' }, 'Accept'), h('option', { value: 'drop' }, 'Drop'));
    const protocol = h('select', { id: ids.protocol }, PROTOCOLS.map((p) => h('option', { value: p.value }, p.label)));
    const ports = h('input', { id: ids.ports, type: 'text', value: '22/22', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${ids.ports}-help` });
    const peer = h('input', { id: ids.peer, type: 'text', value: '0.0.0.0/0', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${ids.peer}-help` });
    const priority = h('input', { id: ids.priority, type: 'number', min: 1, max: 100, step: 1, value: 1, 'aria-describedby': `${ids.priority}-help` });
    const desc = h('input', { id: ids.desc, type: 'text', maxlength: 512, autocomplete: 'off' });
    const peerLabel = h('label', { for: ids.peer }, 'Source');
    const peerHelp = h('p', { id: `${ids.peer}-help`, class: 'help' }, 'A CIDR block (0.0.0.0/0 is anyone) or a security group ID (sg-…) whose members are allowed.');
    const submit = h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add rule');

    const syncPorts = () => {
      const portless = PORTLESS.has(protocol.value);
      ports.disabled = portless;
      if (portless) ports.value = '-1/-1';
      else if (ports.value === '-1/-1') ports.value = '';
    };
    const syncDirection = () => {
      const inbound = dirIn.checked;
      peerLabel.textContent = inbound ? 'Source' : 'Destination';
      peerHelp.textContent = inbound
        ? 'A CIDR block (0.0.0.0/0 is anyone) or a security group ID (sg-…) whose members are allowed.'
        : 'A CIDR block (0.0.0.0/0 is anywhere) or a security group ID (sg-…) whose members may be reached.';
    };
    protocol.addEventListener('change', syncPorts);
    dirIn.addEventListener('change', syncDirection);
    dirOut.addEventListener('change', syncDirection);

    const presets = h('div', { class: 'res-presets', role: 'group', 'aria-label': 'Common rules' },
      h('span', { class: 'res-presets-label', 'aria-hidden': 'true' }, 'Presets:'),
      PRESETS.map((p) => h('button', {
        type: 'button', class: 'btn btn-small', 'aria-label': `Preset: ${p.label}`,
        onclick: () => {
          protocol.value = p.protocol;
          syncPorts();
          if (!PORTLESS.has(p.protocol)) ports.value = p.ports;
          if (!desc.value || PRESETS.some((x) => x.description === desc.value)) desc.value = p.description;
          setError('ports', null);
          peer.focus();
        },
      }, p.label)));

    function setError(k, message) {
      const input = { ports, peer, priority }[k];
      const box = errors[k];
      if (message) {
        box.textContent = message;
        box.hidden = false;
        input.setAttribute('aria-invalid', 'true');
        input.setAttribute('aria-describedby', `${ids[k]}-err ${ids[k]}-help`);
      } else {
        box.textContent = '';
        box.hidden = true;
        input.removeAttribute('aria-invalid');
        input.setAttribute('aria-describedby', `${ids[k]}-help`);
      }
    }

    const node = h('form', { class: 'res-rule-form', novalidate: true },
      h('fieldset', { class: 'res-radio-row' }, h('legend', {}, 'Direction'),
        h('span', { class: 'res-radio' }, dirIn, h('label', { for: ids.dirIn }, 'Inbound')),
        h('span', { class: 'res-radio' }, dirOut, h('label', { for: ids.dirOut }, 'Outbound'))),
      presets,
      h('div', { class: 'res-form-grid' },
        h('div', { class: 'field' }, h('label', { for: ids.policy }, 'Action'), policy),
        h('div', { class: 'field' }, h('label', { for: ids.protocol }, 'Protocol'), protocol),
        h('div', { class: 'field' }, h('label', { for: ids.ports }, 'Port range'), ports,
          h('p', { id: `${ids.ports}-help`, class: 'help' }, '22, or 8000/8080. ICMP, GRE and All use every port.'), errors.ports),
        h('div', { class: 'field' }, peerLabel, peer, peerHelp, errors.peer),
        h('div', { class: 'field' }, h('label', { for: ids.priority }, 'Priority'), priority,
          h('p', { id: `${ids.priority}-help`, class: 'help' }, '1 (first) to 100. At equal priority, Drop wins.'), errors.priority),
        h('div', { class: 'field' }, h('label', { for: ids.desc }, 'Description'), desc)),
      h('div', { class: 'res-form-actions' }, submit));

    node.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const proto = protocol.value;
      const [portRange, portProblem] = normalisePorts(proto, ports.value);
      const peerText = peer.value.trim();
      let peerProblem = null;
      const isGroup = /^sg-[A-Za-z0-9]+$/.test(peerText);
      if (!peerText) peerProblem = 'Give a CIDR block or a security group ID.';
      else if (!isGroup) {
        const c = parseCidr(peerText.includes('/') ? peerText : `${peerText}/32`);
        if (!c) peerProblem = 'Enter a CIDR block such as 10.0.0.0/8, an address, or sg-….';
      }
      const prio = Number(priority.value);
      const prioProblem = Number.isInteger(prio) && prio >= 1 && prio <= 100 ? null : 'Priority is a whole number from 1 to 100.';
      setError('ports', portProblem);
      setError('peer', peerProblem);
      setError('priority', prioProblem);
      const firstBad = [portProblem && ports, peerProblem && peer, prioProblem && priority].find(Boolean);
      if (firstBad) { firstBad.focus(); return; }
      const inbound = dirIn.checked;
      const cidr = isGroup ? undefined : (peerText.includes('/') ? peerText : `${peerText}/32`);
      const permission = {
        IpProtocol: proto, PortRange: portRange, Policy: policy.value, Priority: String(prio), Description: desc.value.trim(),
        ...(inbound ? { SourceCidrIp: cidr, SourceGroupId: isGroup ? peerText : undefined }
          : { DestCidrIp: cidr, DestGroupId: isGroup ? peerText : undefined }),
      };
      const action = inbound ? 'AuthorizeSecurityGroup' : 'AuthorizeSecurityGroupEgress';
      const done = await run(submit, () => call('ecs', action, { SecurityGroupId: groupId, Permissions: [permission] }), {
        success: `${inbound ? 'Inbound' : 'Outbound'} rule added: ${policy.value} ${proto} ${portRange} ${inbound ? 'from' : 'to'} ${peerText}.`,
        after: load,
      });
      if (done) desc.value = '';
    });
    syncPorts();
    ports.value = '22/22';
    return { node };
  }

  load();
  return () => { stopped = true; };
}

// ---------------------------------------------------------------------------------------------
// Key pairs

const KEY_NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5._:-]{1,127}$/;

function keyNameProblem(name) {
  if (!name) return 'Name the key pair.';
  if (!KEY_NAME.test(name)) return 'Use 2-128 characters: a letter first, then letters, digits, ".", "_", ":" or "-".';
  return null;
}

function showPrivateKey(name, pem, fingerprint) {
  const blob = new Blob([pem.endsWith('\n') ? pem : `${pem}\n`], { type: 'application/x-pem-file' });
  const url = URL.createObjectURL(blob);
  const areaId = uid('pem');
  const download = h('a', { class: 'btn btn-primary', href: url, download: `${name}.pem` }, `Download ${name}.pem`);
  const copy = h('button', { type: 'button', class: 'btn' }, 'Copy to clipboard');
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(pem);
      toast('Private key copied.', 'success');
    } catch {
      const area = document.getElementById(areaId);
      if (area) { area.focus(); area.select(); }
      toast('Copying is not allowed here: the key is selected, press Ctrl+C.', 'info');
    }
  });
  return infoDialog({
    title: `Key pair ${name} created`,
    closeLabel: 'I have saved the private key',
    content: [
      h('div', { class: 'callout callout-warn', role: 'note' },
        h('strong', {}, 'This is the only time the private key is shown. '),
        'OpenECS does not keep it: download it now and store it safely (chmod 600).'),
      fingerprint ? h('p', {}, 'Fingerprint: ', mono(fingerprint)) : null,
      h('label', { for: areaId }, 'Private key'),
      h('textarea', { id: areaId, class: 'res-pem mono', rows: 10, readonly: true, spellcheck: 'false' }, pem),
      h('div', { class: 'res-form-actions' }, download, copy),
    ],
    onOpen: () => download.focus(),
  }).finally(() => setTimeout(() => URL.revokeObjectURL(url), 1000));
}

function keyPairsPage(container) {
  let ctl;
  const refresh = () => ctl.refresh();

  async function create(btn) {
    const v = await formDialog({
      title: 'Create key pair', submitLabel: 'Create',
      text: 'OpenECS makes the key pair and gives you the private key once.',
      fields: [{ name: 'KeyPairName', label: 'Name', type: 'text', required: true, placeholder: 'my-laptop' }],
      validate: (x) => keyNameProblem(x.KeyPairName.trim()),
    });
    if (!v) return;
    const name = v.KeyPairName.trim();
    const r = await run(btn, () => call('ecs', 'CreateKeyPair', { KeyPairName: name }), { after: refresh });
    if (r && r.PrivateKeyBody) await showPrivateKey(r.KeyPairName || name, r.PrivateKeyBody, r.KeyPairFingerPrint);
    else if (r) toast(`Key pair ${name} created.`, 'success');
  }

  async function importKey(btn) {
    const v = await formDialog({
      title: 'Import key pair', submitLabel: 'Import',
      text: 'Paste the public half of a key you already have (for example ~/.ssh/id_ed25519.pub).',
      fields: [
        { name: 'KeyPairName', label: 'Name', type: 'text', required: true },
        { name: 'PublicKeyBody', label: 'Public key', type: 'textarea', required: true, placeholder: 'ssh-ed25519 AAAA… user@host' },
      ],
      validate: (x) => keyNameProblem(x.KeyPairName.trim())
        || (/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-nistp\d+|sk-)\S*\s+[A-Za-z0-9+/=]+/.test(x.PublicKeyBody.trim()) ? null
          : 'That does not look like an OpenSSH public key (ssh-ed25519 AAAA…).'),
    });
    if (!v) return;
    await run(btn, () => call('ecs', 'ImportKeyPair', { KeyPairName: v.KeyPairName.trim(), PublicKeyBody: v.PublicKeyBody.trim() }), {
      success: `Key pair ${v.KeyPairName.trim()} imported.`, after: refresh,
    });
  }

  async function remove(btn, k) {
    const ok = await confirmDialog({
      title: `Delete key pair ${k.KeyPairName}?`, danger: true, confirmLabel: 'Delete',
      text: 'Instances already using it keep their authorised key; new instances cannot use it. A key pair bound to an instance cannot be deleted.',
    });
    if (!ok) return;
    await run(btn, () => call('ecs', 'DeleteKeyPairs', { KeyPairNames: JSON.stringify([k.KeyPairName]) }), {
      success: `Key pair ${k.KeyPairName} deleted.`, after: refresh,
    });
  }

  ctl = listPage(container, {
    title: 'Key pairs', noun: 'key pairs',
    subtitle: 'SSH key pairs to log in to Linux instances without a password.',
    actions: [
      headButton('Create key pair', (ev) => create(ev.currentTarget), { kind: 'primary' }),
      headButton('Import key pair', (ev) => importKey(ev.currentTarget)),
    ],
    load: () => pageAll('DescribeKeyPairs', {}, 'KeyPairs.KeyPair', 'ecs'),
    rowKey: (k) => k.KeyPairName,
    search: (k) => [k.KeyPairName, k.KeyPairFingerPrint],
    searchPlaceholder: 'Name or fingerprint',
    empty: 'No key pairs yet. Create one, or import your own public key.',
    columns: [
      { label: 'Name', render: (k) => h('span', { class: 'res-strong' }, k.KeyPairName) },
      { label: 'Fingerprint', render: (k) => mono(k.KeyPairFingerPrint) },
      { label: 'Created', render: (k) => timeCell(k.CreationTime) },
      {
        label: 'Actions',
        render: (k) => rowActions(rowButton('Delete', (ev) => remove(ev.currentTarget, k), { kind: 'danger', ariaLabel: `Delete key pair ${k.KeyPairName}` })),
      },
    ],
  });
  return () => ctl.stop();
}

export function register(registerPage) {
  registerPage('/security-groups', { title: 'Security groups', nav: 'Security groups', group: GROUP, render: groupsPage });
  registerPage('/security-groups/:id', { title: 'Security group rules', nav: null, group: GROUP, render: ruleEditorPage });
  registerPage('/key-pairs', { title: 'Key pairs', nav: 'Key pairs', group: GROUP, render: keyPairsPage });
}
