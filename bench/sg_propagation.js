'use strict';
// Security group propagation (qemu driver, VPC networking; run as root inside a network
// namespace, e.g. `ip netns add b && ip netns exec b node bench/sg_propagation.js`):
// N instances in one VPC share a security group; the time from an AuthorizeSecurityGroup /
// RevokeSecurityGroup call returning to the rule being in the nftables ruleset of the VPC's
// router namespace for every one of the N ENIs.
//
// Usage: node bench/sg_propagation.js [--enis 50] [--rounds 10] [--running] [--image-dir images]
//   --running boots the guests (RunInstances); by default they are created Stopped
//   (CreateInstance), which installs the same per-ENI rules without booting 50 TCG guests.
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../tests/api/helpers');
const { Ecs } = h;

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const enis = Number(arg('enis', 50));
const rounds = Number(arg('rounds', 10));
const running = process.argv.includes('--running');
const imageDir = path.resolve(arg('image-dir', path.join(__dirname, '../images')));
const wire = (r) => r.body.toMap();
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

(async () => {
  const server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', imageDir, '--network', 'vpc', '--host-vcpus', '256', ...(process.env.VERBOSE ? ['--verbose'] : [])] });
  const ids = [];
  try {
    const ecs = h.ecsClient(server);
    const net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'bench', vpcCidr: '10.8.0.0/16', vswCidr: '10.8.0.0/20' });
    const t0 = Date.now();
    if (running) {
      for (let k = 0; k < enis; k += 10) ids.push(...await h.runInstances(ecs, net, { amount: Math.min(10, enis - k) }));
      await h.waitBooted(ecs, ids, 900000);
    } else {
      for (let k = 0; k < enis; ++k) {
        ids.push(wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({ regionId: h.REGION, imageId: h.IMAGE,
          instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId }))).InstanceId);
      }
      await h.waitStatus(ecs, ids, 'Stopped', 300000);
    }
    console.log(`${enis} ENIs ${running ? 'Running' : 'defined (Stopped)'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const ns = `oe-${net.vpcId}`;
    const taps = ids.map((id) => `oe${`eni-${id.slice(2)}`.slice(-13)}`);
    const ruleset = () => execFileSync('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', 'inet', 'openecs'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    // In force on every ENI: each ingress chain has the port.
    const inForce = (port, present) => {
      const text = ruleset();
      return taps.every((t) => {
        const chain = text.slice(text.indexOf(`chain ingress_${t} {`));
        const body = chain.slice(0, chain.indexOf('}'));
        return body.includes(`dport ${port} accept`) === present;
      });
    };
    const add = [], del = [], call = [];
    for (let r = 0; r < rounds; ++r) {
      const rule = { regionId: h.REGION, securityGroupId: net.securityGroupId, ipProtocol: 'TCP', portRange: `${9000 + r}/${9000 + r}`, sourceCidrIp: '10.9.0.0/16' };
      let t = process.hrtime.bigint();
      await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest(rule));
      call.push(Number(process.hrtime.bigint() - t) / 1e6);
      while (!inForce(9000 + r, true)) { /* poll */ }
      add.push(Number(process.hrtime.bigint() - t) / 1e6);
      t = process.hrtime.bigint();
      await ecs.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest(rule));
      while (!inForce(9000 + r, false)) { /* poll */ }
      del.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    console.log(`AuthorizeSecurityGroup -> in force on ${enis} ENIs: median ${median(add).toFixed(0)} ms, max ${Math.max(...add).toFixed(0)} ms (${rounds} rounds)`);
    console.log(`RevokeSecurityGroup    -> gone from ${enis} ENIs:    median ${median(del).toFixed(0)} ms, max ${Math.max(...del).toFixed(0)} ms`);
    console.log(`  of which the AuthorizeSecurityGroup call itself (commit included): median ${median(call).toFixed(0)} ms`);
    console.log('(times include the API call and the polling `nft list` itself, about 10-30 ms per poll)');
  } finally {
    const ecs = h.ecsClient(server);
    for (let k = 0; k < ids.length; k += 100)
      await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: h.REGION, instanceId: ids.slice(k, k + 100), force: true })).catch(() => {});
    await h.waitGone(ecs, ids, 600000).catch(() => {});
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
