'use strict';
// Static public IPs (emulator mode): RunInstances with InternetMaxBandwidthOut > 0 and
// AllocatePublicIpAddress hand out addresses from the pool given to ecsd (--public-cidr, here a
// /29: five addresses); release and economical stop give them back.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, net;
const publicIp = async (id) => (await h.describeInstance(ecs, id)).PublicIpAddress.IpAddress;
const allocate = (id) => ecs.allocatePublicIpAddress(new Ecs.AllocatePublicIpAddressRequest({ instanceId: id }));

before(async () => {
  server = await h.startServer({ extraArgs: ['--public-cidr', '198.18.7.0/29'] });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'pub' });
});
after(async () => { if (server) await server.destroy(); });

describe('public IPs', () => {
  let withBw, noBw;
  test('RunInstances with public bandwidth gets an address from the pool; without, none', async () => {
    [withBw] = await h.runRunning(ecs, net, { internetMaxBandwidthOut: 5 });
    [noBw] = await h.runRunning(ecs, net);
    const ips = await publicIp(withBw);
    assert.equal(ips.length, 1);
    assert.match(ips[0], /^198\.18\.7\.[2-6]$/, 'not the network, the host side (.1) or the broadcast');
    assert.deepEqual(await publicIp(noBw), []);
  });

  test('AllocatePublicIpAddress: needs public bandwidth, once per instance, known instance', async () => {
    await expectError(allocate(noBw), 'InvalidParameter', 400);
    await expectError(allocate(withBw), 'InvalidOperation.PublicIpAlreadyAllocated', 403);
    await expectError(allocate('i-doesnotexist'), 'InvalidInstanceId.NotFound', 404);
    const id = wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
      securityGroupId: net.securityGroupId, internetMaxBandwidthOut: 1,
    }))).InstanceId;
    assert.deepEqual(await publicIp(id), [], 'CreateInstance does not allocate one by itself');
    const ip = wire(await allocate(id)).IpAddress;
    assert.deepEqual(await publicIp(id), [ip]);
    assert.notEqual(ip, (await publicIp(withBw))[0]);
  });

  test('the pool runs out with QuotaExceeded and nothing half-made; release gives addresses back', async () => {
    // Two of five are taken: three more fit, a batch of four does not (MinAmount = Amount).
    await expectError(h.runInstances(ecs, net, { internetMaxBandwidthOut: 1, amount: 4, minAmount: 4 }),
      'QuotaExceeded.PublicIpAddress', 403);
    const ids = await h.runInstances(ecs, net, { internetMaxBandwidthOut: 1, amount: 3 });
    await h.waitStatus(ecs, ids, 'Running');
    await expectError(h.runInstances(ecs, net, { internetMaxBandwidthOut: 1 }), 'QuotaExceeded.PublicIpAddress', 403);
    const all = new Set();
    for (const id of [withBw, ...ids]) all.add((await publicIp(id))[0]);
    assert.equal(all.size, 4, 'distinct addresses');
    await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: ids, force: true }));
    await h.waitGone(ecs, ids);
    const [again] = await h.runRunning(ecs, net, { internetMaxBandwidthOut: 1 });
    assert.equal((await publicIp(again)).length, 1, 'a released address is handed out again');
  });

  test('an economical stop gives the address back; the next start gets one again', async () => {
    await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: withBw, stoppedMode: 'StopCharging' }));
    await h.waitStatus(ecs, [withBw], 'Stopped');
    assert.deepEqual(await publicIp(withBw), []);
    await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: withBw }));
    assert.equal((await publicIp(withBw)).length, 1);
    await h.waitStatus(ecs, [withBw], 'Running');
  });
});
