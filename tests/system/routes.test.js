'use strict';
// System ring, custom route entries on real guests: a route entry sends a block to an instance
// (the next hop), which answers for an address it holds itself; the VPC's router really carries
// the traffic through it, the next hop may answer from that address (anti-spoofing knows it
// forwards for the block), deleting the entry takes the path away, and a custom default route
// does not take the Internet path of an instance that has a public address (ECS: the public
// address wins), which the uplink table and its policy rules give.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const { Ecs, Vpc } = h;
const probes = require('./probes');

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
let server, ecs, vpc;

const wire = (res) => res.body.toMap();
const { execFileSync } = require('node:child_process');
let vpcId;
// On a failure, what the VPC's router had: its routes, rules and addresses.
async function expectProbe(id, name, want, what) {
  try {
    await probes.expectProbe(ecs, id, name, want, what);
  } catch (e) {
    const ns = `oe-${vpcId}`;
    const dump = (args) => { try { return execFileSync('ip', ['-n', ns, ...args], { encoding: 'utf8' }); } catch (x) { return String(x); } };
    e.message += `\nrouter ${ns}:\n${dump(['route', 'show', 'table', 'all'])}\n${dump(['rule'])}\n${dump(['-br', 'addr'])}`;
    throw e;
  }
}

// User data: an optional prelude, then "probe <name> ok|fail" for each ping target every second.
function prober(targets, prelude = []) {
  const lines = ['#!/bin/sh', ...prelude, '(', 'while true; do'];
  for (const [name, ip] of targets)
    lines.push(`  if ping -c1 -W1 ${ip} >/dev/null 2>&1; then echo "probe ${name} ok"; else echo "probe ${name} fail"; fi`);
  lines.push('  sleep 1', 'done', ') >/dev/console 2>&1 </dev/null &');
  return Buffer.from(lines.join('\n') + '\n').toString('base64');
}

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--network', 'vpc'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
after(async () => { if (server) await server.destroy(); });

test('custom route entries: traffic goes through the next hop instance, and only while the entry exists', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'rt', vpcCidr: '10.5.0.0/16', vswCidr: '10.5.1.0/24' });
  vpcId = net.vpcId;
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
    regionId: h.REGION, securityGroupId: net.securityGroupId, ipProtocol: 'ICMP', portRange: '-1/-1', sourceCidrIp: '0.0.0.0/0',
  }));
  const [table] = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: h.REGION, vpcId: net.vpcId })))
    .RouterTableList.RouterTableListType;
  const SERVICE_IP = '192.168.77.1';  // held by R on its loopback, reachable only through R
  const HOST_SIDE = '198.18.0.1';     // the public bridge's address (this test's namespace)
  // R: the next hop, with a public address. A: a client without one.
  const [r] = await h.runInstances(ecs, net, {
    hostName: 'rt-r', internetMaxBandwidthOut: 10,
    userData: prober([['ping-host', HOST_SIDE]], [`ip addr add ${SERVICE_IP}/32 dev lo`]),
  });
  const [a] = await h.runInstances(ecs, net, { hostName: 'rt-a', userData: prober([['ping-service', SERVICE_IP]]) });
  await h.waitBooted(ecs, [r, a], BOOT_MS);

  await expectProbe(r, 'ping-host', 'ok', 'R reaches the host over its public address');
  await expectProbe(a, 'ping-service', 'fail', 'no route to the service block yet');

  const create = async (destinationCidrBlock) => wire(await vpc.createRouteEntry(new Vpc.CreateRouteEntryRequest({
    regionId: h.REGION, routeTableId: table.RouteTableId, destinationCidrBlock, nextHopType: 'Instance', nextHopId: r,
  }))).RouteEntryId;
  const remove = (routeEntryId) => vpc.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: h.REGION, routeEntryId }));

  const entry = await create('192.168.77.0/24');
  await expectProbe(a, 'ping-service', 'ok', 'the route entry sends the block to R, and R answers from it');
  await remove(entry);
  await expectProbe(a, 'ping-service', 'fail', 'the route is gone with its entry');

  // A custom default route through R: A's traffic to the block goes there again, and R, which
  // has a public address, still reaches the host over the uplink, not through itself.
  const dflt = await create('0.0.0.0/0');
  await expectProbe(a, 'ping-service', 'ok', 'the default route sends the block to R');
  await expectProbe(r, 'ping-host', 'ok', 'R keeps its public path under a custom default route');

  // Stopping R takes its route out of the router (it goes with R's tap); starting R puts it back.
  // (R's user data ran at its first boot only, as on ECS, so the check is the router's table.)
  const rIp = h.privateIp(await h.describeInstance(ecs, r));
  const staticRoutes = () => execFileSync('ip', ['-n', `oe-${vpcId}`, '-4', 'route', 'show', 'proto', 'static'], { encoding: 'utf8' });
  assert.match(staticRoutes(), new RegExp(`^default via ${rIp.replace(/\./g, '\\.')} `, 'm'));
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: r, forceStop: true }));
  await h.waitStatus(ecs, [r], 'Stopped', BOOT_MS);
  await h.waitFor(async () => !staticRoutes().includes('default'), 30000, 500, 'the default route to leave with its stopped next hop');
  await expectProbe(a, 'ping-service', 'fail', 'a stopped next hop routes nothing');
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: r }));
  await h.waitBooted(ecs, [r], BOOT_MS);
  await h.waitFor(async () => staticRoutes().includes(`default via ${rIp} `), 30000, 500, 'the default route back with its next hop');
  await remove(dflt);
  await h.waitFor(async () => staticRoutes().trim() === '', 30000, 500, 'no custom route once its entry is deleted');
});
