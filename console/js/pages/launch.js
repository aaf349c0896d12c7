// console/js/pages/launch.js — Quick Launch (/launch): one page, sensible defaults, as few
// clicks as possible (open the page, type a password, click Launch).
//
// Defaults: the first zone, a short list of instance types (with vCPU, memory and the hourly
// price from DescribePrice when it answers), the built-in public image, a password (or a key
// pair), a public IP (5 Mbit/s, pay by traffic). Network: the account's default VPC; if there
// is none, the console creates one on submit and says so: VPC "default" 172.16.0.0/12, a
// vSwitch (a free /20, 172.16.0.0/20 first) in the zone, and a security group "default"
// allowing SSH (TCP 22 from 0.0.0.0/0). A VPC the console made earlier (named "default") is
// reused. Then RunInstances (PostPaid, Amount 1) and on to the instance's page.

import { ecs, vpc, pageAll } from '../api.js';
import { h, page, errorText, clear, loading } from '../ui.js';
import { navigate } from '../app.js';
import { passwordProblem, PASSWORD_HELP } from './instance-actions.js';

const CURATED = ['ecs.t6-c1m1.large', 'ecs.t5-lc2m1.nano', 'ecs.c7.large', 'ecs.g7.large'];
const DEFAULT_TYPE = 'ecs.t6-c1m1.large';
const BUILT_IN_IMAGE = 'debian_12_tiny_x64_openecs';
const DEFAULT_VPC_CIDR = '172.16.0.0/12';
const PUBLIC_BANDWIDTH = 5;

export function register(registerPage) {
  registerPage('/launch', { title: 'Quick Launch', nav: 'Quick Launch', group: 'Compute', render });
}

// ---------------------------------------------------------------------------------------------
// Network: find or make the default VPC, a vSwitch in the zone and an SSH security group.

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const truthy = (v) => v === true || v === 'true';

async function findDefaultVpc() {
  const vpcs = await pageAll('DescribeVpcs', { IsDefault: true }, 'Vpcs.Vpc', 'vpc');
  return vpcs.find((v) => truthy(v.IsDefault)) || null;
}

async function findConsoleVpc() {
  const vpcs = await pageAll('DescribeVpcs', { VpcName: 'default' }, 'Vpcs.Vpc', 'vpc');
  return vpcs.find((v) => v.VpcName === 'default') || null;
}

async function waitUntil(what, fn, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become available within ${timeoutMs / 1000} seconds.`);
    await sleep(1000);
  }
}

const ipToInt = (ip) => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const intToIp = (n) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
function parseCidr(c) {
  const [ip, bits] = c.split('/');
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(ipToInt(ip) / size) * size;
  return { base, prefix, size };
}

// The first free block for a vSwitch in the VPC (a /20 where the VPC is /20 or larger).
export function freeBlock(vpcCidr, taken) {
  const v = parseCidr(vpcCidr);
  const prefix = v.prefix <= 20 ? 20 : Math.min(v.prefix + 2, 29);
  const size = 2 ** (32 - prefix);
  const used = taken.map(parseCidr);
  for (let b = v.base; b + size <= v.base + v.size; b += size) {
    if (!used.some((u) => b < u.base + u.size && u.base < b + size)) return `${intToIp(b)}/${prefix}`;
  }
  return null;
}

async function ensureNetwork(zoneId, step) {
  let s = step('Looking for your default VPC');
  let theVpc = (await findDefaultVpc()) || (await findConsoleVpc());
  if (theVpc) {
    s.done(`Using VPC ${theVpc.VpcName ? `${theVpc.VpcName} (${theVpc.VpcId})` : theVpc.VpcId}.`);
  } else {
    s.done('You have no default VPC, so the console creates one for you.');
    s = step(`Creating VPC "default" (${DEFAULT_VPC_CIDR})`);
    const res = await vpc('CreateVpc', { CidrBlock: DEFAULT_VPC_CIDR, VpcName: 'default', Description: 'Created by the OpenECS console (Quick Launch).' });
    await waitUntil(`VPC ${res.VpcId}`, async () => {
      const r = await vpc('DescribeVpcs', { VpcId: res.VpcId });
      const v = ((r.Vpcs && r.Vpcs.Vpc) || [])[0];
      if (v && v.Status === 'Available') { theVpc = v; return true; }
      return false;
    });
    s.done(`Created VPC ${res.VpcId} (${DEFAULT_VPC_CIDR}).`);
  }

  s = step(`Looking for a vSwitch in ${zoneId}`);
  const vsws = await pageAll('DescribeVSwitches', { VpcId: theVpc.VpcId }, 'VSwitches.VSwitch', 'vpc');
  let vsw = vsws.find((x) => x.ZoneId === zoneId && x.Status !== 'Pending') || vsws.find((x) => x.ZoneId === zoneId);
  if (vsw) {
    s.done(`Using vSwitch ${vsw.VSwitchId} (${vsw.CidrBlock}).`);
  } else {
    const cidr = freeBlock(theVpc.CidrBlock, vsws.map((x) => x.CidrBlock));
    if (!cidr) throw new Error(`VPC ${theVpc.VpcId} has no free address block left for a vSwitch in ${zoneId}.`);
    s.update(`Creating a vSwitch ${cidr} in ${zoneId}`);
    const res = await vpc('CreateVSwitch', { VpcId: theVpc.VpcId, ZoneId: zoneId, CidrBlock: cidr, VSwitchName: `default-${zoneId}` });
    await waitUntil(`vSwitch ${res.VSwitchId}`, async () => {
      const r = await vpc('DescribeVSwitches', { VSwitchId: res.VSwitchId });
      const x = ((r.VSwitches && r.VSwitches.VSwitch) || [])[0];
      return x && x.Status === 'Available';
    });
    vsw = { VSwitchId: res.VSwitchId, CidrBlock: cidr };
    s.done(`Created vSwitch ${res.VSwitchId} (${cidr}) in ${zoneId}.`);
  }

  s = step('Looking for a security group');
  const groups = await pageAll('DescribeSecurityGroups', { VpcId: theVpc.VpcId }, 'SecurityGroups.SecurityGroup');
  let sg = groups.find((g) => g.SecurityGroupName === 'default') || (groups.length === 1 ? groups[0] : null);
  if (sg) {
    s.done(`Using security group ${sg.SecurityGroupName ? `${sg.SecurityGroupName} (${sg.SecurityGroupId})` : sg.SecurityGroupId}.`);
  } else {
    s.update('Creating security group "default" (allows SSH, TCP 22, from anywhere)');
    const res = await ecs('CreateSecurityGroup', { VpcId: theVpc.VpcId, SecurityGroupName: 'default', Description: 'Created by the OpenECS console (Quick Launch): SSH from anywhere.' });
    await ecs('AuthorizeSecurityGroup', {
      SecurityGroupId: res.SecurityGroupId, IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0',
      Policy: 'accept', NicType: 'intranet', Description: 'SSH',
    });
    sg = { SecurityGroupId: res.SecurityGroupId };
    s.done(`Created security group ${res.SecurityGroupId} allowing SSH (TCP 22) from anywhere.`);
  }
  return { vpcId: theVpc.VpcId, vSwitchId: vsw.VSwitchId, securityGroupId: sg.SecurityGroupId };
}

// ---------------------------------------------------------------------------------------------
// The page

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function render(container) {
  const body = page(container, {
    title: 'Quick Launch',
    subtitle: 'A pay-as-you-go instance with sensible defaults: type a password and launch.',
  });
  body.append(loading('Loading zones, instance types and images…'));

  const [zonesRes, typesRes, imagesRes, defaultVpc, keyPairs] = await Promise.all([
    ecs('DescribeZones', {}),
    ecs('DescribeInstanceTypes', { InstanceTypes: CURATED }).catch(() => ecs('DescribeInstanceTypes', { MaxResults: 1600 })),
    pageAll('DescribeImages', { ImageOwnerAlias: 'system', Status: 'Available' }, 'Images.Image'),
    findDefaultVpc().then((v) => v || findConsoleVpc()).catch(() => null),
    pageAll('DescribeKeyPairs', {}, 'KeyPairs.KeyPair').catch(() => []),
  ]);
  if (!container.isConnected) return;
  const zones = (zonesRes.Zones && zonesRes.Zones.Zone) || [];
  const allTypes = (typesRes.InstanceTypes && typesRes.InstanceTypes.InstanceType) || [];
  let types = CURATED.map((id) => allTypes.find((t) => t.InstanceTypeId === id)).filter(Boolean);
  if (!types.length) types = allTypes.filter((t) => !(t.GPUAmount > 0)).slice(0, 4);
  const images = imagesRes;

  clear(body);
  const form = h('form', { class: 'launch-form', novalidate: true, 'aria-describedby': 'launch-net' });

  // Zone
  const zoneSel = h('select', { id: 'launch-zone', name: 'ZoneId' },
    zones.map((z, i) => h('option', { value: z.ZoneId, selected: i === 0 }, z.LocalName && z.LocalName !== z.ZoneId ? `${z.LocalName} (${z.ZoneId})` : z.ZoneId)));

  // Types with prices
  const priceEls = new Map();
  const typeFs = h('fieldset', {}, h('legend', {}, 'Instance type'),
    h('div', { class: 'choices' }, types.map((t) => {
      const id = `launch-type-${t.InstanceTypeId.replace(/\W/g, '-')}`;
      const price = h('span', { class: 'choice-detail price' }, 'price …');
      priceEls.set(t.InstanceTypeId, price);
      return h('label', { class: 'choice', for: id },
        h('input', { type: 'radio', id, name: 'InstanceType', value: t.InstanceTypeId, checked: t.InstanceTypeId === (types.some((x) => x.InstanceTypeId === DEFAULT_TYPE) ? DEFAULT_TYPE : types[0].InstanceTypeId) }),
        h('span', {},
          h('span', { class: 'choice-title' }, t.InstanceTypeId),
          h('span', { class: 'choice-detail' }, `${t.CpuCoreCount} vCPU · ${t.MemorySize} GiB memory`),
          price));
    })));

  // Image
  const imgDefault = images.find((i) => i.ImageId === BUILT_IN_IMAGE) || images[0];
  const imageSel = h('select', { id: 'launch-image', name: 'ImageId' },
    images.map((i) => h('option', { value: i.ImageId, selected: i === imgDefault }, i.ImageName && i.ImageName !== i.ImageId ? `${i.ImageName} (${i.ImageId})` : i.ImageId)));
  if (!images.length) imageSel.append(h('option', { value: '' }, 'No public image available'));

  // Login: password or key pair
  const pw = h('input', { id: 'launch-password', name: 'Password', type: 'password', autocomplete: 'new-password', required: true, 'aria-describedby': 'launch-password-help launch-password-error' });
  const showPw = h('input', { id: 'launch-show-password', type: 'checkbox' });
  showPw.addEventListener('change', () => { pw.type = showPw.checked ? 'text' : 'password'; });
  const pwError = h('p', { id: 'launch-password-error', class: 'form-error', role: 'alert' });
  const keySel = h('select', { id: 'launch-keypair', name: 'KeyPairName' },
    keyPairs.length ? keyPairs.map((k) => h('option', { value: k.KeyPairName }, k.KeyPairName)) : h('option', { value: '' }, 'You have no key pairs'));
  const pwBox = h('div', { class: 'field' },
    h('label', { for: 'launch-password' }, 'Root password'), pw,
    h('p', { id: 'launch-password-help', class: 'help' }, PASSWORD_HELP),
    h('div', { class: 'field-check' }, showPw, h('label', { for: 'launch-show-password' }, 'Show password')),
    pwError);
  const keyBox = h('div', { class: 'field', hidden: true }, h('label', { for: 'launch-keypair' }, 'Key pair'), keySel,
    keyPairs.length ? null : h('p', { class: 'help' }, 'Create or import one on the key pairs page first.'));
  const loginRadios = [['password', 'Password'], ['keypair', 'Key pair']].map(([v, l], i) => h('label', { class: 'field-check', for: `launch-login-${v}` },
    h('input', { type: 'radio', id: `launch-login-${v}`, name: 'login', value: v, checked: i === 0 }), ` ${l}`));
  const loginFs = h('fieldset', {}, h('legend', {}, 'Log in with'), h('div', { class: 'toolbar' }, loginRadios), pwBox, keyBox);
  loginFs.addEventListener('change', (ev) => {
    if (ev.target.name !== 'login') return;
    const usePw = ev.target.value === 'password';
    pwBox.hidden = !usePw;
    keyBox.hidden = usePw;
  });

  // Public IP and name
  const pub = h('input', { id: 'launch-public-ip', name: 'PublicIp', type: 'checkbox', checked: true });
  const nameIn = h('input', { id: 'launch-name', name: 'InstanceName', type: 'text', placeholder: 'optional', autocomplete: 'off', 'aria-describedby': 'launch-name-help' });

  const netNote = h('p', { id: 'launch-net', class: 'callout callout-info' }, defaultVpc
    ? `Network: VPC ${defaultVpc.VpcName ? `${defaultVpc.VpcName} (${defaultVpc.VpcId})` : defaultVpc.VpcId}, with a vSwitch in the chosen zone and its "default" security group (made if missing).`
    : `Network: you have no default VPC. Launching creates one for you: VPC "default" ${DEFAULT_VPC_CIDR}, a vSwitch 172.16.0.0/20 in the chosen zone, and a security group that allows SSH (TCP 22) from anywhere.`);

  const launchBtn = h('button', { type: 'submit', class: 'btn btn-primary', id: 'launch-submit' }, 'Launch instance');
  const progress = h('ol', { class: 'progress', 'aria-live': 'polite', 'aria-label': 'Launch progress' });
  const result = h('div', { role: 'alert' });

  form.append(
    h('div', { class: 'card' },
      h('div', { class: 'field' }, h('label', { for: 'launch-zone' }, 'Zone'), zoneSel),
      typeFs,
      h('div', { class: 'field' }, h('label', { for: 'launch-image' }, 'Image'), imageSel)),
    h('div', { class: 'card' }, loginFs,
      h('div', { class: 'field-check field' }, pub, h('label', { for: 'launch-public-ip' }, `Assign a public IP address (${PUBLIC_BANDWIDTH} Mbit/s, pay by traffic)`)),
      h('div', { class: 'field' }, h('label', { for: 'launch-name' }, 'Instance name'), nameIn,
        h('p', { id: 'launch-name-help', class: 'help' }, 'Leave empty and the instance is named after its ID.'))),
    netNote,
    h('div', { class: 'toolbar' }, launchBtn, h('a', { class: 'btn', href: '#/instances' }, 'Cancel')),
    progress, result);
  body.append(form);

  // Prices (per zone, with the bandwidth when ticked); a type the price call refuses says so.
  let priceSeq = 0;
  async function loadPrices() {
    const mine = ++priceSeq;
    await Promise.all(types.map(async (t) => {
      const el = priceEls.get(t.InstanceTypeId);
      try {
        const res = await ecs('DescribePrice', {
          ResourceType: 'instance', InstanceType: t.InstanceTypeId, ZoneId: zoneSel.value, PriceUnit: 'Hour',
          InternetMaxBandwidthOut: pub.checked ? PUBLIC_BANDWIDTH : undefined, InternetChargeType: pub.checked ? 'PayByTraffic' : undefined,
        });
        if (mine !== priceSeq) return;
        const p = res.PriceInfo && res.PriceInfo.Price;
        el.textContent = p ? `${p.Currency === 'CNY' ? '¥' : `${p.Currency || ''} `}${Number(p.TradePrice).toFixed(4)} per hour` : '';
      } catch {
        if (mine === priceSeq) el.textContent = 'price not available';
      }
    }));
  }
  zoneSel.addEventListener('change', loadPrices);
  pub.addEventListener('change', loadPrices);
  loadPrices();

  function step(text) {
    const li = h('li', {}, `${text}…`);
    progress.append(li);
    return {
      update: (t) => { li.textContent = `${t}…`; },
      done: (t) => { li.textContent = t || text; li.className = 'done'; },
      fail: (t) => { li.textContent = t; li.className = 'fail'; },
    };
  }

  let token = uuid();
  form.addEventListener('input', () => { token = uuid(); });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(result);
    pwError.textContent = '';
    const usePw = form.elements.namedItem('login').value === 'password';
    if (usePw) {
      const problem = passwordProblem(pw.value);
      if (problem) { pwError.textContent = problem; pw.setAttribute('aria-invalid', 'true'); pw.focus(); return; }
      pw.removeAttribute('aria-invalid');
    } else if (!keySel.value) {
      result.append(h('p', { class: 'callout callout-error' }, 'Choose a key pair, or log in with a password.'));
      return;
    }
    const type = form.elements.namedItem('InstanceType').value;
    launchBtn.disabled = true;
    launchBtn.textContent = 'Launching…';
    clear(progress);
    let current = null;
    const tracked = (text) => (current = step(text));
    try {
      const net = await ensureNetwork(zoneSel.value, tracked);
      tracked(`Creating the instance (${type})`);
      const res = await ecs('RunInstances', {
        ZoneId: zoneSel.value,
        InstanceType: type,
        ImageId: imageSel.value,
        VSwitchId: net.vSwitchId,
        SecurityGroupId: net.securityGroupId,
        Password: usePw ? pw.value : undefined,
        KeyPairName: usePw ? undefined : keySel.value,
        InstanceName: nameIn.value.trim() || undefined,
        InternetMaxBandwidthOut: pub.checked ? PUBLIC_BANDWIDTH : undefined,
        InternetChargeType: pub.checked ? 'PayByTraffic' : undefined,
        InstanceChargeType: 'PostPaid',
        Amount: 1,
        ClientToken: token,
      });
      const id = ((res.InstanceIdSets && res.InstanceIdSets.InstanceIdSet) || [])[0];
      current.done(`Created instance ${id}. Opening its page…`);
      navigate(`/instances/${encodeURIComponent(id)}`);
    } catch (e) {
      if (current) current.fail(`Failed: ${errorText(e)}`);
      result.append(h('p', { class: 'callout callout-error' }, `The instance was not launched. ${errorText(e)}`));
      launchBtn.disabled = false;
      launchBtn.textContent = 'Launch instance';
    }
  });

  pw.focus();
}
