'use strict';
// TCP throughput between two guests in one VPC (routed through the VPC's router namespace,
// with security groups in nftables) against the same two guests on a plain Linux bridge with no
// rules. Run as root inside a network namespace:
//   ip netns add b && ip netns exec b node bench/vpc_throughput.js [--samples 3] [--mb 16]
//
// Guest A sends --mb MiB to guest B with busybox nc every few seconds and prints
// "bench mbps <figure>" on its console (timed by A from connect to B's "ok", which B sends after
// the last byte; a transfer without the "ok" gives no figure). After --samples figures through the VPC, the bench moves both guests' taps out
// of the VPC's namespace onto a bridge in a namespace of its own (same guests, same addresses:
// they share a /24, so on a bridge they talk directly) and takes as many figures again.
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../tests/api/helpers');
const probes = require('../tests/system/probes');
const { Ecs } = h;

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const samples = Number(arg('samples', 3));
const mb = Number(arg('mb', 16));
const imageDir = path.resolve(arg('image-dir', path.join(__dirname, '../images')));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const sh = (...argv) => execFileSync(argv[0], argv.slice(1), { encoding: 'utf8' });
const userData = (text) => Buffer.from(text).toString('base64');
const A_IP = '10.7.1.10', B_IP = '10.7.1.20';

// Every "bench mbps" figure on A's console so far.
async function figures(ecs, a) {
  return [...(await probes.consoleOf(ecs, a)).matchAll(/bench mbps ([\d.]+)/g)].map((m) => Number(m[1]));
}
async function takeSamples(ecs, a, label) {
  const start = (await figures(ecs, a)).length;
  let got = [];
  await h.waitFor(async () => {
    got = (await figures(ecs, a)).slice(start + 1);  // the first may straddle the switch
    return got.length >= samples;
  }, 600000, 2000, `${samples} ${label} samples`);
  got = got.slice(0, samples);
  console.log(`${label}: ${got.map((x) => x.toFixed(0)).join(', ')} Mbit/s (median ${median(got).toFixed(0)})`);
  return median(got);
}

(async () => {
  const server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', imageDir, '--network', 'vpc'] });
  const brns = `tput-br-${process.pid}`;  // not "oe-": those are the data plane's
  const ids = [];
  try {
    const ecs = h.ecsClient(server);
    const net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'tput', vpcCidr: '10.7.0.0/16', vswCidr: '10.7.1.0/24' });
    await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: h.REGION, securityGroupId: net.securityGroupId,
      ipProtocol: 'TCP', portRange: '5001/5001', sourceCidrIp: '10.7.0.0/16' }));
    const bytes = mb << 20;
    // B reads exactly the bytes, then answers "ok" (so A knows the transfer really happened).
    const [b] = await h.runInstances(ecs, net, { privateIpAddress: B_IP, userData: userData(`#!/bin/sh
printf '#!/bin/sh\\nhead -c ${bytes} >/dev/null; echo ok\\n' >/tmp/recv.sh
chmod +x /tmp/recv.sh
(while true; do nc -l -p 5001 -e /tmp/recv.sh; done) </dev/null >/dev/null 2>&1 &
`) });
    const [a] = await h.runInstances(ecs, net, { privateIpAddress: A_IP, userData: userData(`#!/bin/sh
(sleep 5
while true; do
  t0=$(cut -d' ' -f1 /proc/uptime)
  r=$(dd if=/dev/zero bs=64k count=${mb * 16} 2>/dev/null | nc ${B_IP} 5001 2>/dev/null)
  t1=$(cut -d' ' -f1 /proc/uptime)
  if [ "$r" = ok ]; then
    awk -v a=$t0 -v b=$t1 'BEGIN { if (b > a) printf "bench mbps %.1f\\n", ${bytes} * 8 / (b - a) / 1e6 }'
  else
    echo "bench transfer failed"
  fi
  sleep 2
done) </dev/null >/dev/console 2>&1 &
`) });
    ids.push(a, b);
    await h.waitBooted(ecs, [a, b], 300000);
    const vpcMbps = await takeSamples(ecs, a, 'VPC (routed, security groups)');

    // The same guests on a plain bridge: their taps leave the VPC's namespace.
    const ns = `oe-${net.vpcId}`;
    sh('ip', 'netns', 'add', brns);
    sh('ip', '-n', brns, 'link', 'add', 'br0', 'type', 'bridge');
    sh('ip', '-n', brns, 'link', 'set', 'br0', 'up');
    for (const id of [a, b]) {
      const tap = `oe${`eni-${id.slice(2)}`.slice(-13)}`;
      sh('ip', '-n', ns, 'link', 'set', tap, 'netns', brns);
      sh('ip', '-n', brns, 'link', 'set', tap, 'master', 'br0', 'up');
    }
    const bridgeMbps = await takeSamples(ecs, a, 'plain bridge, no rules');
    console.log(`VPC / bridge throughput ratio: ${(vpcMbps / bridgeMbps).toFixed(2)}`);
  } finally {
    try { sh('ip', 'netns', 'del', brns); } catch { /* not made */ }
    // Released through the API, so the data plane (the VPC's namespace) goes too.
    const ecs = h.ecsClient(server);
    await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: h.REGION, instanceId: ids, force: true })).catch(() => {});
    await h.waitGone(ecs, ids, 120000).catch(() => {});
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
