// console/js/pages/wizard.js — the custom launch wizard (#/wizard): four steps with a step
// indicator, each validated before Next (messages next to the fields, aria-invalid,
// aria-describedby), then RunInstances.
//   1 Basics: optional launch template (fills the form), billing (pay-as-you-go, subscription
//     with period and auto-renewal, or spot), zone, instance type (family filter and a table of
//     vCPU / memory), image (public / my / shared tabs), system disk and data disks.
//   2 Networking: VPC, vSwitch in the zone, security groups, public bandwidth.
//   3 System: key pair or password, names, count, user data (sent Base64), tags, deployment set.
//   4 Review: everything chosen, the price (DescribePrice; hidden if it fails) and Launch.
// #/wizard?image=m-… preselects an image (the Images page links here).
//
// Calls (ECS 2014-05-26): DescribeLaunchTemplates, DescribeLaunchTemplateVersions,
// DescribeZones, DescribeInstanceTypeFamilies, DescribeInstanceTypes, DescribeImages,
// DescribeSecurityGroups, DescribeKeyPairs, DescribeDeploymentSets, DescribePrice,
// RunInstances; VPC API (2016-04-28): DescribeVpcs, DescribeVSwitches.

import { call, pageAll } from '../api.js';
import { h, clear, toast, errorText, page, describe, table } from '../ui.js';

const STEPS = ['Basics', 'Networking', 'System', 'Review'];
const DISK_CATEGORIES = [
  { value: 'cloud_essd', label: 'ESSD' },
  { value: 'cloud_ssd', label: 'Standard SSD' },
  { value: 'cloud_efficiency', label: 'Ultra disk' },
  { value: 'cloud', label: 'Basic disk' },
];
const PLS = ['PL0', 'PL1', 'PL2', 'PL3'];
const PL_MIN = { PL0: 1, PL1: 20, PL2: 461, PL3: 1261 };
const DATA_SIZE = { cloud_essd: [1, 65536], cloud_ssd: [20, 32768], cloud_efficiency: [20, 32768], cloud: [5, 2000] };
const SYSTEM_SIZE = [20, 2048];
const MONTHS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 24, 36, 48, 60];
const WEEKS = [1, 2, 3, 4];
const IMAGE_TABS = [
  { value: 'system', label: 'Public images' },
  { value: 'self', label: 'My images' },
  { value: 'others', label: 'Shared images' },
];
const PASSWORD_SPECIALS = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";

let seq = 0;
const nextId = (p) => `wiz-${p}-${++seq}`;

function linkStyles() {
  const have = [...document.querySelectorAll('link[rel="stylesheet"]')]
    .some((l) => (l.getAttribute('href') || '').endsWith('/css/resources.css'));
  if (have) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/console/css/resources.css' }));
}

export function toBase64(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

export function fromBase64(b64) {
  try {
    const bin = atob(String(b64).replace(/\s+/g, ''));
    return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  } catch {
    return String(b64);
  }
}

// ECS's password rule: 8-30 characters, three of lower case, upper case, digits, specials.
export function passwordProblem(pw) {
  if (pw.length < 8 || pw.length > 30) return 'Use 8 to 30 characters.';
  const bad = [...pw].find((c) => !/[A-Za-z0-9]/.test(c) && !PASSWORD_SPECIALS.includes(c));
  if (bad) return `"${bad}" is not allowed; the special characters are ${PASSWORD_SPECIALS}`;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((re) => re.test(pw)).length
    + ([...pw].some((c) => PASSWORD_SPECIALS.includes(c)) ? 1 : 0);
  if (classes < 3) return 'Mix at least three of: lower case, upper case, digits, special characters.';
  return null;
}

function nameProblem(name, what) {
  if (!name) return null;
  if (name.length < 2 || name.length > 128) return `The ${what} is 2 to 128 characters.`;
  if (!/^[A-Za-z\u4e00-\u9fa5]/.test(name)) return `The ${what} starts with a letter.`;
  if (/^(http|https):\/\//.test(name)) return `The ${what} cannot start with http:// or https://.`;
  return null;
}

function hostNameProblem(name) {
  if (!name) return null;
  if (name.length < 2 || name.length > 64) return 'The host name is 2 to 64 characters.';
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]*[A-Za-z0-9]$/.test(name) || /\.\.|\.-|-\./.test(name)) {
    return 'Letters, digits, "." and "-"; neither first nor last may be "." or "-".';
  }
  return null;
}

function diskProblem(category, pl, size, system) {
  const [lo, hi] = system ? SYSTEM_SIZE : (DATA_SIZE[category] || [1, 65536]);
  if (!Number.isInteger(size)) return 'Enter the size in whole GiB.';
  if (size < lo || size > hi) return `${system ? 'A system disk' : 'This category'} is ${lo} to ${hi} GiB.`;
  if (category === 'cloud_essd' && size < (PL_MIN[pl] || 1)) return `ESSD ${pl} needs at least ${PL_MIN[pl]} GiB.`;
  return null;
}

const list = (body, a, b) => (body && body[a] && body[a][b]) || [];
const nameOr = (id, name) => (name && name !== id ? `${name} (${id})` : id);

// ---------------------------------------------------------------------------------------------

function wizardPage(container, params) {
  linkStyles();
  const query = params && params.query instanceof URLSearchParams ? params.query : new URLSearchParams(location.hash.split('?')[1] || '');
  let alive = true;

  const st = {
    step: 0, reached: 0,
    templateId: '', templateVersion: '', templateVersions: [],
    billing: 'PostPaid', period: 1, periodUnit: 'Month', autoRenew: false,
    spotStrategy: 'SpotAsPriceGo', spotPriceLimit: '',
    zoneId: '', family: '', typeFilter: '', instanceType: '',
    imageTab: 'system', imageId: query.get('image') || '', image: null,
    sysCategory: 'cloud_essd', sysSize: 40, sysPL: 'PL0',
    dataDisks: [],
    vpcId: '', vswitchId: '', sgIds: [], bandwidth: 0, internetChargeType: 'PayByTraffic',
    login: 'key', keyPairName: '', password: '', password2: '',
    instanceName: '', hostName: '', amount: 1, uniqueSuffix: true, userData: '', tags: [],
    deploymentSetId: '',
  };
  // Data from the API, loaded once per visit (images per tab, vSwitches per VPC and zone).
  const data = {
    zones: null, families: null, types: null, images: {}, vpcs: null, vswitches: {}, sgs: {},
    keyPairs: null, deploymentSets: null, templates: null,
  };
  const once = {};
  function load(key, fn) {
    if (!once[key]) once[key] = fn().catch((e) => { delete once[key]; throw e; });
    return once[key];
  }

  const body = page(container, {
    title: 'Custom launch',
    subtitle: 'Choose every detail of new instances, step by step.',
    back: { href: '#/launch', label: 'Quick Launch' },
  });
  const stepsNav = h('nav', { 'aria-label': 'Launch steps' });
  const alert = h('div', { class: 'callout callout-error', role: 'alert', hidden: true });
  const panel = h('div', { class: 'wiz-panel' });
  const back = h('button', { type: 'button', class: 'btn' }, 'Back');
  const next = h('button', { type: 'button', class: 'btn btn-primary' }, 'Next');
  const launch = h('button', { type: 'button', class: 'btn btn-primary' }, 'Launch');
  const navBar = h('div', { class: 'wiz-nav' }, back, h('div', { class: 'wiz-nav-right' }, next, launch));
  body.append(stepsNav, alert, panel, navBar);

  back.addEventListener('click', () => go(st.step - 1));
  next.addEventListener('click', () => {
    if (validate(st.step)) go(st.step + 1);
  });
  launch.addEventListener('click', () => doLaunch());

  // Field errors: id → {control, err, help}
  let fields = new Map();

  function field({ label, control, help, id, required, wide }) {
    const cid = id || control.id || nextId('f');
    control.id = cid;
    const helpEl = help ? h('p', { id: `${cid}-help`, class: 'help' }, help) : null;
    const errEl = h('p', { id: `${cid}-err`, class: 'field-error', hidden: true });
    if (helpEl) control.setAttribute('aria-describedby', helpEl.id);
    fields.set(cid, { control, err: errEl, help: helpEl });
    return h('div', { class: ['field', wide && 'wiz-wide'] },
      h('label', { for: cid }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      control, helpEl, errEl);
  }

  // A group (radio group, checkbox list) that takes an error: returns its wrapper.
  function group({ label, content, help, role = 'group', hideLabel = false }) {
    const gid = nextId('g');
    const labelId = `${gid}-label`;
    const helpEl = help ? h('p', { id: `${gid}-help`, class: 'help' }, help) : null;
    const errEl = h('p', { id: `${gid}-err`, class: 'field-error', hidden: true });
    const box = h('div', { id: gid, role, 'aria-labelledby': labelId, 'aria-describedby': helpEl ? helpEl.id : null, tabindex: '-1' }, content);
    fields.set(gid, { control: box, err: errEl, help: helpEl, group: true });
    return { id: gid, node: h('div', { class: 'field' }, h('span', { id: labelId, class: hideLabel ? 'sr-only' : 'wiz-group-label' }, label), helpEl, box, errEl), box };
  }

  function setError(id, message) {
    const f = fields.get(id);
    if (!f) return;
    const described = [message ? f.err.id : null, f.help ? f.help.id : null].filter(Boolean).join(' ');
    f.err.textContent = message || '';
    f.err.hidden = !message;
    if (message) f.control.setAttribute('aria-invalid', 'true'); else f.control.removeAttribute('aria-invalid');
    if (described) f.control.setAttribute('aria-describedby', described); else f.control.removeAttribute('aria-describedby');
  }

  function select(options, value, onChange, attrs = {}) {
    const el = h('select', attrs, options.map((o) => h('option', { value: o.value, selected: String(o.value) === String(value) }, o.label ?? o.value)));
    el.addEventListener('change', () => onChange(el.value));
    return el;
  }

  function input(type, value, onInput, attrs = {}) {
    const el = h('input', { type, value: value ?? '', autocomplete: 'off', ...attrs });
    el.addEventListener('input', () => onInput(type === 'number' ? (el.value === '' ? NaN : Number(el.value)) : el.value));
    return el;
  }

  function checkbox(label, checked, onChange) {
    const id = nextId('cb');
    const el = h('input', { type: 'checkbox', id, checked });
    el.addEventListener('change', () => onChange(el.checked));
    return h('div', { class: 'field field-check' }, el, h('label', { for: id }, label));
  }

  function radios(name, options, value, onChange) {
    return h('div', { class: 'choices' }, options.map((o) => {
      const id = nextId('r');
      const el = h('input', { type: 'radio', name, id, value: o.value, checked: o.value === value });
      el.addEventListener('change', () => { if (el.checked) onChange(o.value); });
      return h('label', { class: 'choice', for: id }, el,
        h('span', {}, h('span', { class: 'choice-title' }, o.label), o.detail ? [' ', h('span', { class: 'choice-detail' }, o.detail)] : null));
    }));
  }

  function loadingNote(text = 'Loading…') { return h('p', { class: 'loading', role: 'status' }, text); }
  function failNote(e, retry) {
    return h('div', { class: 'callout callout-error', role: 'alert' }, errorText(e), ' ',
      retry ? h('button', { type: 'button', class: 'btn btn-small', onclick: retry }, 'Try again') : null);
  }
  function section(title, ...children) {
    const id = nextId('sec');
    return h('section', { class: 'card', 'aria-labelledby': id }, h('h3', { id, class: 'wiz-section-title' }, title), ...children);
  }

  // -------------------------------------------------------------------------------------------
  // Steps

  function renderSteps() {
    clear(stepsNav).append(h('ol', { class: 'wiz-steps' }, STEPS.map((name, i) => h('li', {},
      h('button', {
        type: 'button', class: i < st.step ? 'done' : null, 'aria-current': i === st.step ? 'step' : null,
        disabled: i > st.reached, 'aria-label': `Step ${i + 1} of ${STEPS.length}: ${name}${i < st.step ? ' (done)' : ''}`,
        onclick: () => { if (i < st.step || validate(st.step)) go(i); },
      }, name)))));
  }

  function go(n) {
    if (n < 0 || n >= STEPS.length) return;
    st.step = n;
    st.reached = Math.max(st.reached, n);
    alert.hidden = true;
    render(n);
    renderSteps();
    const heading = panel.querySelector('h2');
    if (heading) heading.focus();
  }

  function render(n) {
    fields = new Map();
    clear(panel);
    const heading = h('h2', { tabindex: '-1' }, `Step ${n + 1}: ${STEPS[n]}`);
    panel.append(heading);
    [renderBasics, renderNetworking, renderSystem, renderReview][n]();
    back.disabled = n === 0;
    next.hidden = n === STEPS.length - 1;
    launch.hidden = n !== STEPS.length - 1;
  }

  // Returns true when step n is complete; otherwise shows the problems (next to their fields
  // and in a summary) and focuses the first field that has one.
  function validate(n) {
    const problems = [checkBasics, checkNetworking, checkSystem, () => []][n]();
    for (const id of fields.keys()) setError(id, null);
    for (const [id, msg] of problems) if (id) setError(id, msg);
    if (!problems.length) { alert.hidden = true; return true; }
    clear(alert).append(
      h('p', {}, h('strong', {}, problems.length === 1 ? 'Fix this before continuing:' : `Fix these ${problems.length} problems before continuing:`)),
      h('ul', {}, problems.map(([, msg]) => h('li', {}, msg))));
    alert.hidden = false;
    const first = problems.map(([id]) => fields.get(id)).find(Boolean);
    if (first) {
      const target = first.group ? (first.control.querySelector('input:not([disabled]), select, button') || first.control) : first.control;
      target.focus();
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Step 1: Basics

  const ids = {};

  function renderBasics() {
    // Launch template
    const tplBox = h('div', {}, loadingNote('Loading launch templates…'));
    panel.append(section('Launch template (optional)',
      h('p', { class: 'help' }, 'Start from a saved template: it fills this form, and the instances are launched from it (what you change here wins).'),
      tplBox));
    load('templates', () => pageAll('DescribeLaunchTemplates', {}, 'LaunchTemplateSets.LaunchTemplateSet', 'ecs')).then((tpls) => {
      data.templates = tpls;
      if (!alive) return;
      if (!tpls.length) { clear(tplBox).append(h('p', { class: 'muted' }, 'No launch templates in this region.')); return; }
      const tplSel = select([{ value: '', label: 'None' }, ...tpls.map((t) => ({ value: t.LaunchTemplateId, label: nameOr(t.LaunchTemplateId, t.LaunchTemplateName) }))],
        st.templateId, (v) => chooseTemplate(v, ''));
      const verOpts = st.templateVersions.map((v) => ({ value: String(v.VersionNumber), label: `Version ${v.VersionNumber}${v.DefaultVersion ? ' (default)' : ''}${v.VersionDescription ? ` · ${v.VersionDescription}` : ''}` }));
      const verSel = select(verOpts, st.templateVersion, (v) => chooseTemplate(st.templateId, v), { disabled: !st.templateId });
      clear(tplBox).append(h('div', { class: 'wiz-inline' },
        field({ label: 'Template', control: tplSel }),
        st.templateId ? field({ label: 'Version', control: verSel }) : null));
    }).catch((e) => { if (alive) clear(tplBox).append(failNote(e)); });

    // Billing
    const billingExtra = h('div', {});
    const drawBillingExtra = () => {
      clear(billingExtra);
      if (st.billing === 'PrePaid') {
        const units = st.periodUnit === 'Week' ? WEEKS : MONTHS;
        if (!units.includes(st.period)) st.period = units[0];
        billingExtra.append(h('div', { class: 'wiz-inline' },
          field({ label: 'Period unit', control: select([{ value: 'Month', label: 'Months' }, { value: 'Week', label: 'Weeks' }], st.periodUnit, (v) => { st.periodUnit = v; drawBillingExtra(); }) }),
          field({ label: 'Period', control: select(units.map((n) => ({ value: n, label: `${n} ${st.periodUnit === 'Week' ? 'week' : 'month'}${n > 1 ? 's' : ''}` })), st.period, (v) => { st.period = Number(v); }) }),
          checkbox('Renew automatically', st.autoRenew, (v) => { st.autoRenew = v; })));
      } else if (st.billing === 'Spot') {
        const limit = input('number', st.spotPriceLimit, (v) => { st.spotPriceLimit = v; }, { min: 0, step: 'any', id: 'wiz-spot-limit' });
        ids.spotLimit = 'wiz-spot-limit';
        billingExtra.append(h('div', { class: 'wiz-inline' },
          field({ label: 'Bid', control: select([{ value: 'SpotAsPriceGo', label: 'Follow the market price' }, { value: 'SpotWithPriceLimit', label: 'Set a maximum price' }], st.spotStrategy, (v) => { st.spotStrategy = v; drawBillingExtra(); }) }),
          st.spotStrategy === 'SpotWithPriceLimit' ? field({ label: 'Maximum price per hour', control: limit, required: true, help: 'In the price table\'s currency; the instance is reclaimed when the market price rises above it.' }) : null));
      }
    };
    panel.append(section('Billing',
      radios(nextId('billing'), [
        { value: 'PostPaid', label: 'Pay-as-you-go', detail: 'Billed per second while it exists.' },
        { value: 'PrePaid', label: 'Subscription', detail: 'Paid up front for months or weeks.' },
        { value: 'Spot', label: 'Spot', detail: 'Cheaper, may be reclaimed.' },
      ], st.billing, (v) => { st.billing = v; drawBillingExtra(); }),
      billingExtra));
    drawBillingExtra();

    // Zone
    const zoneBox = h('div', {}, loadingNote('Loading zones…'));
    panel.append(section('Zone', zoneBox));
    const drawZones = () => load('zones', () => call('ecs', 'DescribeZones', {}).then((b) => list(b, 'Zones', 'Zone'))).then((zs) => {
      data.zones = zs;
      if (!alive) return;
      if (!st.zoneId || !zs.some((z) => z.ZoneId === st.zoneId)) st.zoneId = zs[0] ? zs[0].ZoneId : '';
      const sel = select(zs.map((z) => ({ value: z.ZoneId, label: z.LocalName && z.LocalName !== z.ZoneId ? `${z.LocalName} (${z.ZoneId})` : z.ZoneId })), st.zoneId,
        (v) => { st.zoneId = v; st.vswitchId = ''; drawTypes(); }, { id: 'wiz-zone' });
      ids.zone = 'wiz-zone';
      clear(zoneBox).append(field({ label: 'Zone', control: sel, required: true, help: 'Instances, their disks and their vSwitch are in one zone.' }));
      drawTypes();
    }).catch((e) => { if (alive) clear(zoneBox).append(failNote(e, drawZones)); });

    // Instance type
    const famSelId = nextId('fam');
    const typeSearch = input('search', st.typeFilter, (v) => { st.typeFilter = v; drawTypeTable(); }, { id: nextId('tsearch'), placeholder: 'ecs.g7.large, 2 vCPU…' });
    const famBox = h('div', { class: 'field' }, h('label', { for: famSelId }, 'Family'), h('select', { id: famSelId, disabled: true }, h('option', {}, 'Loading…')));
    const typeTableBox = h('div', { class: 'wiz-scroll' }, loadingNote('Loading instance types…'));
    const typeGroup = group({ label: 'Instance type', role: 'radiogroup', content: typeTableBox, hideLabel: true });
    ids.type = typeGroup.id;
    const typeCount = h('p', { class: 'help', role: 'status' });
    panel.append(section('Instance type',
      h('div', { class: 'wiz-inline' }, famBox, field({ label: 'Search instance types', control: typeSearch })),
      typeCount, typeGroup.node));

    function drawTypeTable() {
      if (!data.types) return;
      const zone = (data.zones || []).find((z) => z.ZoneId === st.zoneId);
      const offered = zone && zone.AvailableInstanceTypes ? new Set(zone.AvailableInstanceTypes.InstanceTypes || []) : null;
      const q = st.typeFilter.trim().toLowerCase();
      const rows = data.types.filter((t) => (!offered || !offered.size || offered.has(t.InstanceTypeId))
        && (!st.family || t.InstanceTypeFamily === st.family)
        && (!q || `${t.InstanceTypeId} ${t.CpuCoreCount} vcpu ${t.MemorySize} gib ${t.InstanceTypeFamily}`.toLowerCase().includes(q)))
        .sort((a, b) => a.CpuCoreCount - b.CpuCoreCount || a.MemorySize - b.MemorySize || a.InstanceTypeId.localeCompare(b.InstanceTypeId));
      typeCount.textContent = `${rows.length} instance type${rows.length === 1 ? '' : 's'}${offered && offered.size ? ` offered in ${st.zoneId}` : ''}.`;
      const radioName = `${typeGroup.id}-r`;
      const tbl = table({
        caption: 'Instance types', rows, rowKey: (t) => t.InstanceTypeId,
        empty: 'No instance type matches.',
        columns: [
          {
            label: 'Type',
            render: (t) => {
              const rid = `${radioName}-${t.InstanceTypeId.replace(/[^A-Za-z0-9-]/g, '_')}`;
              const r = h('input', { type: 'radio', name: radioName, id: rid, value: t.InstanceTypeId, checked: t.InstanceTypeId === st.instanceType });
              r.addEventListener('change', () => {
                st.instanceType = t.InstanceTypeId;
                for (const tr of tbl.querySelectorAll('tr.wiz-selected')) tr.classList.remove('wiz-selected');
                r.closest('tr').classList.add('wiz-selected');
                setError(typeGroup.id, null);
              });
              return h('label', { class: 'wiz-radio-cell', for: rid }, r, h('span', { class: 'mono' }, t.InstanceTypeId));
            },
          },
          { label: 'Family', render: (t) => t.InstanceTypeFamily },
          { label: 'vCPU', render: (t) => String(t.CpuCoreCount) },
          { label: 'Memory', render: (t) => `${t.MemorySize} GiB` },
          { label: 'GPU', render: (t) => (t.GPUAmount ? `${t.GPUAmount} × ${t.GPUSpec}` : '—') },
          { label: 'Category', render: (t) => t.InstanceCategory || '—' },
        ],
      });
      const sel = tbl.querySelector('input[type=radio]:checked');
      if (sel) sel.closest('tr').classList.add('wiz-selected');
      clear(typeTableBox).append(tbl);
    }

    function drawTypes() {
      if (!alive) return;
      Promise.all([
        load('families', () => call('ecs', 'DescribeInstanceTypeFamilies', {}).then((b) => list(b, 'InstanceTypeFamilies', 'InstanceTypeFamily')).catch(() => [])),
        load('types', async () => {
          const out = [];
          let token = '';
          for (let i = 0; i < 50; i++) {
            const b = await call('ecs', 'DescribeInstanceTypes', { MaxResults: 1600, NextToken: token || undefined });
            out.push(...list(b, 'InstanceTypes', 'InstanceType'));
            token = b.NextToken;
            if (!token) break;
          }
          return out;
        }),
      ]).then(([fams, types]) => {
        if (!alive) return;
        data.types = types;
        const names = fams.length ? fams.map((f) => f.InstanceTypeFamilyId) : [...new Set(types.map((t) => t.InstanceTypeFamily))];
        const famSel = select([{ value: '', label: 'All families' }, ...[...new Set(names)].sort().map((f) => ({ value: f, label: f }))], st.family,
          (v) => { st.family = v; drawTypeTable(); }, { id: famSelId });
        clear(famBox).append(h('label', { for: famSelId }, 'Family'), famSel);
        drawTypeTable();
      }).catch((e) => { if (alive) clear(typeTableBox).append(failNote(e, drawTypes)); });
    }
    drawZones();

    // Image
    const tabs = h('div', { class: 'tabs wiz-tabs', role: 'tablist', 'aria-label': 'Image source' });
    const imgPanelId = nextId('imgpanel');
    const imgBox = h('div', { class: 'wiz-scroll' }, loadingNote('Loading images…'));
    const imgGroup = group({ label: 'Image', role: 'radiogroup', content: imgBox, hideLabel: true });
    ids.image = imgGroup.id;
    const imgPanel = h('div', { role: 'tabpanel', id: imgPanelId }, imgGroup.node);
    const chosenNote = h('p', { class: 'help', role: 'status' });
    panel.append(section('Image', tabs, imgPanel, chosenNote));

    const tabButtons = IMAGE_TABS.map((t, i) => {
      const b = h('button', { type: 'button', role: 'tab', class: 'tab', id: `${imgPanelId}-tab-${t.value}`, 'aria-controls': imgPanelId }, t.label);
      b.addEventListener('click', () => selectTab(t.value, false));
      b.addEventListener('keydown', (ev) => {
        const k = ev.key;
        if (k !== 'ArrowRight' && k !== 'ArrowLeft' && k !== 'Home' && k !== 'End') return;
        ev.preventDefault();
        const j = k === 'Home' ? 0 : k === 'End' ? IMAGE_TABS.length - 1 : (i + (k === 'ArrowRight' ? 1 : IMAGE_TABS.length - 1)) % IMAGE_TABS.length;
        selectTab(IMAGE_TABS[j].value, true);
      });
      return b;
    });
    tabs.append(...tabButtons);

    function noteChosen() {
      chosenNote.textContent = st.image ? `Chosen: ${nameOr(st.image.ImageId, st.image.ImageName)}${st.image.Size ? `, ${st.image.Size} GiB` : ''}.`
        : st.imageId ? `Chosen: ${st.imageId}.` : 'No image chosen yet.';
    }

    function selectTab(value, focus) {
      st.imageTab = value;
      tabButtons.forEach((b, i) => {
        const on = IMAGE_TABS[i].value === value;
        b.setAttribute('aria-selected', String(on));
        b.tabIndex = on ? 0 : -1;
        if (on) imgPanel.setAttribute('aria-labelledby', b.id);
        if (on && focus) b.focus();
      });
      drawImages();
    }

    function drawImages() {
      const tab = st.imageTab;
      clear(imgBox).append(loadingNote('Loading images…'));
      load(`images-${tab}`, () => pageAll('DescribeImages', { ImageOwnerAlias: tab }, 'Images.Image', 'ecs')).then((imgs) => {
        data.images[tab] = imgs;
        if (!alive || st.imageTab !== tab) return;
        const radioName = `${imgGroup.id}-r`;
        const tbl = table({
          caption: IMAGE_TABS.find((t) => t.value === tab).label, rows: imgs, rowKey: (i) => i.ImageId,
          empty: tab === 'self' ? 'You have no custom images.' : tab === 'others' ? 'No image is shared with you.' : 'No public images.',
          columns: [
            {
              label: 'Image',
              render: (img) => {
                const rid = `${radioName}-${img.ImageId.replace(/[^A-Za-z0-9-]/g, '_')}`;
                const r = h('input', { type: 'radio', name: radioName, id: rid, value: img.ImageId, checked: img.ImageId === st.imageId });
                r.addEventListener('change', () => {
                  st.imageId = img.ImageId;
                  st.image = img;
                  if (img.Size && st.sysSize < img.Size) st.sysSize = Math.max(SYSTEM_SIZE[0], img.Size);
                  for (const tr of tbl.querySelectorAll('tr.wiz-selected')) tr.classList.remove('wiz-selected');
                  r.closest('tr').classList.add('wiz-selected');
                  setError(imgGroup.id, null);
                  noteChosen();
                  syncSysSizeMin();
                });
                return h('label', { class: 'wiz-radio-cell', for: rid }, r, h('span', {}, img.ImageName || img.ImageId, h('span', { class: 'sub mono' }, img.ImageId)));
              },
            },
            { label: 'OS', render: (img) => img.OSName || img.Platform || img.OSType || '—' },
            { label: 'Architecture', render: (img) => img.Architecture || '—' },
            { label: 'Size', render: (img) => (img.Size ? `${img.Size} GiB` : '—') },
          ],
        });
        const sel = tbl.querySelector('input[type=radio]:checked');
        if (sel) {
          sel.closest('tr').classList.add('wiz-selected');
          st.image = imgs.find((i) => i.ImageId === st.imageId) || st.image;
          noteChosen();
        }
        clear(imgBox).append(tbl);
      }).catch((e) => { if (alive && st.imageTab === tab) clear(imgBox).append(failNote(e, drawImages)); });
    }

    // An image given in the link (or by a template) opens on its own tab.
    if (st.imageId && !st.image) {
      call('ecs', 'DescribeImages', { ImageId: st.imageId, Status: 'Available' }).then((b) => {
        const img = list(b, 'Images', 'Image')[0];
        if (!alive) return;
        if (img) {
          st.image = img;
          if (img.Size && st.sysSize < img.Size) { st.sysSize = img.Size; syncSysSizeMin(true); }
          if (img.ImageOwnerAlias && img.ImageOwnerAlias !== st.imageTab) selectTab(img.ImageOwnerAlias, false);
        }
        noteChosen();
      }).catch(() => noteChosen());
    }
    selectTab(st.imageTab, false);
    noteChosen();

    // Storage
    const sysSizeInput = input('number', st.sysSize, (v) => { st.sysSize = v; }, { min: SYSTEM_SIZE[0], max: SYSTEM_SIZE[1], step: 1, id: 'wiz-sys-size' });
    ids.sysSize = 'wiz-sys-size';
    function syncSysSizeMin(setValue) {
      const min = Math.max(SYSTEM_SIZE[0], (st.image && st.image.Size) || 0);
      sysSizeInput.min = String(min);
      if (setValue || Number(sysSizeInput.value) < min) { sysSizeInput.value = String(st.sysSize = Math.max(st.sysSize || 0, min)); }
    }
    const sysPl = select(PLS.map((p) => ({ value: p, label: p })), st.sysPL, (v) => { st.sysPL = v; }, { disabled: st.sysCategory !== 'cloud_essd' });
    const sysCat = select(DISK_CATEGORIES, st.sysCategory, (v) => { st.sysCategory = v; sysPl.disabled = v !== 'cloud_essd'; });
    const dataBox = h('div', {});
    const addDisk = h('button', { type: 'button', class: 'btn' }, 'Add data disk');
    addDisk.addEventListener('click', () => {
      st.dataDisks.push({ size: 40, category: 'cloud_essd', pl: 'PL1', deleteWithInstance: true });
      drawDataDisks();
      const inputs = dataBox.querySelectorAll('input[type=number]');
      if (inputs.length) inputs[inputs.length - 1].focus();
    });
    function drawDataDisks() {
      clear(dataBox);
      ids.data = [];
      st.dataDisks.forEach((d, i) => {
        const n = i + 1;
        const sizeId = `wiz-data-${n}-size`;
        ids.data.push(sizeId);
        const pl = select(PLS.map((p) => ({ value: p, label: p })), d.pl, (v) => { d.pl = v; }, { disabled: d.category !== 'cloud_essd' });
        const remove = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Remove data disk ${n}` }, 'Remove');
        remove.addEventListener('click', () => {
          st.dataDisks.splice(i, 1);
          drawDataDisks();
          (dataBox.querySelector('button') || addDisk).focus();
        });
        dataBox.append(h('fieldset', { class: 'wiz-row' }, h('legend', {}, `Data disk ${n}`),
          field({ label: 'Category', control: select(DISK_CATEGORIES, d.category, (v) => { d.category = v; pl.disabled = v !== 'cloud_essd'; }) }),
          field({ label: 'Performance level', control: pl }),
          field({ label: 'Size (GiB)', control: input('number', d.size, (v) => { d.size = v; }, { min: 1, max: 65536, step: 1, id: sizeId }), required: true }),
          checkbox('Release with the instance', d.deleteWithInstance, (v) => { d.deleteWithInstance = v; }),
          remove));
      });
      addDisk.disabled = st.dataDisks.length >= 16;
    }
    panel.append(section('Storage',
      h('fieldset', { class: 'wiz-row' }, h('legend', {}, 'System disk'),
        field({ label: 'Category', control: sysCat }),
        field({ label: 'Performance level (ESSD)', control: sysPl }),
        field({ label: 'Size (GiB)', control: sysSizeInput, required: true, help: 'At least the image\'s size; 20 to 2048 GiB.' })),
      dataBox, h('div', { class: 'res-form-actions' }, addDisk, h('span', { class: 'help' }, 'Up to 16 data disks; the first is /dev/vdb in the guest.'))));
    drawDataDisks();
    syncSysSizeMin();
  }

  function checkBasics() {
    const out = [];
    if (st.billing === 'Spot' && st.spotStrategy === 'SpotWithPriceLimit') {
      const v = Number(st.spotPriceLimit);
      if (!(v > 0)) out.push([ids.spotLimit, 'Enter the highest hourly price you will pay.']);
    }
    if (!st.zoneId) out.push([ids.zone, 'Choose a zone.']);
    if (!st.instanceType) out.push([ids.type, 'Choose an instance type.']);
    if (!st.imageId) out.push([ids.image, 'Choose an image.']);
    const minSys = Math.max(SYSTEM_SIZE[0], (st.image && st.image.Size) || 0);
    const sysProblem = diskProblem(st.sysCategory, st.sysPL, st.sysSize, true)
      || (st.sysSize < minSys ? `The image needs at least ${minSys} GiB.` : null);
    if (sysProblem) out.push([ids.sysSize, sysProblem]);
    st.dataDisks.forEach((d, i) => {
      const p = diskProblem(d.category, d.pl, d.size, false);
      if (p) out.push([ids.data[i], p]);
    });
    return out;
  }

  async function chooseTemplate(id, version) {
    st.templateId = id;
    st.templateVersion = version;
    if (!id) { st.templateVersions = []; render(0); return; }
    try {
      const versions = await pageAll('DescribeLaunchTemplateVersions', { LaunchTemplateId: id, DetailFlag: true }, 'LaunchTemplateVersionSets.LaunchTemplateVersionSet', 'ecs');
      st.templateVersions = versions.sort((a, b) => b.VersionNumber - a.VersionNumber);
      const chosen = versions.find((v) => String(v.VersionNumber) === String(version)) || versions.find((v) => v.DefaultVersion) || versions[0];
      if (!chosen) { toast('That template has no versions.', 'error'); return; }
      st.templateVersion = String(chosen.VersionNumber);
      await applyTemplate(chosen.LaunchTemplateData || {});
      toast(`Filled from ${id} version ${chosen.VersionNumber}.`, 'success');
    } catch (e) {
      toast(errorText(e), 'error');
    }
    if (alive && st.step === 0) render(0);
  }

  async function applyTemplate(d) {
    const sd = d.SystemDisk || {};
    if (d.ZoneId) st.zoneId = d.ZoneId;
    if (d.InstanceType) st.instanceType = d.InstanceType;
    if (d.ImageId) {
      st.imageId = d.ImageId;
      st.image = null;
      if (d.ImageOwnerAlias && IMAGE_TABS.some((t) => t.value === d.ImageOwnerAlias)) st.imageTab = d.ImageOwnerAlias;
    }
    if (sd.Category) st.sysCategory = sd.Category;
    if (sd.Size) st.sysSize = Number(sd.Size);
    if (sd.PerformanceLevel) st.sysPL = sd.PerformanceLevel;
    const disks = list(d, 'DataDisks', 'DataDisk');
    if (disks.length) {
      st.dataDisks = disks.map((x) => ({
        size: Number(x.Size) || 40, category: x.Category || 'cloud_essd', pl: x.PerformanceLevel || 'PL1',
        deleteWithInstance: x.DeleteWithInstance !== false,
      }));
    }
    if (d.InstanceChargeType === 'PrePaid') {
      st.billing = 'PrePaid';
      if (d.Period) st.period = Number(d.Period);
      if (d.PeriodUnit) st.periodUnit = d.PeriodUnit;
      st.autoRenew = Boolean(d.AutoRenew);
    } else if (d.SpotStrategy && d.SpotStrategy !== 'NoSpot') {
      st.billing = 'Spot';
      st.spotStrategy = d.SpotStrategy;
      if (d.SpotPriceLimit) st.spotPriceLimit = d.SpotPriceLimit;
    } else if (d.InstanceChargeType === 'PostPaid') {
      st.billing = 'PostPaid';
    }
    if (d.VSwitchId) {
      st.vswitchId = d.VSwitchId;
      st.vpcId = d.VpcId || '';
      if (!st.vpcId) {
        try {
          const b = await call('vpc', 'DescribeVSwitches', { VSwitchId: d.VSwitchId });
          const s = list(b, 'VSwitches', 'VSwitch')[0];
          if (s) { st.vpcId = s.VpcId; if (!d.ZoneId) st.zoneId = s.ZoneId; }
        } catch { /* the user picks the VPC */ }
      }
    } else if (d.VpcId) st.vpcId = d.VpcId;
    const sgs = list(d, 'SecurityGroupIds', 'SecurityGroupId');
    if (sgs.length) st.sgIds = [...sgs];
    else if (d.SecurityGroupId) st.sgIds = [d.SecurityGroupId];
    if (d.InternetMaxBandwidthOut !== undefined && d.InternetMaxBandwidthOut !== null) st.bandwidth = Number(d.InternetMaxBandwidthOut) || 0;
    if (d.InternetChargeType) st.internetChargeType = d.InternetChargeType;
    if (d.KeyPairName) { st.login = 'key'; st.keyPairName = d.KeyPairName; }
    if (d.InstanceName) st.instanceName = d.InstanceName;
    if (d.HostName) st.hostName = d.HostName;
    if (d.UserData) st.userData = fromBase64(d.UserData);
    if (d.DeploymentSetId) st.deploymentSetId = d.DeploymentSetId;
    const tags = list(d, 'Tags', 'InstanceTag');
    if (tags.length) st.tags = tags.map((t) => ({ key: t.Key || '', value: t.Value || '' }));
  }

  // -------------------------------------------------------------------------------------------
  // Step 2: Networking

  function renderNetworking() {
    const vpcBox = h('div', {}, loadingNote('Loading VPCs…'));
    const vswBox = h('div', {});
    const sgBox = h('div', {});
    panel.append(section('VPC and vSwitch', vpcBox, vswBox), section('Security groups', sgBox));

    const drawVpcs = () => load('vpcs', () => pageAll('DescribeVpcs', {}, 'Vpcs.Vpc', 'vpc')).then((vs) => {
      data.vpcs = vs;
      if (!alive) return;
      if (!vs.length) {
        ids.vpc = 'wiz-vpc';
        const sel = h('select', { id: 'wiz-vpc', disabled: true }, h('option', { value: '' }, 'No VPC'));
        clear(vpcBox).append(field({ label: 'VPC', control: sel }),
          h('p', {}, 'This region has no VPC yet. ', h('a', { href: '#/vpcs' }, 'Create a VPC'), ', then come back.'));
        return;
      }
      if (!st.vpcId || !vs.some((v) => v.VpcId === st.vpcId)) st.vpcId = vs[0].VpcId;
      const sel = select(vs.map((v) => ({ value: v.VpcId, label: `${nameOr(v.VpcId, v.VpcName)} · ${v.CidrBlock}` })), st.vpcId,
        (v) => { st.vpcId = v; st.vswitchId = ''; st.sgIds = []; drawVswitches(); drawSgs(); }, { id: 'wiz-vpc' });
      ids.vpc = 'wiz-vpc';
      clear(vpcBox).append(field({ label: 'VPC', control: sel, required: true }));
      drawVswitches();
      drawSgs();
    }).catch((e) => { if (alive) clear(vpcBox).append(failNote(e, drawVpcs)); });

    function drawVswitches() {
      const key = `${st.vpcId}|${st.zoneId}`;
      const vpcId = st.vpcId;
      clear(vswBox).append(loadingNote('Loading vSwitches…'));
      load(`vsw-${key}`, () => pageAll('DescribeVSwitches', { VpcId: st.vpcId, ZoneId: st.zoneId }, 'VSwitches.VSwitch', 'vpc')).then((ss) => {
        data.vswitches[key] = ss;
        if (!alive || st.vpcId !== vpcId) return;
        ids.vsw = 'wiz-vsw';
        if (!ss.length) {
          st.vswitchId = '';
          clear(vswBox).append(
            field({ label: 'vSwitch', control: h('select', { id: 'wiz-vsw' }, h('option', { value: '' }, `No vSwitch in ${st.zoneId}`)), required: true }),
            h('p', {}, `VPC ${st.vpcId} has no vSwitch in zone ${st.zoneId}. `,
              h('a', { href: `#/vswitches?vpc=${encodeURIComponent(st.vpcId)}` }, 'Create one'), ', or go back and pick another zone.'));
          return;
        }
        if (!ss.some((s) => s.VSwitchId === st.vswitchId)) st.vswitchId = ss[0].VSwitchId;
        const sel = select(ss.map((s) => ({ value: s.VSwitchId, label: `${nameOr(s.VSwitchId, s.VSwitchName)} · ${s.CidrBlock} · ${s.AvailableIpAddressCount ?? '?'} free` })), st.vswitchId,
          (v) => { st.vswitchId = v; }, { id: 'wiz-vsw' });
        clear(vswBox).append(field({ label: 'vSwitch', control: sel, required: true, help: `vSwitches of this VPC in ${st.zoneId}, the zone chosen in step 1.` }));
      }).catch((e) => { if (alive) clear(vswBox).append(failNote(e, drawVswitches)); });
    }

    function drawSgs() {
      const vpcId = st.vpcId;
      clear(sgBox).append(loadingNote('Loading security groups…'));
      load(`sg-${vpcId}`, () => pageAll('DescribeSecurityGroups', { VpcId: vpcId }, 'SecurityGroups.SecurityGroup', 'ecs')).then((gs) => {
        data.sgs[vpcId] = gs;
        if (!alive || st.vpcId !== vpcId) return;
        st.sgIds = st.sgIds.filter((id) => gs.some((g) => g.SecurityGroupId === id));
        if (!st.sgIds.length && gs.length === 1) st.sgIds = [gs[0].SecurityGroupId];
        const boxes = gs.map((g) => {
          const id = nextId('sg');
          const cb = h('input', { type: 'checkbox', id, value: g.SecurityGroupId, checked: st.sgIds.includes(g.SecurityGroupId) });
          cb.addEventListener('change', () => {
            st.sgIds = cb.checked ? [...st.sgIds, g.SecurityGroupId] : st.sgIds.filter((x) => x !== g.SecurityGroupId);
            setError(sgGroup.id, null);
          });
          return h('label', { class: 'choice', for: id }, cb, h('span', {},
            h('span', { class: 'choice-title' }, g.SecurityGroupName || g.SecurityGroupId), ' ',
            h('span', { class: 'choice-detail mono' }, g.SecurityGroupId), ' ',
            h('span', { class: 'choice-detail' }, `${g.RuleCount ?? '?'} rules${g.Description ? ` · ${g.Description}` : ''}`)));
        });
        const sgGroup = group({
          label: 'Security groups', hideLabel: true, help: 'One to five groups of this VPC; their rules add up.',
          content: gs.length ? h('div', { class: 'choices' }, boxes) : h('p', {}, `VPC ${vpcId} has no security group. `,
            h('a', { href: `#/security-groups?vpc=${encodeURIComponent(vpcId)}` }, 'Create one'), ', then come back.'),
        });
        ids.sg = sgGroup.id;
        clear(sgBox).append(sgGroup.node);
      }).catch((e) => { if (alive) clear(sgBox).append(failNote(e, drawSgs)); });
    }
    drawVpcs();

    // Public bandwidth
    const charge = select([{ value: 'PayByTraffic', label: 'By traffic' }, { value: 'PayByBandwidth', label: 'By bandwidth' }], st.internetChargeType,
      (v) => { st.internetChargeType = v; }, { disabled: !(st.bandwidth > 0) });
    const bw = input('number', st.bandwidth, (v) => { st.bandwidth = v; charge.disabled = !(v > 0); }, { min: 0, max: 100, step: 1, id: 'wiz-bw' });
    ids.bw = 'wiz-bw';
    panel.append(section('Public IP address', h('div', { class: 'wiz-inline' },
      field({ label: 'Outbound bandwidth (Mbit/s)', control: bw, help: '0: no public address (bind an EIP later if you like); 1 to 100: a static public address.' }),
      field({ label: 'Billing', control: charge }))));
  }

  function checkNetworking() {
    const out = [];
    if (!st.vpcId) out.push([ids.vpc, 'Choose a VPC (create one first if there is none).']);
    else if (!st.vswitchId) out.push([ids.vsw, `Choose a vSwitch in ${st.zoneId}.`]);
    if (st.vpcId && !st.sgIds.length) out.push([ids.sg, 'Choose at least one security group.']);
    else if (st.sgIds.length > 5) out.push([ids.sg, 'Choose at most five security groups.']);
    if (!Number.isInteger(st.bandwidth) || st.bandwidth < 0 || st.bandwidth > 100) out.push([ids.bw, 'Bandwidth is a whole number from 0 to 100.']);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Step 3: System

  function renderSystem() {
    // Login
    const loginExtra = h('div', {});
    const drawLogin = () => {
      clear(loginExtra);
      if (st.login === 'key') {
        const box = h('div', {}, loadingNote('Loading key pairs…'));
        loginExtra.append(box);
        load('keypairs', () => pageAll('DescribeKeyPairs', {}, 'KeyPairs.KeyPair', 'ecs')).then((ks) => {
          data.keyPairs = ks;
          if (!alive || st.login !== 'key') return;
          ids.key = 'wiz-key';
          if (!ks.some((k) => k.KeyPairName === st.keyPairName)) st.keyPairName = ks[0] ? ks[0].KeyPairName : '';
          const sel = ks.length
            ? select(ks.map((k) => ({ value: k.KeyPairName, label: k.KeyPairName })), st.keyPairName, (v) => { st.keyPairName = v; }, { id: 'wiz-key' })
            : h('select', { id: 'wiz-key' }, h('option', { value: '' }, 'No key pairs'));
          clear(box).append(field({ label: 'Key pair', control: sel, required: true }),
            h('p', { class: 'help' }, ks.length ? 'Log in as root with this key. ' : 'You have no key pairs yet. ', h('a', { href: '#/key-pairs' }, 'Manage key pairs')));
        }).catch((e) => { if (alive) clear(box).append(failNote(e, drawLogin)); });
      } else if (st.login === 'password') {
        ids.pw = 'wiz-pw';
        ids.pw2 = 'wiz-pw2';
        loginExtra.append(h('div', { class: 'wiz-inline' },
          field({ label: 'Password', control: input('password', st.password, (v) => { st.password = v; }, { id: 'wiz-pw', autocomplete: 'new-password' }), required: true, help: `8-30 characters; three of lower case, upper case, digits and ${PASSWORD_SPECIALS}` }),
          field({ label: 'Confirm password', control: input('password', st.password2, (v) => { st.password2 = v; }, { id: 'wiz-pw2', autocomplete: 'new-password' }), required: true })));
      } else {
        loginExtra.append(h('p', { class: 'help' }, 'Set a password or bind a key pair later from the instance\'s page.'));
      }
    };
    panel.append(section('Login',
      radios(nextId('login'), [
        { value: 'key', label: 'Key pair', detail: 'Recommended for Linux.' },
        { value: 'password', label: 'Password' },
        { value: 'later', label: 'Set later' },
      ], st.login, (v) => { st.login = v; drawLogin(); }),
      loginExtra));
    drawLogin();

    // Names and count
    ids.name = 'wiz-name';
    ids.host = 'wiz-host';
    ids.amount = 'wiz-amount';
    const suffix = checkbox('Number the names (-001, -002…) when launching several', st.uniqueSuffix, (v) => { st.uniqueSuffix = v; });
    panel.append(section('Instance',
      h('div', { class: 'wiz-inline' },
        field({ label: 'Instance name', control: input('text', st.instanceName, (v) => { st.instanceName = v; }, { id: 'wiz-name', maxlength: 128 }), help: 'Optional; 2-128 characters, starting with a letter.' }),
        field({ label: 'Host name', control: input('text', st.hostName, (v) => { st.hostName = v; }, { id: 'wiz-host', maxlength: 64 }), help: 'Optional; the guest\'s hostname.' }),
        field({ label: 'Number of instances', control: input('number', st.amount, (v) => { st.amount = v; }, { id: 'wiz-amount', min: 1, max: 100, step: 1 }), required: true, help: '1 to 100.' })),
      suffix));

    // User data
    ids.ud = 'wiz-ud';
    const ud = h('textarea', { id: 'wiz-ud', rows: 6, spellcheck: 'false', placeholder: '#!/bin/sh\necho hello > /root/hello' }, st.userData);
    ud.addEventListener('input', () => { st.userData = ud.value; });
    panel.append(section('User data (optional)', field({ label: 'Script or cloud-config', control: ud, help: 'Run by the guest at first boot. Sent Base64-encoded; at most 32 KiB encoded.' })));

    // Tags
    const tagBox = h('div', {});
    const addTag = h('button', { type: 'button', class: 'btn' }, 'Add tag');
    addTag.addEventListener('click', () => {
      st.tags.push({ key: '', value: '' });
      drawTags();
      const inputs = tagBox.querySelectorAll('input[type=text]');
      if (inputs.length) inputs[inputs.length - 2].focus();
    });
    function drawTags() {
      clear(tagBox);
      ids.tags = [];
      st.tags.forEach((t, i) => {
        const n = i + 1;
        const keyId = `wiz-tag-${n}-key`;
        ids.tags.push(keyId);
        const remove = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Remove tag ${n}` }, 'Remove');
        remove.addEventListener('click', () => { st.tags.splice(i, 1); drawTags(); (tagBox.querySelector('button') || addTag).focus(); });
        tagBox.append(h('div', { class: 'wiz-row', role: 'group', 'aria-label': `Tag ${n}` },
          field({ label: `Tag ${n} key`, control: input('text', t.key, (v) => { t.key = v; }, { id: keyId, maxlength: 128 }) }),
          field({ label: `Tag ${n} value`, control: input('text', t.value, (v) => { t.value = v; }, { maxlength: 128 }) }),
          remove));
      });
      addTag.disabled = st.tags.length >= 20;
    }
    panel.append(section('Tags (optional)', tagBox, addTag));
    drawTags();

    // Deployment set
    const dsBox = h('div', {}, loadingNote('Loading deployment sets…'));
    panel.append(section('Deployment set (optional)', dsBox));
    load('dsets', () => pageAll('DescribeDeploymentSets', {}, 'DeploymentSets.DeploymentSet', 'ecs')).then((ds) => {
      data.deploymentSets = ds;
      if (!alive) return;
      if (!ds.length) { clear(dsBox).append(h('p', { class: 'muted' }, 'No deployment sets in this region.')); st.deploymentSetId = ''; return; }
      const sel = select([{ value: '', label: 'None' }, ...ds.map((d) => ({ value: d.DeploymentSetId, label: `${nameOr(d.DeploymentSetId, d.DeploymentSetName)} · ${d.DeploymentStrategy || d.Strategy || ''}` }))],
        st.deploymentSetId, (v) => { st.deploymentSetId = v; });
      clear(dsBox).append(field({ label: 'Deployment set', control: sel, help: 'Spread the instances over hosts.' }));
    }).catch((e) => { if (alive) clear(dsBox).append(failNote(e)); });
  }

  function checkSystem() {
    const out = [];
    if (st.login === 'key' && !st.keyPairName) out.push([ids.key, 'Choose a key pair (or another login option).']);
    if (st.login === 'password') {
      const p = passwordProblem(st.password);
      if (p) out.push([ids.pw, p]);
      else if (st.password !== st.password2) out.push([ids.pw2, 'The passwords differ.']);
    }
    const np = nameProblem(st.instanceName.trim(), 'instance name');
    if (np) out.push([ids.name, np]);
    const hp = hostNameProblem(st.hostName.trim());
    if (hp) out.push([ids.host, hp]);
    if (!Number.isInteger(st.amount) || st.amount < 1 || st.amount > 100) out.push([ids.amount, 'Launch 1 to 100 instances.']);
    if (st.userData && toBase64(st.userData).length > 32768) out.push([ids.ud, 'The user data is over 32 KiB once encoded.']);
    const seen = new Set();
    st.tags.forEach((t, i) => {
      const k = t.key.trim();
      if (!k && !t.value.trim()) return;
      if (!k) out.push([ids.tags[i], 'Give the tag a key, or remove it.']);
      else if (/^(aliyun|acs:)/i.test(k)) out.push([ids.tags[i], 'Keys cannot start with "aliyun" or "acs:".']);
      else if (/^https?:\/\//.test(k)) out.push([ids.tags[i], 'Keys cannot start with http:// or https://.']);
      else if (seen.has(k)) out.push([ids.tags[i], 'This key is used twice.']);
      seen.add(k);
    });
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Step 4: Review

  const essd = (c) => c === 'cloud_essd';
  const catLabel = (c) => (DISK_CATEGORIES.find((x) => x.value === c) || { label: c }).label;

  function runParams() {
    const prepaid = st.billing === 'PrePaid';
    const spot = st.billing === 'Spot';
    const p = {
      ZoneId: st.zoneId,
      InstanceType: st.instanceType,
      ImageId: st.imageId,
      InstanceChargeType: prepaid ? 'PrePaid' : 'PostPaid',
      Period: prepaid ? st.period : undefined,
      PeriodUnit: prepaid ? st.periodUnit : undefined,
      AutoRenew: prepaid ? st.autoRenew : undefined,
      SpotStrategy: spot ? st.spotStrategy : undefined,
      SpotPriceLimit: spot && st.spotStrategy === 'SpotWithPriceLimit' ? Number(st.spotPriceLimit) : undefined,
      SystemDisk: { Category: st.sysCategory, Size: st.sysSize, PerformanceLevel: essd(st.sysCategory) ? st.sysPL : undefined },
      DataDisk: st.dataDisks.map((d) => ({
        Category: d.category, Size: d.size, PerformanceLevel: essd(d.category) ? d.pl : undefined, DeleteWithInstance: d.deleteWithInstance,
      })),
      VSwitchId: st.vswitchId,
      SecurityGroupIds: st.sgIds,
      InternetMaxBandwidthOut: st.bandwidth,
      InternetChargeType: st.bandwidth > 0 ? st.internetChargeType : undefined,
      KeyPairName: st.login === 'key' ? st.keyPairName : undefined,
      Password: st.login === 'password' ? st.password : undefined,
      InstanceName: st.instanceName.trim() || undefined,
      HostName: st.hostName.trim() || undefined,
      Amount: st.amount,
      UniqueSuffix: st.amount > 1 && st.uniqueSuffix && (st.instanceName.trim() || st.hostName.trim()) ? true : undefined,
      UserData: st.userData ? toBase64(st.userData) : undefined,
      Tag: st.tags.filter((t) => t.key.trim()).map((t) => ({ Key: t.key.trim(), Value: t.value })),
      DeploymentSetId: st.deploymentSetId || undefined,
      LaunchTemplateId: st.templateId || undefined,
      LaunchTemplateVersion: st.templateId && st.templateVersion ? Number(st.templateVersion) : undefined,
    };
    return p;
  }

  function priceParams() {
    const prepaid = st.billing === 'PrePaid';
    let unit = 'Hour';
    let period;
    if (prepaid) {
      if (st.periodUnit === 'Week') { unit = 'Week'; period = st.period; } else if (st.period >= 12 && st.period % 12 === 0) { unit = 'Year'; period = st.period / 12; } else { unit = 'Month'; period = st.period; }
    }
    return {
      ResourceType: 'instance',
      ZoneId: st.zoneId,
      InstanceType: st.instanceType,
      ImageId: st.imageId,
      InstanceNetworkType: 'vpc',
      SystemDisk: { Category: st.sysCategory, Size: st.sysSize, PerformanceLevel: essd(st.sysCategory) ? st.sysPL : undefined },
      DataDisk: st.dataDisks.map((d) => ({ Category: d.category, Size: d.size, PerformanceLevel: essd(d.category) ? d.pl : undefined })),
      InternetMaxBandwidthOut: st.bandwidth,
      InternetChargeType: st.bandwidth > 0 ? st.internetChargeType : undefined,
      SpotStrategy: st.billing === 'Spot' ? st.spotStrategy : undefined,
      PriceUnit: unit,
      Period: period,
      Amount: st.amount,
    };
  }

  function renderReview() {
    const type = (data.types || []).find((t) => t.InstanceTypeId === st.instanceType);
    const vpc = (data.vpcs || []).find((v) => v.VpcId === st.vpcId);
    const vsw = (data.vswitches[`${st.vpcId}|${st.zoneId}`] || []).find((s) => s.VSwitchId === st.vswitchId);
    const sgs = data.sgs[st.vpcId] || [];
    const billing = st.billing === 'PrePaid'
      ? `Subscription, ${st.period} ${st.periodUnit === 'Week' ? 'week' : 'month'}${st.period > 1 ? 's' : ''}${st.autoRenew ? ', renewed automatically' : ''}`
      : st.billing === 'Spot'
        ? `Spot, ${st.spotStrategy === 'SpotWithPriceLimit' ? `at most ${st.spotPriceLimit} per hour` : 'at the market price'}`
        : 'Pay-as-you-go';
    const disk = (c, pl, size) => `${catLabel(c)}${essd(c) ? ` ${pl}` : ''}, ${size} GiB`;
    const edit = (n) => h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `Change ${STEPS[n].toLowerCase()}`, onclick: () => go(n) }, 'Change');

    const priceBox = h('div', { class: 'wiz-price-box', 'aria-live': 'polite' }, loadingNote('Working out the price…'));
    panel.append(
      h('div', { class: 'grid-2' },
        h('section', { class: 'card wiz-review', 'aria-labelledby': 'wiz-rv-basics' },
          h('div', { class: 'wiz-review-head' }, h('h3', { id: 'wiz-rv-basics' }, 'Basics'), edit(0)),
          describe([
            ['Launch template', st.templateId ? `${st.templateId} version ${st.templateVersion}` : ''],
            ['Billing', billing],
            ['Zone', st.zoneId],
            ['Instance type', type ? `${type.InstanceTypeId} (${type.CpuCoreCount} vCPU, ${type.MemorySize} GiB)` : st.instanceType],
            ['Image', st.image ? nameOr(st.image.ImageId, st.image.ImageName) : st.imageId],
            ['System disk', disk(st.sysCategory, st.sysPL, st.sysSize)],
            ['Data disks', st.dataDisks.length ? h('ul', { class: 'res-inline-list' }, st.dataDisks.map((d, i) => h('li', {}, `${i + 1}: ${disk(d.category, d.pl, d.size)}${d.deleteWithInstance ? '' : ', kept after release'}`))) : 'None'],
          ])),
        h('section', { class: 'card wiz-review', 'aria-labelledby': 'wiz-rv-net' },
          h('div', { class: 'wiz-review-head' }, h('h3', { id: 'wiz-rv-net' }, 'Networking'), edit(1)),
          describe([
            ['VPC', vpc ? `${nameOr(vpc.VpcId, vpc.VpcName)} · ${vpc.CidrBlock}` : st.vpcId],
            ['vSwitch', vsw ? `${nameOr(vsw.VSwitchId, vsw.VSwitchName)} · ${vsw.CidrBlock}` : st.vswitchId],
            ['Security groups', h('ul', { class: 'res-inline-list' }, st.sgIds.map((id) => {
              const g = sgs.find((x) => x.SecurityGroupId === id);
              return h('li', {}, g ? nameOr(id, g.SecurityGroupName) : id);
            }))],
            ['Public bandwidth', st.bandwidth > 0 ? `${st.bandwidth} Mbit/s, billed ${st.internetChargeType === 'PayByBandwidth' ? 'by bandwidth' : 'by traffic'}` : 'No public address'],
          ])),
        h('section', { class: 'card wiz-review', 'aria-labelledby': 'wiz-rv-sys' },
          h('div', { class: 'wiz-review-head' }, h('h3', { id: 'wiz-rv-sys' }, 'System'), edit(2)),
          describe([
            ['Login', st.login === 'key' ? `Key pair ${st.keyPairName}` : st.login === 'password' ? 'Password (set)' : 'Set later'],
            ['Instance name', st.instanceName.trim()],
            ['Host name', st.hostName.trim()],
            ['Count', String(st.amount)],
            ['User data', st.userData ? `${new TextEncoder().encode(st.userData).length} bytes` : ''],
            ['Tags', st.tags.filter((t) => t.key.trim()).map((t) => `${t.key.trim()}=${t.value}`).join(', ')],
            ['Deployment set', st.deploymentSetId],
          ])),
        h('section', { class: 'card wiz-review', 'aria-labelledby': 'wiz-rv-price' },
          h('h3', { id: 'wiz-rv-price' }, 'Price'), priceBox)));

    call('ecs', 'DescribePrice', priceParams()).then((b) => {
      if (!alive || st.step !== 3) return;
      const price = b && b.PriceInfo && b.PriceInfo.Price;
      if (!price || price.TradePrice === undefined) { priceBox.closest('section').hidden = true; return; }
      const per = st.billing === 'PrePaid' ? `for ${st.period} ${st.periodUnit === 'Week' ? 'week' : 'month'}${st.period > 1 ? 's' : ''}` : 'per hour';
      const amount = Number(price.TradePrice);
      clear(priceBox).append(
        h('p', { class: 'wiz-price' }, `${Number.isFinite(amount) ? amount.toFixed(amount < 1 ? 4 : 2) : price.TradePrice} ${price.Currency || ''}`.trim(), h('span', { class: 'wiz-price-note' }, ` ${per}`)),
        h('p', { class: 'wiz-price-note' }, `${st.amount > 1 ? `For all ${st.amount} instances: ` : 'For '}the instance${st.amount > 1 ? 's' : ''}, ${st.amount > 1 ? 'their disks' : 'its disks'}${st.bandwidth > 0 ? ' and the bandwidth' : ''}${price.OriginalPrice && Number(price.OriginalPrice) !== amount ? `; list price ${price.OriginalPrice}` : ''}.`));
    }).catch(() => {
      // No price (no price table, or a combination it cannot price): say nothing.
      const sec = priceBox.closest('section');
      if (sec) sec.hidden = true;
    });
  }

  async function doLaunch() {
    for (let i = 0; i < 3; i++) {
      if (!validateQuiet(i)) {
        go(i);
        // Give the step's lists a moment to load, so the messages sit next to their fields.
        setTimeout(() => { if (alive && st.step === i) validate(i); }, 400);
        return;
      }
    }
    launch.disabled = true;
    back.disabled = true;
    launch.textContent = 'Launching…';
    try {
      const r = await call('ecs', 'RunInstances', runParams());
      const ids2 = list(r, 'InstanceIdSets', 'InstanceIdSet');
      toast(ids2.length ? `Launching ${ids2.length} instance${ids2.length > 1 ? 's' : ''}: ${ids2.join(', ')}.` : 'Launching.', 'success');
      location.hash = '#/instances';
    } catch (e) {
      alert.hidden = false;
      alert.textContent = `The launch failed. ${errorText(e)}`;
      toast(errorText(e), 'error');
      alert.scrollIntoView({ block: 'nearest' });
    } finally {
      if (alive) {
        launch.disabled = false;
        back.disabled = false;
        launch.textContent = 'Launch';
      }
    }
  }

  // The checks of a step without rendering it (they read st only).
  function validateQuiet(n) {
    return [checkBasics, checkNetworking, checkSystem][n]().length === 0;
  }

  go(0);
  return () => { alive = false; };
}

export function register(registerPage) {
  registerPage('/wizard', { title: 'Custom launch', nav: 'Custom launch', group: 'Compute', render: wizardPage });
}
