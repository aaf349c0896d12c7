'use strict';
// System ring, ENIs on real guests: a secondary private IP routed to a running guest (and
// taken away again), a secondary ENI hot-plugged into a running guest (it appears as eth1 with
// the ENI's MAC and gets the ENI's address by DHCP) and hot-unplugged. Everything through the
// official SDK; the guests report on their serial consoles (probes.js).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const probes = require('./probes');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
const PLUG_MS = 60000;  // attach/detach reach the guest through the agent and PCIe hot-plug
let server, ecs, vpc;
const wire = (res) => res.body.toMap();
const userData = (text) => Buffer.from(text).toString('base64');

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--network', 'vpc'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
// destroy() also stops whatever guests and VPC namespaces the server left (helpers.js).
after(async () => { if (server) await server.destroy(); });

test('secondary private IP and ENI hot-plug on running guests', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'enis', vpcCidr: '10.5.0.0/16', vswCidr: '10.5.1.0/24' });
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
    regionId: h.REGION, securityGroupId: net.securityGroupId, ipProtocol: 'ICMP', portRange: '-1/-1', sourceCidrIp: '10.5.0.0/16' }));
  const SECONDARY = '10.5.1.77', ENI_IP = '10.5.1.50';
  // X holds SECONDARY on eth0 from the start (the guest configures secondary addresses itself,
  // as on ECS) and reports its interfaces; a new eth1 asks for its address by DHCP.
  const x = (await h.runInstances(ecs, net, { instanceType: 'ecs.c7.large', privateIpAddress: '10.5.1.10', userData: userData(`#!/bin/sh
printf '#!/bin/sh\\n[ "$1" = bound ] && echo "probe eth1-lease $ip" >/dev/console\\nexit 0\\n' >/tmp/lease.sh
chmod +x /tmp/lease.sh
(
ip addr add ${SECONDARY}/32 dev eth0
leased=
while true; do
  echo "probe nics $(ls /sys/class/net | tr '\\n' ,)"
  if [ -e /sys/class/net/eth1 ]; then
    echo "probe eth1-mac $(cat /sys/class/net/eth1/address)"
    [ -n "$leased" ] || { ip link set eth1 up; udhcpc -i eth1 -n -q -t 5 -T 1 -s /tmp/lease.sh >/dev/null 2>&1; leased=1; }
  else
    leased=
  fi
  sleep 1
done
) >/dev/console 2>&1 </dev/null &
`) }))[0];
  const y = (await h.runInstances(ecs, net, { privateIpAddress: '10.5.1.20', userData: userData(`#!/bin/sh
(while true; do
  if ping -c1 -W1 ${SECONDARY} >/dev/null 2>&1; then echo "probe ping-sec ok"; else echo "probe ping-sec fail"; fi
  sleep 1
done) >/dev/console 2>&1 </dev/null &
`) }))[0];
  await h.waitBooted(ecs, [x, y], BOOT_MS);
  const expectProbe = (id, name, want, what, ms) => probes.expectProbe(ecs, id, name, want, what, ms);

  // A secondary private IP is routed to X while it is assigned, and only then.
  await expectProbe(x, 'nics', 'eth0,lo,', 'X has one interface');
  await expectProbe(y, 'ping-sec', 'fail', 'an unassigned address is reachable by nobody');
  const primary = (await h.describeInstance(ecs, x)).NetworkInterfaces.NetworkInterface[0].NetworkInterfaceId;
  await ecs.assignPrivateIpAddresses(new Ecs.AssignPrivateIpAddressesRequest({ regionId: h.REGION, networkInterfaceId: primary, privateIpAddress: [SECONDARY] }));
  await expectProbe(y, 'ping-sec', 'ok', 'assigned: routed to X, and X may answer from it');
  await ecs.unassignPrivateIpAddresses(new Ecs.UnassignPrivateIpAddressesRequest({ regionId: h.REGION, networkInterfaceId: primary, privateIpAddress: [SECONDARY] }));
  await expectProbe(y, 'ping-sec', 'fail', 'unassigned again');

  // A secondary ENI hot-plugged into the running guest, then hot-unplugged.
  const made = wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
    regionId: h.REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId, primaryIpAddress: ENI_IP })));
  await ecs.attachNetworkInterface(new Ecs.AttachNetworkInterfaceRequest({ regionId: h.REGION, networkInterfaceId: made.NetworkInterfaceId, instanceId: x }));
  await expectProbe(x, 'nics', 'eth0,eth1,lo,', 'eth1 appears in the guest', PLUG_MS);
  // Awaited, not read once: the console may have been taken between the guest's two lines.
  await expectProbe(x, 'eth1-mac', made.MacAddress, 'with the ENI\'s MAC');
  await expectProbe(x, 'eth1-lease', ENI_IP, 'and the ENI\'s address by DHCP', PLUG_MS);
  assert.equal((await h.describeInstance(ecs, x)).Status, 'Running', 'no restart');

  await ecs.detachNetworkInterface(new Ecs.DetachNetworkInterfaceRequest({ regionId: h.REGION, networkInterfaceId: made.NetworkInterfaceId, instanceId: x }));
  await expectProbe(x, 'nics', 'eth0,lo,', 'eth1 is gone from the guest', PLUG_MS);
  const left = wire(await ecs.describeNetworkInterfaces(new Ecs.DescribeNetworkInterfacesRequest({ regionId: h.REGION, networkInterfaceId: [made.NetworkInterfaceId] }))).NetworkInterfaceSets.NetworkInterfaceSet[0];
  assert.equal(left.Status, 'Available');
  await ecs.deleteNetworkInterface(new Ecs.DeleteNetworkInterfaceRequest({ regionId: h.REGION, networkInterfaceId: made.NetworkInterfaceId }));

  // ModifyInstanceVpcAttribute on the stopped guest: it boots with the new address (DHCP).
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: y }));
  await h.waitStatus(ecs, [y], 'Stopped', 60000);
  await ecs.modifyInstanceVpcAttribute(new Ecs.ModifyInstanceVpcAttributeRequest({ instanceId: y, vSwitchId: net.vSwitchId, privateIpAddress: '10.5.1.99' }));
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: y }));
  await h.waitBooted(ecs, [y], BOOT_MS);
  let last;
  await h.waitFor(async () => {
    const lines = (await probes.consoleOf(ecs, y)).match(/OPENECS net: eth0 \S+/g) || [];
    last = lines[lines.length - 1];
    return lines.length >= 2;
  }, 60000, 500, 'the second boot on the console');
  assert.equal(last, 'OPENECS net: eth0 10.5.1.99/24');
});
