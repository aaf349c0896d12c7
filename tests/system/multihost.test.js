'use strict';
// System ring, one VPC across two hosts. Host 1 is the server's embedded agent (zone local-a);
// host 2 is an `ecsd agent` in a network namespace of its own (joined over TLS), with its own /run/netns (a
// private mount namespace), so the two hosts share nothing but a veth pair that plays the
// underlay (192.168.252.1 and .2). A VPC with a vSwitch in each zone gets one guest on each
// host; through the official SDK and the guests' consoles: they reach each other over the
// VPC's VXLAN segment, host 2 enforces the security group on what reaches its guest (a port
// opens with Authorize and closes when ModifySecurityGroupRule makes the rule Drop), bulk TCP passes the segment's smaller MTU,
// and releasing the remote guest takes its routes and the VXLAN device off host 1.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const probes = require('./probes');
const { U1, U2, SecondHost } = require('./second_host');
const { Ecs, Vpc } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
const X_IP = '10.7.1.10', Y_IP = '10.7.2.20', SVC_IP = '192.168.78.1';
const BULK = 512 * 1024;
const host2 = new SecondHost();
let server, ecs, vpc;
const userData = (lines) => Buffer.from(['#!/bin/sh', '(', ...lines, ') >/dev/console 2>&1 </dev/null &', ''].join('\n')).toString('base64');
const sh = (cmd) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  host2.addUnderlay();
  server = await h.startServer(await host2.serverOptions(['--image-dir', IMAGE_DIR]));
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  host2.start(server, { extraArgs: ['--image-dir', IMAGE_DIR] });
});

after(async () => {
  host2.stop();
  if (server) await server.destroy();
  host2.removeUnderlay();
});

test('a VPC across two hosts: VXLAN between them, security groups on the receiving host', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'wide', vpcCidr: '10.7.0.0/16', vswCidr: '10.7.1.0/24' });
  const vswB = await h.createVSwitch(vpc, net.vpcId, '10.7.2.0/24', h.ZONE_B, 'wide-b');
  // Members of the group reach each other only where a rule says so.
  await ecs.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: h.REGION, securityGroupId: net.securityGroupId, innerAccessPolicy: 'Drop' }));
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
    regionId: h.REGION, securityGroupId: net.securityGroupId, ipProtocol: 'ICMP', portRange: '-1/-1', sourceCidrIp: '10.7.0.0/16' }));
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
    regionId: h.REGION, securityGroupId: net.securityGroupId, ipProtocol: 'TCP', portRange: '5001/5001', sourceCidrIp: '10.7.0.0/16' }));

  // Y (zone b: host 2) pings X and serves BULK bytes on port 5001.
  const yData = userData([
    `ip addr add ${SVC_IP}/32 dev lo`,  // reachable only through Y, by a custom route entry
    `printf '#!/bin/sh\\ndd if=/dev/zero bs=1k count=${BULK / 1024} 2>/dev/null\\n' >/tmp/send.sh; chmod +x /tmp/send.sh`,
    '(while true; do nc -l -p 5001 -e /tmp/send.sh; done) &',
    'while true; do',
    `  if ping -c1 -W1 ${X_IP} >/dev/null 2>&1; then echo "probe ping-x ok"; else echo "probe ping-x fail"; fi`,
    '  sleep 1', 'done']);
  // Host 2 registers once its agent is up: until then zone b has no host (NoStock).
  let y;
  await h.waitFor(async () => {
    try {
      y = (await h.runInstances(ecs, { vSwitchId: vswB, securityGroupId: net.securityGroupId }, { privateIpAddress: Y_IP, userData: yData }))[0];
      return true;
    } catch (e) {
      if (!/NoStock/.test(String(e.code || e.message))) throw e;
      return false;
    }
  }, 30000, 500, 'host 2 joins');
  // X (zone a: host 1) pings Y, tries Y's SSH port, and fetches BULK bytes from Y.
  const x = (await h.runInstances(ecs, net, { privateIpAddress: X_IP, userData: userData([
    'while true; do',
    `  if ping -c1 -W1 ${Y_IP} >/dev/null 2>&1; then echo "probe ping-y ok"; else echo "probe ping-y fail"; fi`,
    `  b=$(timeout 2 nc -w1 ${Y_IP} 22 </dev/null 2>/dev/null | head -c 3); if [ "$b" = SSH ]; then echo "probe ssh-y open"; else echo "probe ssh-y closed"; fi`,
    `  echo "probe bulk-y $(timeout 10 nc ${Y_IP} 5001 </dev/null 2>/dev/null | wc -c)"`,
    `  if ping -c1 -W1 ${SVC_IP} >/dev/null 2>&1; then echo "probe ping-svc ok"; else echo "probe ping-svc fail"; fi`,
    '  sleep 1', 'done']) }))[0];
  await h.waitBooted(ecs, [x, y], BOOT_MS);
  const expectProbe = (id, name, want, what) => probes.expectProbe(ecs, id, name, want, what);

  // The two guests are on different hosts, and their VPC's router on host 1 has the segment.
  const [ix, iy] = [await h.describeInstance(ecs, x), await h.describeInstance(ecs, y)];
  assert.equal(ix.ZoneId, h.ZONE_A);
  assert.equal(iy.ZoneId, h.ZONE_B);
  const ns = `oe-${net.vpcId}`;
  assert.match(execFileSync('ip', ['-n', ns, '-d', 'link', 'show', 'vxlan'], { encoding: 'utf8' }), /vxlan id \d+ local 192\.168\.252\.1/);
  assert.match(execFileSync('ip', ['-n', ns, 'route', 'show', 'dev', 'vxlan'], { encoding: 'utf8' }), new RegExp(`^${Y_IP.replace(/\./g, '\\.')} `, 'm'));

  // Host 1 takes VXLAN only from host 2 (issue 13's M1): any other sender is dropped.
  const underlay = execFileSync('nft', ['list', 'table', 'inet', 'openecs_underlay'], { encoding: 'utf8' });
  assert.match(underlay, new RegExp(`elements = \\{ ${U2.replace(/\./g, '\\.')} \\}`));
  assert.match(underlay, new RegExp(`ip daddr ${U1.replace(/\./g, '\\.')} udp dport 4789 ip saddr != @peers`));
  await expectProbe(x, 'ping-y', 'ok', 'host 1 -> host 2 over VXLAN');
  await expectProbe(y, 'ping-x', 'ok', 'host 2 -> host 1 over VXLAN');
  await expectProbe(x, 'bulk-y', String(BULK), 'bulk TCP across the segment (full-size segments clamped)');
  // A custom route entry with Y as next hop: host 1's router sends the block over the segment
  // to Y's address, host 2's router to Y's tap, and Y answers from the block.
  await expectProbe(x, 'ping-svc', 'fail', 'no route to the service block yet');
  const [table] = h.wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: h.REGION, vpcId: net.vpcId })))
    .RouterTableList.RouterTableListType;
  const routeEntryId = h.wire(await vpc.createRouteEntry(new Vpc.CreateRouteEntryRequest({
    regionId: h.REGION, routeTableId: table.RouteTableId, destinationCidrBlock: `${SVC_IP}/32`, nextHopType: 'Instance', nextHopId: y,
  }))).RouteEntryId;
  await expectProbe(x, 'ping-svc', 'ok', 'a route entry whose next hop is on the other host');
  assert.match(execFileSync('ip', ['-n', ns, 'route', 'show', 'proto', 'static'], { encoding: 'utf8' }),
    new RegExp(`^${SVC_IP.replace(/\./g, '\\.')} via ${Y_IP.replace(/\./g, '\\.')} dev vxlan`, 'm'));
  await vpc.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: h.REGION, routeEntryId }));
  await expectProbe(x, 'ping-svc', 'fail', 'the route entry deleted');
  // Host 2 enforces Y's ingress rules: SSH is closed until a rule opens it.
  await expectProbe(x, 'ssh-y', 'closed', 'no rule: host 2 drops X\'s SYN');
  const ssh = { regionId: h.REGION, securityGroupId: net.securityGroupId, ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: `${X_IP}/32` };
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest(ssh));
  await expectProbe(x, 'ssh-y', 'open', 'authorized: open across hosts');
  const rule = h.wire(await ecs.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: h.REGION, securityGroupId: net.securityGroupId })))
    .Permissions.Permission.find((p) => p.PortRange === '22/22');
  await ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: h.REGION, securityGroupId: net.securityGroupId, securityGroupRuleId: rule.SecurityGroupRuleId, policy: 'Drop' }));
  await expectProbe(x, 'ssh-y', 'closed', 'the rule modified to Drop: closed again');

  // Releasing Y takes its route, and the segment it no longer needs, off host 1.
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ regionId: h.REGION, instanceId: y, force: true }));
  await h.waitGone(ecs, [y], 60000);
  await h.waitFor(async () => sh(`ip -n ${ns} link show vxlan`).status !== 0, 10000, 200, 'VXLAN device removed on host 1');
  await h.waitFor(async () => sh('nft list table inet openecs_underlay').status !== 0, 10000, 200, 'underlay filter removed on host 1');
  await expectProbe(x, 'ping-y', 'fail', 'Y is gone');
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ regionId: h.REGION, instanceId: x, force: true }));
  await h.waitGone(ecs, [x], 60000);
});
