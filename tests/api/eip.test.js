'use strict';
// Elastic IPs through the official VPC SDK (emulator mode): allocate from the public pool,
// associate with one instance at a time, unassociate, modify, release; an EIP survives its
// instance's release; wrong-state calls get IncorrectEipStatus.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, Vpc, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
const describeEip = async (id) => wire(await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: REGION, allocationId: id }))).EipAddresses.EipAddress[0];
const associate = (allocationId, instanceId) => vpc.associateEipAddress(new Vpc.AssociateEipAddressRequest({ regionId: REGION, allocationId, instanceId }));
const unassociate = (allocationId, instanceId) => vpc.unassociateEipAddress(new Vpc.UnassociateEipAddressRequest({ regionId: REGION, allocationId, instanceId }));
const release = (allocationId) => vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId }));

before(async () => {
  server = await h.startServer({ extraArgs: ['--public-cidr', '198.18.9.0/29'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'eip' });
});
after(async () => { if (server) await server.destroy(); });

describe('EIPs', () => {
  let eip, a, b;
  test('AllocateEipAddress takes an address from the pool; DescribeEipAddresses shows it Available', async () => {
    const r = wire(await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION, bandwidth: '10', name: 'web' })));
    eip = r.AllocationId;
    assert.match(eip, /^eip-/);
    assert.match(r.EipAddress, /^198\.18\.9\.[2-6]$/);
    const d = await describeEip(eip);
    assert.equal(d.Status, 'Available');
    assert.equal(d.IpAddress, r.EipAddress);
    assert.equal(d.Bandwidth, '10');
    assert.equal(d.Name, 'web');
    await expectError(vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION, bandwidth: '0' })), 'InvalidParameter', 400);
  });

  test('associate with one instance; it shows on the instance; a second association is refused', async () => {
    [a, b] = await h.runInstances(ecs, net, { amount: 2 });
    await h.waitStatus(ecs, [a, b], 'Running');
    await associate(eip, a);
    const d = await describeEip(eip);
    assert.equal(d.Status, 'InUse');
    assert.equal(d.InstanceId, a);
    assert.equal(d.InstanceType, 'EcsInstance');
    const inst = await h.describeInstance(ecs, a);
    assert.equal(inst.EipAddress.AllocationId, eip);
    assert.equal(inst.EipAddress.IpAddress, d.IpAddress);
    await expectError(associate(eip, b), 'IncorrectEipStatus', 400);
    await expectError(associate('eip-doesnotexist', b), 'InvalidAllocationId.NotFound', 404);
    await expectError(release(eip), 'IncorrectEipStatus', 400);
    // An instance with a static public IP takes no EIP.
    const [p] = await h.runRunning(ecs, net, { internetMaxBandwidthOut: 1 });
    const other = wire(await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION }))).AllocationId;
    await expectError(associate(other, p), 'InvalidInstance.HasPublicIp', 400);
    await release(other);
  });

  test('unassociate, reassociate to another instance, modify bandwidth', async () => {
    await expectError(unassociate(eip, b), 'IncorrectEipStatus', 400);
    await unassociate(eip, a);
    assert.equal((await describeEip(eip)).Status, 'Available');
    assert.equal((await h.describeInstance(ecs, a)).EipAddress.IpAddress, '');
    await expectError(unassociate(eip), 'IncorrectEipStatus', 400);
    await associate(eip, b);
    await vpc.modifyEipAddressAttribute(new Vpc.ModifyEipAddressAttributeRequest({ regionId: REGION, allocationId: eip, bandwidth: '20' }));
    assert.equal((await describeEip(eip)).Bandwidth, '20');
    assert.equal((await h.describeInstance(ecs, b)).EipAddress.Bandwidth, 20);
  });

  test('an EIP survives its instance, detached; then it can be released', async () => {
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: b, force: true }));
    await h.waitGone(ecs, [b]);
    const d = await describeEip(eip);
    assert.equal(d.Status, 'Available');
    assert.equal(d.InstanceId, '');
    await release(eip);
    const left = wire(await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: REGION })));
    assert.equal(left.TotalCount, 0);
    await expectError(release(eip), 'InvalidAllocationId.NotFound', 404);
  });
});
