'use strict';
// System ring, VPC networking: real guests on taps in per-VPC router namespaces, with
// security groups in nftables and DHCP from dnsmasq. Guests probe each other from their user
// data every second and print what they see on the serial console; the test reads it through
// GetInstanceConsoleOutput while it changes security groups through the official SDK.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../api/helpers');
const { Ecs, Vpc } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
const probes = require('./probes');
const { SEE_MS } = probes;
let server, ecs, vpc;

const wire = (res) => res.body.toMap();
const consoleOf = (id) => probes.consoleOf(ecs, id);
const probe = (id, name) => probes.probe(ecs, id, name);
const expectProbe = (id, name, want, what) => probes.expectProbe(ecs, id, name, want, what);

// The metadata service as the guest sees it: one "md <key>=<value>" line per key, then the
// DMI product name (how cloud-init recognises the platform).
const MD = 'http://100.100.100.200/latest';
const MD_KEYS = ['instance-id', 'hostname', 'private-ipv4', 'eipv4', 'mac', 'vpc-id', 'vswitch-id', 'region-id', 'zone-id',
  'instance/instance-type', 'image-id', 'public-keys/0/openssh-key'];
const mdDump = [
  `for k in ${MD_KEYS.join(' ')}; do echo "md $k=$(timeout 3 wget -qO- ${MD}/meta-data/$k)"; done`,
  'echo "md user-data-bytes=$(timeout 3 wget -qO- ' + MD + '/user-data | wc -c)"',
  'echo "md product=$(cat /sys/class/dmi/id/product_name)"',
];
// A token for the hardened mode: PUT with busybox nc (its wget cannot PUT).
const mdToken = "t=$(printf 'PUT /latest/api/token HTTP/1.0\\r\\nX-aliyun-ecs-metadata-token-ttl-seconds: 60\\r\\n\\r\\n' | timeout 3 nc 100.100.100.200 80 | tail -n 1)";

// User data: probe forever, one line per probe per second, on the console.
function prober(probes, prelude = []) {
  const lines = ['#!/bin/sh', '(', ...prelude, 'while true; do'];
  for (const [name, kind, ip] of probes) {
    if (kind === 'ping') lines.push(`  if ping -c1 -W1 ${ip} >/dev/null 2>&1; then echo "probe ${name} ok"; else echo "probe ${name} fail"; fi`);
    if (kind === 'ssh') lines.push(`  b=$(timeout 2 nc -w1 ${ip} 22 </dev/null 2>/dev/null | head -c 3); if [ "$b" = SSH ]; then echo "probe ${name} open"; else echo "probe ${name} closed"; fi`);
    // The metadata service without a token, and with one.
    if (kind === 'md') lines.push(`  if [ -n "$(timeout 3 wget -qO- ${MD}/meta-data/instance-id 2>/dev/null)" ]; then echo "probe ${name} ok"; else echo "probe ${name} fail"; fi`);
    if (kind === 'md-token') lines.push(`  ${mdToken}`, `  if [ -n "$(timeout 3 wget -qO- --header "X-aliyun-ecs-metadata-token: $t" ${MD}/meta-data/instance-id 2>/dev/null)" ]; then echo "probe ${name} ok"; else echo "probe ${name} fail"; fi`);
  }
  lines.push('  sleep 1', 'done', ') >/dev/console 2>&1 </dev/null &');
  return Buffer.from(lines.join('\n') + '\n').toString('base64');
}

function tcpOpen(ip, port) {
  return new Promise((resolve) => {
    const sock = require('node:net').connect({ host: ip, port, timeout: 2000 });
    sock.on('connect', () => { sock.destroy(); resolve(true); });
    sock.on('timeout', () => { sock.destroy(); resolve(false); });
    sock.on('error', () => resolve(false));
  });
}
const netns = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

// A TCP server on the public bridge's address for one transfer; `client(port)` (a promise: the
// event loop must stay free to time the transfer) makes the guest connect to it.
function onBridge(onConnection) {
  const server = require('node:net').createServer(onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '198.18.0.1', () => resolve(server));
  });
}
// Outbound: the guest sends `bytes`; the host times first to last byte.
async function receiveRate(bytes, client) {
  let first = 0, last = 0, got = 0;
  const server = await onBridge((sock) => sock.on('data', (d) => {
    const now = process.hrtime.bigint();
    if (!first) first = now;
    got += d.length;
    last = now;
    if (got >= bytes) sock.destroy();
  }));
  try {
    await client(server.address().port);
  } finally {
    server.close();
  }
  assert.equal(got, bytes, 'all of it arrived');
  return (got * 8) / (Number(last - first) / 1e9) / 1e6;
}
// Inbound: the host sends `bytes`; the guest times its download ("<bytes> <t0> <t1>").
async function sendRate(bytes, client) {
  const server = await onBridge((sock) => sock.end(Buffer.alloc(bytes)));
  let out;
  try {
    out = await client(server.address().port);
  } finally {
    server.close();
  }
  const [n, t0, t1] = out.trim().split(/\s+/).map(Number);
  assert.equal(n, bytes, 'all of it arrived');
  return (n * 8) / (t1 - t0) / 1e6;
}

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--network', 'vpc'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
// destroy() also stops whatever guests and VPC namespaces the server left (helpers.js).
after(async () => { if (server) await server.destroy(); });

test('VPC networking: reachability, isolation, security groups (stateful, priority, groups, egress), cleanup', async () => {
  // VPC 1: vSwitches 10.1.1.0/24 (A) and 10.1.2.0/24 (B). VPC 2 reuses 10.1.1.0/24 (C).
  const n1 = await h.createNetwork(ecs, vpc, { name: 'one', vpcCidr: '10.1.0.0/16', vswCidr: '10.1.1.0/24' });
  const vsw2 = await h.createVSwitch(vpc, n1.vpcId, '10.1.2.0/24', h.ZONE_A, 'one-b');
  const sgB = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: h.REGION, vpcId: n1.vpcId, securityGroupName: 'sg-b' }))).SecurityGroupId;
  const n2 = await h.createNetwork(ecs, vpc, { name: 'two', vpcCidr: '10.1.0.0/16', vswCidr: '10.1.1.0/24' });
  const sgA = n1.securityGroupId;
  const authorize = (sg, p) => ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: h.REGION, securityGroupId: sg, ...p }));
  const revoke = (sg, p) => ecs.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({ regionId: h.REGION, securityGroupId: sg, ...p }));
  // A lets ICMP in from vSwitch B; C lets ICMP in from anywhere.
  await authorize(sgA, { ipProtocol: 'ICMP', portRange: '-1/-1', sourceCidrIp: '10.1.2.0/24' });
  await authorize(n2.securityGroupId, { ipProtocol: 'ICMP', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0' });

  const A_IP = '10.1.1.10', B_IP = '10.1.2.10', C_IP = '10.1.1.11';
  const OUT_MBPS = 8, IN_MBPS = 6;  // A's public bandwidth
  const run = async (net, over) => (await h.runInstances(ecs, net, over))[0];
  const key = wire(await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: h.REGION, keyPairName: 'net-key' })));
  const keyFile = path.join(server.root, 'net-key.pem');
  fs.writeFileSync(keyFile, key.PrivateKeyBody, { mode: 0o600 });
  const aUserData = prober([['ping-B', 'ping', B_IP], ['ssh-B', 'ssh', B_IP], ['ping-gw', 'ping', '10.1.1.253'], ['md', 'md'], ['md-token', 'md-token']], mdDump);
  const a = await run(n1, { privateIpAddress: A_IP, hostName: 'net-a', internetMaxBandwidthOut: OUT_MBPS, internetMaxBandwidthIn: IN_MBPS,
    keyPairName: 'net-key', userData: aUserData });
  const b = await run({ ...n1, vSwitchId: vsw2, securityGroupId: sgB }, { privateIpAddress: B_IP, hostName: 'net-b', keyPairName: 'net-key',
    userData: prober([['ping-A', 'ping', A_IP]]) });
  const c = await run(n2, { privateIpAddress: C_IP, hostName: 'net-c', keyPairName: 'net-key',
    userData: prober([['ping-A', 'ping', A_IP], ['ping-gw', 'ping', '10.1.1.253']]) });
  await h.waitBooted(ecs, [a, b, c], BOOT_MS);
  assert.match(netns(), new RegExp(`oe-${n1.vpcId}`));
  assert.match(netns(), new RegExp(`oe-${n2.vpcId}`));

  // Addresses came by DHCP: the guests reach their gateways.
  await expectProbe(a, 'ping-gw', 'ok', 'A reaches its gateway');
  await expectProbe(c, 'ping-gw', 'ok', 'C reaches its gateway');

  // The metadata service: the image read it at boot (HTTP first, the drive only for the
  // password), and A sees its own values from inside.
  const aInfo = await h.describeInstance(ecs, a);
  const aConsole = await consoleOf(a);
  assert.match(aConsole, /OPENECS metadata: source=http:http:\/\/100\.100\.100\.200\/latest instance-id=/);
  // (Other writers share the serial console: a line may start with someone else's output.)
  const md = Object.fromEntries([...aConsole.matchAll(/md ([\w/.-]+)=([^\r\n]*)/g)].map((m) => [m[1], m[2].trim()]));
  const publicKey = execFileSync('ssh-keygen', ['-y', '-f', keyFile], { encoding: 'utf8' }).trim().split(' ').slice(0, 2).join(' ');
  md['public-keys/0/openssh-key'] = md['public-keys/0/openssh-key'].split(' ').slice(0, 2).join(' ');
  assert.deepEqual(md, {
    'instance-id': a, hostname: 'net-a', 'private-ipv4': A_IP, eipv4: aInfo.PublicIpAddress.IpAddress[0],
    mac: aInfo.NetworkInterfaces.NetworkInterface[0].MacAddress, 'vpc-id': n1.vpcId, 'vswitch-id': n1.vSwitchId,
    'region-id': h.REGION, 'zone-id': aInfo.ZoneId, 'instance/instance-type': aInfo.InstanceType, 'image-id': h.IMAGE,
    'public-keys/0/openssh-key': publicKey, 'user-data-bytes': String(Buffer.from(aUserData, 'base64').length),
    product: 'Alibaba Cloud ECS',
  }, aConsole.split('\n').filter((l) => l.includes('md ')).join('\n'));
  // Hardened mode, switched on a running guest: no token, no answer; with a token, answers.
  await expectProbe(a, 'md', 'ok', 'metadata without a token (optional mode)');
  await expectProbe(a, 'md-token', 'ok', 'metadata with a token');
  const mdOptions = (p) => ecs.modifyInstanceMetadataOptions(new Ecs.ModifyInstanceMetadataOptionsRequest({ regionId: h.REGION, instanceId: a, ...p }));
  await mdOptions({ httpTokens: 'required' });
  await expectProbe(a, 'md', 'fail', 'hardened mode refuses requests without a token');
  assert.equal(await probe(a, 'md-token'), 'ok', 'hardened mode answers requests with a token');
  await mdOptions({ httpEndpoint: 'disabled' });
  await expectProbe(a, 'md-token', 'fail', 'a disabled endpoint answers nobody');
  await mdOptions({ httpEndpoint: 'enabled', httpTokens: 'optional' });
  await expectProbe(a, 'md', 'ok', 'optional mode again');
  // Across vSwitches in VPC 1: B -> A allowed by A's rule; A -> B dropped (B's group is empty).
  await expectProbe(b, 'ping-A', 'ok', 'B pings A across vSwitches');
  await expectProbe(a, 'ping-B', 'fail', 'ingress default drop');
  await expectProbe(a, 'ssh-B', 'closed', 'ingress default drop (TCP)');
  // VPC 2 has the same CIDR and never reaches VPC 1.
  await expectProbe(c, 'ping-A', 'fail', 'no way between VPCs');

  // A rule opens TCP 22 on B for vSwitch A, without a restart; its revocation closes it.
  const ssh = { ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: '10.1.1.0/24', priority: 10 };
  await authorize(sgB, ssh);
  await expectProbe(a, 'ssh-B', 'open', 'authorized TCP 22');
  assert.equal(await probe(a, 'ping-B'), 'fail', 'ICMP still dropped: only TCP 22 was opened');
  // A drop of higher priority (lower number) beats the accept.
  const deny = { ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: `${A_IP}/32`, policy: 'drop', priority: 5 };
  await authorize(sgB, deny);
  await expectProbe(a, 'ssh-B', 'closed', 'drop at priority 5 beats accept at 10');
  await revoke(sgB, deny);
  await expectProbe(a, 'ssh-B', 'open', 'drop revoked');
  await revoke(sgB, ssh);
  await expectProbe(a, 'ssh-B', 'closed', 'accept revoked');

  // Source group: B lets in ICMP from members of A's group.
  await authorize(sgB, { ipProtocol: 'ICMP', portRange: '-1/-1', sourceGroupId: sgA });
  await expectProbe(a, 'ping-B', 'ok', 'source group rule');

  // kill -9 of ecsd: guests and their data plane carry on; the restarted agent adopts the
  // namespaces and dnsmasq instead of making new ones, and rule changes still reach them.
  await server.restart({ kill: true });
  ecs = h.ecsClient(server);
  await expectProbe(a, 'ping-B', 'ok', 'after a restart of ecsd');
  const dnsmasqs = execFileSync('pgrep', ['-f', `dnsmasq --conf-file=${server.dataDir}`], { encoding: 'utf8' }).trim().split('\n');
  assert.equal(dnsmasqs.length, 2, 'one dnsmasq per VPC');

  // Egress: B may not send ICMP to vSwitch A any more (replies to A's pings still pass: stateful).
  await ecs.authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({
    regionId: h.REGION, securityGroupId: sgB, ipProtocol: 'ICMP', portRange: '-1/-1', destCidrIp: '10.1.1.0/24', policy: 'drop',
  }));
  await expectProbe(b, 'ping-A', 'fail', 'egress drop');
  await expectProbe(a, 'ping-B', 'ok', 'replies pass an egress drop (stateful)');

  // Public IP: A got one from the pool; the host reaches it over the public bridge once A's
  // group lets SSH in, and logs in with the key pair.
  const pub = (await h.describeInstance(ecs, a)).PublicIpAddress.IpAddress[0];
  assert.match(pub, /^198\.18\.0\.\d+$/);
  const sshRun = (ip, cmd) => execFileSync('ssh', ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3', '-o', 'LogLevel=ERROR', `root@${ip}`, cmd], { encoding: 'utf8', timeout: 20000 }).trim();
  const sshHostname = (ip) => sshRun(ip, 'hostname');
  const sshAsync = (ip, cmd) => require('node:util').promisify(require('node:child_process').execFile)('ssh', ['-i', keyFile,
    '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=3',
    '-o', 'LogLevel=ERROR', `root@${ip}`, cmd], { encoding: 'utf8', timeout: 60000 }).then((r) => r.stdout);
  const sshWorks = async (ip, want, what) => {
    let name;
    await h.waitFor(async () => { try { name = sshHostname(ip); return true; } catch { return false; } }, SEE_MS, 1000, what);
    assert.equal(name, want);
  };
  assert.throws(() => sshHostname(pub), 'SSH is closed until a rule opens it');
  await authorize(sgA, { ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: '0.0.0.0/0' });
  await sshWorks(pub, 'net-a', 'SSH to the public IP');
  assert.equal(await tcpOpen(pub, 22), true);
  assert.equal(await tcpOpen(A_IP, 22), false, 'the private address is not reachable from the host');

  // Bandwidth: A's public traffic follows InternetMaxBandwidthOut and InternetMaxBandwidthIn,
  // each measured by the receiving side (the host for outbound, the guest for inbound).
  const outMbps = await receiveRate(4 << 20, (port) => sshAsync(pub, `dd if=/dev/zero bs=64k count=64 2>/dev/null | nc 198.18.0.1 ${port}`));
  const inMbps = await sendRate(3 << 20, (port) => sshAsync(pub,
    `a=$(cut -d' ' -f1 /proc/uptime); n=$(nc 198.18.0.1 ${port} </dev/null | wc -c); b=$(cut -d' ' -f1 /proc/uptime); echo "$n $a $b"`));
  console.log(`# public bandwidth of A: out ${outMbps.toFixed(2)} Mbit/s (set ${OUT_MBPS}), in ${inMbps.toFixed(2)} Mbit/s (set ${IN_MBPS})`);
  assert.ok(Math.abs(outMbps - OUT_MBPS) <= 0.2 * OUT_MBPS, `outbound ${outMbps} Mbit/s within 20 % of ${OUT_MBPS}`);
  assert.ok(Math.abs(inMbps - IN_MBPS) <= 0.2 * IN_MBPS, `inbound ${inMbps} Mbit/s within 20 % of ${IN_MBPS}`);

  // EIP: associate with B and SSH in over it; unassociate (gone); reassociate with C, which is
  // in the other VPC; after the instances are released the EIP is still there, Available.
  const eip = wire(await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: h.REGION, bandwidth: '5' })));
  const eipCall = (fn, Req, instanceId) => vpc[fn](new Req({ regionId: h.REGION, allocationId: eip.AllocationId, instanceId }));
  await eipCall('associateEipAddress', Vpc.AssociateEipAddressRequest, b);
  await authorize(sgB, { ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: '0.0.0.0/0' });
  await sshWorks(eip.EipAddress, 'net-b', 'SSH over the EIP to B');

  // Anti-spoofing: B forges A's address, which may leave through the uplink (NATed to A's
  // public IP), and sends a DNS query to the host. The host hears A's own query, from A's
  // public IP, and never B's forged one.
  const heard = [];
  const dns = require('node:dgram').createSocket('udp4');
  dns.on('message', (msg, rinfo) => heard.push({ from: rinfo.address, text: msg.toString('latin1') }));
  await new Promise((resolve, reject) => { dns.once('error', reject); dns.bind(53, '198.18.0.1', resolve); });
  try {
    sshRun(pub, 'timeout 3 nslookup fromaaa 198.18.0.1 >/dev/null 2>&1; true');
    sshRun(eip.EipAddress, `ip addr add ${A_IP}/32 dev lo && ip route add 198.18.0.1/32 via 10.1.2.253 src ${A_IP} && ` +
      `{ timeout 3 nslookup forgedbyb 198.18.0.1 >/dev/null 2>&1; ip route del 198.18.0.1/32; ip addr del ${A_IP}/32 dev lo; true; }`);
    await h.waitFor(async () => heard.some((m) => m.text.includes('fromaaa')), 10000, 200, "A's own query reaches the host");
    assert.equal(heard.find((m) => m.text.includes('fromaaa')).from, pub, "A's query comes from A's public IP");
    assert.ok(!heard.some((m) => m.text.includes('forgedbyb')), `a forged source gets nowhere: ${JSON.stringify(heard.map((m) => m.from))}`);
  } finally {
    dns.close();
  }
  await eipCall('unassociateEipAddress', Vpc.UnassociateEipAddressRequest, b);
  await h.waitFor(async () => !(await tcpOpen(eip.EipAddress, 22)), SEE_MS, 500, 'EIP unassociated');
  await eipCall('associateEipAddress', Vpc.AssociateEipAddressRequest, c);
  await authorize(n2.securityGroupId, { ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: '0.0.0.0/0' });
  await sshWorks(eip.EipAddress, 'net-c', 'SSH over the EIP, reassociated to C');

  // Release: the VPCs' namespaces go with their last instances.
  await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: h.REGION, instanceId: [a, b, c], force: true }));
  await h.waitGone(ecs, [a, b, c], 60000);
  // Only this test's VPCs: /run/netns is shared with anything else running on the machine.
  const ours = [n1.vpcId, n2.vpcId].map((id) => `oe-${id}`);
  await h.waitFor(async () => !ours.some((n) => netns().includes(n)), 10000, 200, 'router namespaces removed');
  const left = execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' });
  assert.doesNotMatch(left, /: oe/, 'no tap, uplink or public bridge left in the host namespace');
  const kept = wire(await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: h.REGION, allocationId: eip.AllocationId }))).EipAddresses.EipAddress[0];
  assert.equal(kept.Status, 'Available');
  await vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: h.REGION, allocationId: eip.AllocationId }));
});
