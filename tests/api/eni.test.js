'use strict';
// Elastic network interfaces (emulator mode): the primary ENI of every instance, secondary ENIs
// created, attached, detached, deleted; secondary private IPs; security groups; ECS error codes
// on wrong-state and bad-input calls, with nothing changed. (Hot-plug into a real guest:
// tests/system/net.test.js.)
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

const TWO_ENI_TYPE = 'ecs.g7.large';  // 2 ENIs, 6 addresses per ENI
let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer();
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'eni', vswCidr: '192.168.1.0/24' });
});
after(async () => { if (server) await server.destroy(); });

const enis = async (p) => wire(await ecs.describeNetworkInterfaces(new Ecs.DescribeNetworkInterfacesRequest({ regionId: REGION, ...p }))).NetworkInterfaceSets.NetworkInterfaceSet;
const eni = async (id) => (await enis({ networkInterfaceId: [id] }))[0];
const create = async (p) => wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({ regionId: REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId, ...p })));
const attach = (networkInterfaceId, instanceId) => ecs.attachNetworkInterface(new Ecs.AttachNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId, instanceId }));
const detach = (networkInterfaceId, instanceId) => ecs.detachNetworkInterface(new Ecs.DetachNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId, instanceId }));
const remove = (networkInterfaceId) => ecs.deleteNetworkInterface(new Ecs.DeleteNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId }));
const assign = (networkInterfaceId, p) => ecs.assignPrivateIpAddresses(new Ecs.AssignPrivateIpAddressesRequest({ regionId: REGION, networkInterfaceId, ...p }));
const unassign = (networkInterfaceId, privateIpAddress) => ecs.unassignPrivateIpAddresses(new Ecs.UnassignPrivateIpAddressesRequest({ regionId: REGION, networkInterfaceId, privateIpAddress }));
const ipsOf = (e) => e.PrivateIpSets.PrivateIpSet.map((s) => s.PrivateIpAddress);

test('primary and secondary ENIs: create, attach, detach, delete', async () => {
  const [x] = await h.runRunning(ecs, net, { instanceType: TWO_ENI_TYPE });
  const inst = await h.describeInstance(ecs, x);
  const [primary] = await enis({ instanceId: x });
  assert.equal(primary.Type, 'Primary');
  assert.equal(primary.Status, 'InUse');
  assert.equal(primary.PrivateIpAddress, inst.VpcAttributes.PrivateIpAddress.IpAddress[0]);
  assert.equal(primary.MacAddress, inst.NetworkInterfaces.NetworkInterface[0].MacAddress);
  assert.match(primary.MacAddress, /^00:16:3e(:[0-9a-f]{2}){3}$/);

  const made = await create({ primaryIpAddress: '192.168.1.50', secondaryPrivateIpAddressCount: 1, networkInterfaceName: 'data-nic' });
  assert.equal(made.Status, 'Available');
  assert.equal(made.PrivateIpAddress, '192.168.1.50');
  assert.equal(ipsOf(made).length, 2);
  const id = made.NetworkInterfaceId;
  assert.equal((await eni(id)).NetworkInterfaceName, 'data-nic');

  await attach(id, x);
  const used = await eni(id);
  assert.equal(used.Status, 'InUse');
  assert.equal(used.InstanceId, x);
  assert.equal(used.Attachment.DeviceIndex, 1);
  const nics = (await h.describeInstance(ecs, x)).NetworkInterfaces.NetworkInterface;
  assert.deepEqual(nics.map((n) => n.Type), ['Primary', 'Secondary']);
  assert.equal(nics[1].NetworkInterfaceId, id);

  const other = (await create({})).NetworkInterfaceId;
  await expectError(attach(other, x), 'EniPerInstanceLimitExceeded', 403);
  await expectError(attach(id, x), 'InvalidOperation.InvalidEniState', 400);
  await expectError(remove(id), 'InvalidOperation.InvalidEniState', 400);
  await expectError(detach(primary.NetworkInterfaceId, x), 'InvalidOperation.DetachPrimaryEniNotAllowed', 400);
  await expectError(remove(primary.NetworkInterfaceId), 'InvalidOperation.InvalidEniType', 403);
  await expectError(detach(other, x), 'InvalidOperation.InvalidEniState', 400);
  await expectError(attach('eni-doesnotexist', x), 'InvalidEniId.NotFound', 404);
  await expectError(attach(other, 'i-doesnotexist'), 'InvalidEcsId.NotFound', 404);

  await detach(id, x);
  assert.equal((await eni(id)).Status, 'Available');
  assert.equal((await h.describeInstance(ecs, x)).NetworkInterfaces.NetworkInterface.length, 1);

  // A stopped instance takes one too; releasing the instance leaves the ENI Available.
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: x }));
  await h.waitStatus(ecs, [x], 'Stopped', 20000);
  await attach(other, x);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: x }));
  await h.waitGone(ecs, [x], 20000);
  assert.equal((await eni(other)).Status, 'Available');
  assert.deepEqual(await enis({ instanceId: x }), [], 'the primary ENI went with its instance');
  await remove(other);
  await remove(id);
  assert.deepEqual(await enis({ networkInterfaceId: [id, other] }), []);
});

test('ENIs refuse bad input and make nothing', async () => {
  const count = async () => (await enis({ vpcId: net.vpcId })).length;
  const before = await count();
  const elsewhere = await h.createNetwork(ecs, vpc, { name: 'other', vpcCidr: '10.9.0.0/16', vswCidr: '10.9.1.0/24' });
  const taken = (await create({})).PrivateIpAddress;
  await expectError(create({ primaryIpAddress: taken }), 'InvalidPrivateIpAddress.Duplicated', 400);
  await expectError(create({ primaryIpAddress: '10.0.0.5' }), 'InvalidVSwitchId.IpInvalid', 403);
  await expectError(create({ primaryIpAddress: '192.168.1.253' }), 'InvalidVSwitchId.IpInvalid', 403);
  await expectError(create({ securityGroupId: elsewhere.securityGroupId }), 'InvalidOperation.VpcMismatch', 403);
  await expectError(create({ securityGroupId: undefined }), 'MissingParameter', 400);
  await expectError(create({ vSwitchId: 'vsw-doesnotexist' }), 'InvalidVSwitchId.NotFound', 404);
  await expectError(create({ secondaryPrivateIpAddressCount: 10 }), 'MaxEniPrivateIpsCountExceeded', 403);
  assert.equal(await count(), before + 1, 'only the first ENI was made');
  // Attaching across VPCs is refused.
  const [y] = await h.runRunning(ecs, elsewhere, { instanceType: TWO_ENI_TYPE });
  const mine = (await enis({ vpcId: net.vpcId, type: 'Secondary' }))[0].NetworkInterfaceId;
  await expectError(attach(mine, y), 'InvalidOperation.VpcMismatch', 403);
  // A vSwitch or security group still used by an ENI cannot be deleted.
  await expectError(vpc.deleteVSwitch(new h.Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: net.vSwitchId })), 'DependencyViolation', [400, 403]);
  await remove(mine);
});

test('secondary private IPs and security groups of ENIs', async () => {
  const [x] = await h.runRunning(ecs, net, { instanceType: TWO_ENI_TYPE });
  const [primary] = await enis({ instanceId: x });
  const pid = primary.NetworkInterfaceId;
  const got = wire(await assign(pid, { privateIpAddress: ['192.168.1.80'], secondaryPrivateIpAddressCount: 1 })).AssignedPrivateIpAddressesSet;
  assert.equal(got.NetworkInterfaceId, pid);
  assert.equal(got.PrivateIpSet.PrivateIpAddress.length, 2);
  assert.equal(got.PrivateIpSet.PrivateIpAddress[0], '192.168.1.80');
  assert.deepEqual(ipsOf(await eni(pid)).slice(1), got.PrivateIpSet.PrivateIpAddress);
  const viaInstance = (await h.describeInstance(ecs, x)).NetworkInterfaces.NetworkInterface[0].PrivateIpSets.PrivateIpSet;
  assert.equal(viaInstance.length, 3);
  // Taken addresses are taken for everyone.
  await expectError(create({ primaryIpAddress: '192.168.1.80' }), 'InvalidPrivateIpAddress.Duplicated', 400);
  await expectError(assign(pid, { secondaryPrivateIpAddressCount: 4 }), 'MaxEniPrivateIpsCountExceeded', 403);
  await expectError(unassign(pid, ['192.168.1.99']), 'InvalidIp.IpUnassigned', 403);
  await unassign(pid, ['192.168.1.80']);
  assert.equal(ipsOf(await eni(pid)).length, 2);
  await create({ primaryIpAddress: '192.168.1.80' });  // free again

  // Security groups: on the primary ENI they are the instance's.
  const sg2 = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: net.vpcId }))).SecurityGroupId;
  await ecs.modifyNetworkInterfaceAttribute(new Ecs.ModifyNetworkInterfaceAttributeRequest({ regionId: REGION, networkInterfaceId: pid, securityGroupId: [sg2] }));
  assert.deepEqual((await h.describeInstance(ecs, x)).SecurityGroupIds.SecurityGroupId, [sg2]);
  const sec = (await create({})).NetworkInterfaceId;
  await ecs.modifyNetworkInterfaceAttribute(new Ecs.ModifyNetworkInterfaceAttributeRequest({ regionId: REGION, networkInterfaceId: sec, securityGroupId: [net.securityGroupId, sg2], networkInterfaceName: 'renamed' }));
  const after = await eni(sec);
  assert.deepEqual(after.SecurityGroupIds.SecurityGroupId, [net.securityGroupId, sg2]);
  assert.equal(after.NetworkInterfaceName, 'renamed');
  assert.deepEqual((await enis({ securityGroupId: sg2 })).map((e) => e.NetworkInterfaceId).sort(), [pid, sec].sort());
  await expectError(ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: sg2 })), 'DependencyViolation', [400, 403]);
});

test('ModifyInstanceVpcAttribute: a stopped instance changes address, vSwitch or VPC', async () => {
  const [x] = await h.runRunning(ecs, net, { instanceType: TWO_ENI_TYPE });
  const modify = (p) => ecs.modifyInstanceVpcAttribute(new Ecs.ModifyInstanceVpcAttributeRequest({ instanceId: x, vSwitchId: net.vSwitchId, ...p }));
  const ipOf = async () => h.privateIp(await h.describeInstance(ecs, x));
  await expectError(modify({ privateIpAddress: '192.168.1.120' }), 'IncorrectInstanceStatus', 403);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: x }));
  await h.waitStatus(ecs, [x], 'Stopped', 20000);

  await modify({ privateIpAddress: '192.168.1.120' });
  assert.equal(await ipOf(), '192.168.1.120');
  const taken = (await create({})).PrivateIpAddress;
  await expectError(modify({ privateIpAddress: taken }), 'InvalidPrivateIpAddress.Duplicated', 400);
  await expectError(modify({ privateIpAddress: '10.1.2.3' }), 'InvalidPrivateIpAddress.Malformed', 400);
  await expectError(modify({ vSwitchId: 'vsw-doesnotexist' }), 'InvalidVSwitchId.NotFound', 404);
  assert.equal(await ipOf(), '192.168.1.120', 'refused changes change nothing');

  // Another vSwitch of the VPC: a new address from it.
  const vsw2 = await h.createVSwitch(vpc, net.vpcId, '192.168.7.0/24', h.ZONE_A, 'second');
  await modify({ vSwitchId: vsw2 });
  assert.match(await ipOf(), /^192\.168\.7\./);
  // Another VPC: needs its groups.
  const other = await h.createNetwork(ecs, vpc, { name: 'moved', vpcCidr: '10.44.0.0/16', vswCidr: '10.44.1.0/24' });
  await expectError(modify({ vSwitchId: other.vSwitchId }), 'InvalidVSwitchId.Mismatch', 400);
  await expectError(modify({ vSwitchId: other.vSwitchId, vpcId: other.vpcId }), 'MissingParameter', 400);
  // Not with a secondary ENI attached, nor with an EIP.
  const move = { vSwitchId: other.vSwitchId, vpcId: other.vpcId, securityGroupId: [other.securityGroupId], privateIpAddress: '10.44.1.9' };
  const extra = (await create({})).NetworkInterfaceId;
  await attach(extra, x);
  await expectError(modify(move), 'OperationDenied', 403);
  await detach(extra, x);
  await remove(extra);
  const eip = wire(await vpc.allocateEipAddress(new h.Vpc.AllocateEipAddressRequest({ regionId: REGION })));
  const eipCall = (fn, Req) => vpc[fn](new Req({ regionId: REGION, allocationId: eip.AllocationId, instanceId: x }));
  await eipCall('associateEipAddress', h.Vpc.AssociateEipAddressRequest);
  await expectError(modify(move), 'OperationDenied', 403);
  await eipCall('unassociateEipAddress', h.Vpc.UnassociateEipAddressRequest);
  await modify(move);
  const moved = await h.describeInstance(ecs, x);
  assert.equal(moved.VpcAttributes.VpcId, other.vpcId);
  assert.equal(h.privateIp(moved), '10.44.1.9');
  assert.deepEqual(moved.SecurityGroupIds.SecurityGroupId, [other.securityGroupId]);
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: x }));
  await h.waitStatus(ecs, [x], 'Running', 20000);
});

test('ModifyInstanceVpcAttribute: moving to a VPC whose block overlaps keeps its addresses apart', async () => {
  // Two VPCs with the same vSwitch block; y holds .201 in the second one, x holds .201 in the first.
  const twin = await h.createNetwork(ecs, vpc, { name: 'twin', vpcCidr: '192.168.0.0/16', vswCidr: '192.168.1.0/24' });
  const [y] = await h.runRunning(ecs, twin, { privateIpAddress: '192.168.1.201' });
  const [x] = await h.runRunning(ecs, net, {});
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: x }));
  await h.waitStatus(ecs, [x], 'Stopped', 20000);
  const modify = (p) => ecs.modifyInstanceVpcAttribute(new Ecs.ModifyInstanceVpcAttributeRequest({ instanceId: x, ...p }));
  await modify({ vSwitchId: net.vSwitchId, privateIpAddress: '192.168.1.201' });
  assert.equal(h.privateIp(await h.describeInstance(ecs, x)), '192.168.1.201');
  // x's own .201 is in the other VPC: y's .201 in the twin is still taken.
  const move = { vSwitchId: twin.vSwitchId, vpcId: twin.vpcId, securityGroupId: [twin.securityGroupId] };
  await expectError(modify({ ...move, privateIpAddress: '192.168.1.201' }), 'InvalidPrivateIpAddress.Duplicated', 400);
  await modify(move);
  const ips = [h.privateIp(await h.describeInstance(ecs, x)), h.privateIp(await h.describeInstance(ecs, y))];
  assert.notEqual(ips[0], ips[1], `x and y share ${ips[0]} in one vSwitch`);
  assert.equal(ips[1], '192.168.1.201');
});
