'use strict';
// Durability: kill -9 in the middle of a batch RunInstances (and of a batch stop) and restart on
// the same data dir; graceful restart keeps every record; ClientToken survives a restart.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, Vpc, REGION, wire, expectError } = h;

let server;
let ecs;
let vpc;
let net;

const reconnect = () => { ecs = h.ecsClient(server); vpc = h.vpcClient(server); };

before(async () => {
  server = await h.startServer({ delayMs: 500 });
  reconnect();
  net = await h.createNetwork(ecs, vpc, { name: 'restart' });
});
after(async () => { if (server) await server.destroy(); });

const byTag = async (key, value) => wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({
  regionId: REGION, tag: [{ key, value }], pageSize: 100,
})));

describe('crash recovery', () => {
  test('kill -9 during a batch RunInstances (Amount=10): all ten end Running after restart', { timeout: 90000 }, async () => {
    const ids = await h.runInstances(ecs, net, { amount: 10, tag: [{ key: 'batch', value: 'crash' }] });
    assert.equal(ids.length, 10);
    // Let the fake driver get some of them underway, but not all the way (500 ms per step).
    await h.sleep(300);
    const mid = await h.describeInstances(ecs, ids);
    assert.ok(mid.some((i) => i.Status !== 'Running'), 'the batch is still in flight when we kill');
    const port = server.port;
    await server.restart({ kill: true });
    assert.equal(server.port, port, 'same port after restart');
    reconnect();
    await h.waitStatus(ecs, ids, 'Running', 60000);
    const after = await byTag('batch', 'crash');
    assert.equal(after.TotalCount, 10, 'exactly the ten instances, no duplicates or leftovers');
    assert.deepEqual(after.Instances.Instance.map((i) => i.InstanceId).sort(), [...ids].sort());
    const ips = after.Instances.Instance.map(h.privateIp);
    assert.equal(new Set(ips).size, 10, `private IPs still unique: ${ips}`);
    // Every instance still has exactly its system disk.
    for (const id of ids) {
      const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: id }))).Disks.Disk;
      assert.equal(disks.filter((d) => d.Type === 'system').length, 1, `${id} has one system disk`);
    }
    // They are fully usable afterwards.
    await ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: ids.slice(0, 3) }));
    await h.waitStatus(ecs, ids.slice(0, 3), 'Stopped', 20000);
  });

  test('kill -9 during StopInstances: the stop completes after restart', { timeout: 60000 }, async () => {
    const ids = (await byTag('batch', 'crash')).Instances.Instance.filter((i) => i.Status === 'Running').map((i) => i.InstanceId).slice(0, 3);
    assert.equal(ids.length, 3);
    await ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: ids }));
    await server.restart({ kill: true });
    reconnect();
    // A stop the API accepted is not lost: the instances settle in Stopped, not back in Running
    // and not stuck in Stopping.
    await h.waitStatus(ecs, ids, 'Stopped', 30000);
  });

  test('kill -9 right after RunInstances returns, before any driver work', { timeout: 60000 }, async () => {
    const ids = await h.runInstances(ecs, net, { amount: 3, tag: [{ key: 'batch', value: 'instant' }] });
    await server.restart({ kill: true });
    reconnect();
    await h.waitStatus(ecs, ids, 'Running', 30000);
    assert.equal((await byTag('batch', 'instant')).TotalCount, 3);
  });
});

describe('graceful restart keeps state', () => {
  test('network, rules, key pairs, tags, instance states and ClientTokens survive', { timeout: 90000 }, async () => {
    await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
      regionId: REGION, securityGroupId: net.securityGroupId, ipProtocol: 'tcp', portRange: '22/22', sourceCidrIp: '0.0.0.0/0',
    }));
    const kp = wire(await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'persist' })));
    const token = `tok-${Date.now()}`;
    const params = { amount: 2, clientToken: token, keyPairName: 'persist', tag: [{ key: 'keep', value: 'me' }] };
    const running = [
      ...await h.runInstances(ecs, net, params),
      ...await h.runInstances(ecs, net, { privateIpAddress: '192.168.1.180' }),
    ];
    const stopped = wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId,
      instanceName: 'stays-stopped',
    }))).InstanceId;
    await h.waitStatus(ecs, running, 'Running', 20000);
    await h.waitStatus(ecs, [stopped], 'Stopped', 20000);
    const before = await h.describeInstances(ecs, [...running, stopped]);

    await server.restart();
    reconnect();

    const afterList = await h.describeInstances(ecs, [...running, stopped]);
    const pick = (l) => Object.fromEntries(l.map((i) => [i.InstanceId, {
      Status: i.Status, InstanceName: i.InstanceName, ip: h.privateIp(i), KeyPairName: i.KeyPairName, tags: h.tagsOf(i),
      sgs: i.SecurityGroupIds.SecurityGroupId,
    }]));
    assert.deepEqual(pick(afterList), pick(before));
    // Running ones are still running and stay so; the stopped one is not started by recovery.
    await h.sleep(1500);
    const later = pick(await h.describeInstances(ecs, [...running, stopped]));
    for (const id of running) assert.equal(later[id].Status, 'Running');
    assert.equal(later[stopped].Status, 'Stopped');

    const vpcs = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId: net.vpcId }))).Vpcs.Vpc;
    assert.equal(vpcs.length, 1);
    const vsw = wire(await vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, vSwitchId: net.vSwitchId }))).VSwitches.VSwitch;
    assert.equal(vsw[0].CidrBlock, '192.168.1.0/24');
    const rules = wire(await ecs.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({
      regionId: REGION, securityGroupId: net.securityGroupId, direction: 'ingress',
    }))).Permissions.Permission;
    assert.ok(rules.some((r) => r.PortRange === '22/22'));
    const kps = wire(await ecs.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({ regionId: REGION, keyPairName: 'persist' }))).KeyPairs.KeyPair;
    assert.equal(kps[0].KeyPairFingerPrint, kp.KeyPairFingerPrint);

    // Idempotency records survive: same token → same ids, no new instances; mismatch still refused.
    assert.deepEqual(await h.runInstances(ecs, net, params), running.slice(0, 2));
    assert.equal((await byTag('keep', 'me')).TotalCount, 2);
    await expectError(h.runInstances(ecs, net, { ...params, amount: 1 }), 'IdempotentParameterMismatch', 400);
    // Allocated addresses survive: the explicit IP is still taken.
    await expectError(h.runInstances(ecs, net, { privateIpAddress: '192.168.1.180' }), 'InvalidPrivateIpAddress.Duplicated', 400);
  });
});
