'use strict';
// Instance creation and queries: RunInstances (all the parameters users set), CreateInstance,
// DescribeInstances filters and both paging schemes, DescribeInstanceStatus,
// DescribeInstanceAttribute, DescribeInstancesFullStatus, ModifyInstanceAttribute,
// DescribeUserData, DescribeDisks, ClientToken idempotency, DryRun, capacity (MinAmount, NoStock,
// StoppedMode) on a small fake host.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./helpers');
const { Ecs, Vpc, REGION, ZONE_A, ZONE_B, IMAGE, wire, expectError } = h;

let server;
let ecs;
let vpc;
let net1;

before(async () => {
  server = await h.startServer({ delayMs: 50 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net1 = await h.createNetwork(ecs, vpc, { name: 'inst' });
});
after(async () => { if (server) await server.destroy(); });

const uniq = (p) => `${p}-${crypto.randomBytes(4).toString('hex')}`;
const listByTag = async (key, value, extra = {}) => wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({
  regionId: REGION, tag: [{ key, value }], pageSize: 100, ...extra,
})));
const disksOf = async (instanceId) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({
  regionId: REGION, instanceId, pageSize: 100,
}))).Disks.Disk;
const forceDelete = async (ids) => {
  await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: ids, force: true }));
  await h.waitGone(ecs, ids);
};

describe('RunInstances', () => {
  test('full parameter set is reflected by DescribeInstances, DescribeDisks, DescribeUserData', async () => {
    const sg2 = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: net1.vpcId }))).SecurityGroupId;
    const userData = Buffer.from('#!/bin/sh\necho hello from user data\n').toString('base64');
    const res = await ecs.runInstances(new Ecs.RunInstancesRequest({
      regionId: REGION, imageId: IMAGE, instanceType: 'ecs.g7.large', amount: 2,
      vSwitchId: net1.vSwitchId, securityGroupIds: [net1.securityGroupId, sg2],
      instanceName: 'web', hostName: 'web-host', description: 'front end',
      systemDisk: { category: 'cloud_essd', size: '40', diskName: 'sys' },
      dataDisk: [
        { category: 'cloud_essd', size: 100, deleteWithInstance: false, diskName: 'data1' },
        { category: 'cloud_essd', size: 50 },
      ],
      instanceChargeType: 'PostPaid', internetMaxBandwidthOut: 5,
      tag: [{ key: 'env', value: 'dev' }, { key: 'team', value: 'core' }],
      userData, password: 'Passw0rd!x', deletionProtection: false,
    }));
    assert.equal(res.statusCode, 200);
    const body = wire(res);
    const ids = body.InstanceIdSets.InstanceIdSet;
    assert.equal(ids.length, 2);
    for (const id of ids) assert.match(id, /^i-/);
    assert.notEqual(ids[0], ids[1]);
    await h.waitStatus(ecs, ids, 'Running');

    for (const inst of await h.describeInstances(ecs, ids)) {
      assert.equal(inst.InstanceType, 'ecs.g7.large');
      assert.equal(inst.ImageId, IMAGE);
      assert.equal(inst.Cpu, 2);
      assert.equal(inst.Memory, 8192); // MiB
      assert.equal(inst.RegionId, REGION);
      assert.equal(inst.ZoneId, ZONE_A);
      assert.equal(inst.InstanceName, 'web');
      assert.equal(inst.HostName, 'web-host');
      assert.equal(inst.Description, 'front end');
      assert.equal(inst.InstanceChargeType, 'PostPaid');
      assert.equal(inst.InternetMaxBandwidthOut, 5);
      assert.equal(inst.InstanceNetworkType, 'vpc');
      assert.equal(inst.DeletionProtection, false);
      assert.equal(inst.Status, 'Running');
      assert.deepEqual([...inst.SecurityGroupIds.SecurityGroupId].sort(), [net1.securityGroupId, sg2].sort());
      assert.deepEqual(h.tagsOf(inst), { env: 'dev', team: 'core' });
      assert.equal(inst.VpcAttributes.VpcId, net1.vpcId);
      assert.equal(inst.VpcAttributes.VSwitchId, net1.vSwitchId);
      assert.match(h.privateIp(inst), /^192\.168\.1\.\d+$/);
      assert.equal(typeof inst.CreationTime, 'string');

      const disks = await disksOf(inst.InstanceId);
      assert.equal(disks.length, 3, JSON.stringify(disks));
      const sys = disks.filter((d) => d.Type === 'system');
      assert.equal(sys.length, 1);
      assert.equal(sys[0].Category, 'cloud_essd');
      assert.equal(sys[0].Size, 40);
      assert.equal(sys[0].DiskName, 'sys');
      assert.equal(sys[0].Status, 'In_use');
      assert.equal(sys[0].InstanceId, inst.InstanceId);
      const data = disks.filter((d) => d.Type === 'data').sort((a, b) => b.Size - a.Size);
      assert.deepEqual(data.map((d) => d.Size), [100, 50]);
      assert.equal(data[0].DeleteWithInstance, false);
      assert.equal(data[0].DiskName, 'data1');
      assert.equal(data[1].DeleteWithInstance, true); // default
      for (const d of disks) {
        assert.match(d.DiskId, /^d-/);
        assert.equal(d.ZoneId, ZONE_A);
        assert.equal(d.Status, 'In_use');
      }

      const ud = wire(await ecs.describeUserData(new Ecs.DescribeUserDataRequest({ regionId: REGION, instanceId: inst.InstanceId })));
      assert.equal(ud.UserData, userData);
      assert.equal(ud.InstanceId, inst.InstanceId);

      const attr = wire(await ecs.describeInstanceAttribute(new Ecs.DescribeInstanceAttributeRequest({ instanceId: inst.InstanceId })));
      assert.equal(attr.InstanceId, inst.InstanceId);
      assert.equal(attr.InstanceName, 'web');
      assert.equal(attr.HostName, 'web-host');
      assert.equal(attr.InstanceType, 'ecs.g7.large');
      assert.equal(attr.Cpu, 2);
      assert.equal(attr.Memory, 8192);
      assert.equal(attr.Status, 'Running');
      assert.equal(attr.ZoneId, ZONE_A);
      assert.deepEqual(attr.VpcAttributes.PrivateIpAddress.IpAddress, [h.privateIp(inst)]);
    }
    await forceDelete(ids);
  });

  test('defaults: name is the instance id, a system disk exists, empty user data', async () => {
    const [id] = await h.runRunning(ecs, net1);
    const inst = await h.describeInstance(ecs, id);
    assert.equal(inst.InstanceName, id);
    assert.equal(inst.InstanceChargeType, 'PostPaid');
    assert.equal(inst.Cpu, 1);
    assert.equal(inst.Memory, 512);
    assert.deepEqual(inst.SecurityGroupIds.SecurityGroupId, [net1.securityGroupId]);
    const disks = await disksOf(id);
    assert.equal(disks.length, 1);
    assert.equal(disks[0].Type, 'system');
    assert.ok(disks[0].Size >= 1);
    const ud = wire(await ecs.describeUserData(new Ecs.DescribeUserDataRequest({ regionId: REGION, instanceId: id })));
    assert.ok(!ud.UserData, `no user data: ${JSON.stringify(ud.UserData)}`);
    await forceDelete([id]);
  });

  test('PrePaid with Period/PeriodUnit', async () => {
    const [id] = await h.runInstances(ecs, net1, { instanceChargeType: 'PrePaid', period: 1, periodUnit: 'Month' });
    const inst = await h.describeInstance(ecs, id);
    assert.equal(inst.InstanceChargeType, 'PrePaid');
    const days = (Date.parse(inst.ExpiredTime) - Date.now()) / 86400e3;
    assert.ok(days > 27 && days < 32, `ExpiredTime about one month ahead: ${inst.ExpiredTime}`);
    await expectError(h.runInstances(ecs, net1, { instanceChargeType: 'PrePaid', period: 100, periodUnit: 'Month' }),
      'InvalidPeriod', 400);
    // Period is required with PrePaid (docs: 400 MissingParamter "Period" / InvalidPeriod).
    await expectError(h.runInstances(ecs, net1, { instanceChargeType: 'PrePaid' }), /^MissingParameter|Period/, 400);
  });

  test('spot instances keep their strategy and price limit', async () => {
    const [a] = await h.runInstances(ecs, net1, { spotStrategy: 'SpotWithPriceLimit', spotPriceLimit: 0.05 });
    const [b] = await h.runInstances(ecs, net1, { spotStrategy: 'SpotAsPriceGo' });
    const ia = await h.describeInstance(ecs, a);
    const ib = await h.describeInstance(ecs, b);
    assert.equal(ia.SpotStrategy, 'SpotWithPriceLimit');
    assert.equal(Number(ia.SpotPriceLimit), 0.05);
    assert.equal(ib.SpotStrategy, 'SpotAsPriceGo');
    await expectError(h.runInstances(ecs, net1, { spotStrategy: 'Cheapest' }), 'InvalidSpotStrategy', 400);
    await expectError(h.runInstances(ecs, net1, { spotStrategy: 'SpotWithPriceLimit', spotPriceLimit: -1 }), 'InvalidSpotPriceLimit', 400);
    await h.waitStatus(ecs, [a, b], 'Running');
    await forceDelete([a, b]);
  });

  test('UserData up to the 32 KB limit is accepted and returned intact', async () => {
    // 30 KiB raw is ~40 KiB of Base64 in the query string (the SDK sends all parameters there).
    const raw = crypto.randomBytes(30 * 1024);
    const userData = raw.toString('base64');
    const [id] = await h.runInstances(ecs, net1, { userData });
    const ud = wire(await ecs.describeUserData(new Ecs.DescribeUserDataRequest({ regionId: REGION, instanceId: id })));
    assert.equal(ud.UserData, userData);
    await h.waitStatus(ecs, [id], 'Running');
    await forceDelete([id]);
  });

  test('validation errors', async () => {
    const countNet1 = async () => wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, vSwitchId: net1.vSwitchId }))).TotalCount;
    const before = await countNet1();
    const run = (o) => h.runInstances(ecs, net1, o);
    const big = Buffer.alloc(33 * 1024, 'a').toString('base64');
    await h.checkAll({
      'unknown InstanceType': () => expectError(run({ instanceType: 'ecs.nope.large' }), 'InvalidInstanceType.ValueNotSupported', 400),
      'unknown ImageId': () => expectError(run({ imageId: 'm-doesnotexist' }), 'InvalidImageId.NotFound', 404),
      'unknown VSwitchId': () => expectError(run({ vSwitchId: 'vsw-doesnotexist' }), 'InvalidVSwitchId.NotFound', 404),
      // The RunInstances error table lists InvalidSecurityGroupId.NotFound both as 400 and 404.
      'unknown SecurityGroupId': () => expectError(run({ securityGroupId: 'sg-doesnotexist' }), 'InvalidSecurityGroupId.NotFound', [400, 404]),
      'missing ImageId': () => expectError(run({ imageId: undefined }), /^MissingParameter/, 400),
      'Amount=0': () => expectError(run({ amount: 0 }), /Amount|InvalidParameter/, 400),
      'Amount=101': () => expectError(run({ amount: 101 }), /Amount|InvalidParameter/, 400),
      'MinAmount>Amount': () => expectError(run({ amount: 2, minAmount: 3 }), /Amount|InvalidParameter/, 400),
      'short Password': () => expectError(run({ password: 'short' }), 'InvalidPassword.Malformed', 400),
      'one-class Password': () => expectError(run({ password: 'alllowercaseletters' }), 'InvalidPassword.Malformed', 400),
      'non-Base64 UserData': () => expectError(run({ userData: '!!!not base64!!!' }), /^InvalidUserData\./, 400),
      'UserData over 32 KB': () => expectError(run({ userData: big }), 'InvalidUserData.SizeExceeded', 400),
      'bad HostName': () => expectError(run({ hostName: 'bad..host' }), 'InvalidHostName.Malformed', 400),
      // A comma would end up in dnsmasq's dhcp-host line (MAC,IP,name): only patterns may hold one.
      'HostName with a comma': () => expectError(run({ hostName: 'a,b' }), 'InvalidHostName.Malformed', 400),
      'HostName with a second pattern': () => expectError(run({ hostName: 'h[1,2]-[3,4]' }), 'InvalidHostName.Malformed', 400),
      'bad InstanceName': () => expectError(run({ instanceName: 'http://evil' }), 'InvalidInstanceName.Malformed', 400),
      'bad SystemDisk.Category': () => expectError(run({ systemDisk: { category: 'floppy' } }), 'InvalidSystemDiskCategory.ValueNotSupported', 400),
      'bad DataDisk.Category': () => expectError(run({ dataDisk: [{ category: 'floppy', size: 20 }] }), 'InvalidDataDiskCategory.ValueNotSupported', 400),
      'huge SystemDisk.Size': () => expectError(run({ systemDisk: { category: 'cloud_essd', size: '99999' } }), 'InvalidSystemDiskSize.ValueNotSupported', 400),
      'huge DataDisk.Size': () => expectError(run({ dataDisk: [{ category: 'cloud_essd', size: 999999 }] }), 'InvalidDataDiskSize.ValueNotSupported', 400),
      'unknown RegionId': () => expectError(run({ regionId: 'mars-north-1' }), 'InvalidRegionId.NotFound', 404),
    });
    assert.equal(await countNet1(), before, 'no instance was created by any refused call');
  });

  test('GPU types are sold out without GPU hosts', async () => {
    await expectError(h.runInstances(ecs, net1, { instanceType: 'ecs.gn7i-c8g1.2xlarge' }), 'OperationDenied.NoStock', 403);
  });

  test('a vSwitch in local-b (no host) gives OperationDenied.NoStock and creates nothing', async () => {
    const netB = await h.createNetwork(ecs, vpc, { name: 'zone-b', vswCidr: '192.168.9.0/24', zone: ZONE_B });
    await expectError(h.runInstances(ecs, netB), 'OperationDenied.NoStock', 403);
    await expectError(ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: netB.vSwitchId, securityGroupId: netB.securityGroupId,
    })), 'OperationDenied.NoStock', 403);
    const l = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, vSwitchId: netB.vSwitchId })));
    assert.equal(l.TotalCount, 0);
  });

  test('ClientToken: same token + same params returns the same instances; different params is refused', async () => {
    const token = uniq('tok');
    const params = { amount: 2, clientToken: token, tag: [{ key: 'ct', value: token }] };
    const ids1 = await h.runInstances(ecs, net1, params);
    const ids2 = await h.runInstances(ecs, net1, params);
    assert.deepEqual(ids2, ids1);
    assert.equal((await listByTag('ct', token)).TotalCount, 2, 'no extra instances created');
    await expectError(h.runInstances(ecs, net1, { ...params, amount: 3 }), 'IdempotentParameterMismatch', 400);
    assert.equal((await listByTag('ct', token)).TotalCount, 2);
    await h.waitStatus(ecs, ids1, 'Running');
    await forceDelete(ids1);
  });

  test('DryRun validates without creating anything', async () => {
    const tag = uniq('dry');
    await expectError(h.runInstances(ecs, net1, { dryRun: true, tag: [{ key: 'dry', value: tag }] }), 'DryRunOperation', 400);
    assert.equal((await listByTag('dry', tag)).TotalCount, 0);
    // An invalid request reports the real problem, not DryRunOperation.
    await expectError(h.runInstances(ecs, net1, { dryRun: true, instanceType: 'ecs.nope.large' }), 'InvalidInstanceType.ValueNotSupported', 400);
    await expectError(ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net1.vSwitchId,
      securityGroupId: net1.securityGroupId, dryRun: true, instanceName: tag,
    })), 'DryRunOperation', 400);
    const l = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, instanceName: tag })));
    assert.equal(l.TotalCount, 0);
  });
});

describe('CreateInstance', () => {
  test('creates a Stopped instance that StartInstance brings to Running', async () => {
    const res = wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net1.vSwitchId,
      securityGroupId: net1.securityGroupId, instanceName: 'created', privateIpAddress: '192.168.1.77',
      dataDisk: [{ category: 'cloud_essd', size: 20 }], tag: [{ key: 'made', value: 'create' }],
    })));
    const id = res.InstanceId;
    assert.match(id, /^i-/);
    await h.waitStatus(ecs, [id], 'Stopped');
    // It must stay Stopped: CreateInstance does not start it.
    await h.sleep(300);
    const inst = await h.describeInstance(ecs, id);
    assert.equal(inst.Status, 'Stopped');
    assert.equal(inst.InstanceName, 'created');
    assert.equal(h.privateIp(inst), '192.168.1.77');
    assert.deepEqual(h.tagsOf(inst), { made: 'create' });
    assert.equal((await disksOf(id)).length, 2);
    await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id }));
    await h.waitStatus(ecs, [id], 'Running');
    await forceDelete([id]);
  });

  test('same ClientToken returns the same InstanceId', async () => {
    const token = uniq('ci');
    const req = () => ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net1.vSwitchId,
      securityGroupId: net1.securityGroupId, clientToken: token, instanceName: token,
    }));
    const a = wire(await req()).InstanceId;
    const b = wire(await req()).InstanceId;
    assert.equal(a, b);
    const l = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, instanceName: token })));
    assert.equal(l.TotalCount, 1);
    await h.waitStatus(ecs, [a], 'Stopped');
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: a }));
    await h.waitGone(ecs, [a]);
  });

  test('errors', async () => {
    await expectError(ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: IMAGE, vSwitchId: net1.vSwitchId, securityGroupId: net1.securityGroupId,
    })), /^MissingParameter/, 400);
    await expectError(ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: 'm-doesnotexist', instanceType: h.SMALL_TYPE, vSwitchId: net1.vSwitchId, securityGroupId: net1.securityGroupId,
    })), 'InvalidImageId.NotFound', 404);
    await expectError(ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: IMAGE, instanceType: 'ecs.nope.large', vSwitchId: net1.vSwitchId, securityGroupId: net1.securityGroupId,
    })), 'InvalidInstanceType.ValueNotSupported', 400);
  });
});

describe('DescribeInstances filters', () => {
  let net2;
  let groupA;
  let groupB;
  const nameB = uniq('beta');
  const role = uniq('role');

  before(async () => {
    net2 = await h.createNetwork(ecs, vpc, { name: 'filters2', vswCidr: '192.168.2.0/24' });
    const netA = await h.createNetwork(ecs, vpc, { name: 'filtersA', vswCidr: '192.168.3.0/24' });
    groupA = await h.runInstances(ecs, netA, { amount: 2, instanceName: 'alpha', tag: [{ key: role, value: 'a' }] });
    groupA.net = netA;
    groupB = await h.runInstances(ecs, net2, { instanceName: nameB, tag: [{ key: role, value: 'b' }] });
    await h.waitStatus(ecs, [...groupA, ...groupB], 'Running');
  });

  const ids = (body) => body.Instances.Instance.map((i) => i.InstanceId).sort();
  const q = async (extra) => wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100, ...extra })));

  test('VpcId and VSwitchId', async () => {
    assert.deepEqual(ids(await q({ vpcId: groupA.net.vpcId })), [...groupA].sort());
    assert.deepEqual(ids(await q({ vSwitchId: net2.vSwitchId })), [...groupB].sort());
    assert.deepEqual(ids(await q({ vpcId: groupA.net.vpcId, vSwitchId: net2.vSwitchId })), []);
  });

  test('InstanceIds (JSON array)', async () => {
    const body = await q({ instanceIds: JSON.stringify([groupA[0], groupB[0]]) });
    assert.deepEqual(ids(body), [groupA[0], groupB[0]].sort());
    assert.equal(body.TotalCount, 2);
    assert.deepEqual(ids(await q({ instanceIds: JSON.stringify(['i-doesnotexist']) })), []);
  });

  test('ZoneId and Status', async () => {
    const inA = ids(await q({ zoneId: ZONE_A, tag: [{ key: role }] }));
    assert.deepEqual(inA, [...groupA, ...groupB].sort());
    assert.deepEqual(ids(await q({ zoneId: ZONE_B, tag: [{ key: role }] })), []);
    assert.deepEqual(ids(await q({ status: 'Running', tag: [{ key: role }] })), [...groupA, ...groupB].sort());
    assert.deepEqual(ids(await q({ status: 'Stopped', tag: [{ key: role }] })), []);
  });

  test('InstanceName', async () => {
    assert.deepEqual(ids(await q({ instanceName: nameB })), [...groupB]);
    assert.deepEqual(ids(await q({ instanceName: 'alpha', vpcId: groupA.net.vpcId })), [...groupA].sort());
  });

  test('Tag.N (key+value, key only)', async () => {
    assert.deepEqual(ids(await q({ tag: [{ key: role, value: 'a' }] })), [...groupA].sort());
    assert.deepEqual(ids(await q({ tag: [{ key: role, value: 'b' }] })), [...groupB]);
    assert.deepEqual(ids(await q({ tag: [{ key: role }] })), [...groupA, ...groupB].sort());
    assert.deepEqual(ids(await q({ tag: [{ key: role, value: 'zzz' }] })), []);
  });

  test('PrivateIpAddresses (JSON array)', async () => {
    const [inst] = await h.describeInstances(ecs, [groupA[1]]);
    const ip = h.privateIp(inst);
    const body = await q({ vpcId: groupA.net.vpcId, privateIpAddresses: JSON.stringify([ip]) });
    assert.deepEqual(ids(body), [groupA[1]]);
  });

  test('invalid Status is refused', async () => {
    await expectError(q({ status: 'Sleeping' }), 'InvalidStatus.NotFound', 404);
  });

  test('DescribeInstanceStatus', async () => {
    const body = wire(await ecs.describeInstanceStatus(new Ecs.DescribeInstanceStatusRequest({
      regionId: REGION, instanceId: [...groupA, ...groupB], pageSize: 50,
    })));
    assert.equal(body.TotalCount, 3);
    const st = Object.fromEntries(body.InstanceStatuses.InstanceStatus.map((s) => [s.InstanceId, s.Status]));
    assert.deepEqual(Object.keys(st).sort(), [...groupA, ...groupB].sort());
    assert.ok(Object.values(st).every((s) => s === 'Running'));
    const zb = wire(await ecs.describeInstanceStatus(new Ecs.DescribeInstanceStatusRequest({
      regionId: REGION, instanceId: [...groupA], zoneId: ZONE_B,
    })));
    assert.equal(zb.InstanceStatuses.InstanceStatus.length, 0);
    await expectError(ecs.describeInstanceStatus(new Ecs.DescribeInstanceStatusRequest({ regionId: REGION, zoneId: 'local-z' })),
      'InvalidZoneId.NotFound', 404);
  });

  test('DescribeInstancesFullStatus', async () => {
    const body = wire(await ecs.describeInstancesFullStatus(new Ecs.DescribeInstancesFullStatusRequest({
      regionId: REGION, instanceId: [...groupA],
    })));
    const set = body.InstanceFullStatusSet.InstanceFullStatusType;
    assert.deepEqual(set.map((s) => s.InstanceId).sort(), [...groupA].sort());
    for (const s of set) {
      assert.equal(s.Status.Name, 'Running');
      assert.ok(['Ok', 'Impaired', 'Warning', 'Maintaining', 'Initializing', 'InsufficientData', 'NotApplicable'].includes(s.HealthStatus.Name),
        `HealthStatus.Name ${s.HealthStatus.Name}`);
    }
    assert.equal(body.TotalCount, 2);
  });

  test('DescribeInstanceAttribute / DescribeUserData / DescribeInstanceStatus of unknown ids', async () => {
    await expectError(ecs.describeInstanceAttribute(new Ecs.DescribeInstanceAttributeRequest({ instanceId: 'i-doesnotexist' })),
      'InvalidInstanceId.NotFound', 404);
    await expectError(ecs.describeUserData(new Ecs.DescribeUserDataRequest({ regionId: REGION, instanceId: 'i-doesnotexist' })),
      'InvalidInstanceId.NotFound', 404);
  });
});

describe('DescribeInstances paging', () => {
  const tag = uniq('page');
  let all;

  before(async () => {
    const net = await h.createNetwork(ecs, vpc, { name: 'paging', vswCidr: '192.168.4.0/24' });
    all = await h.runInstances(ecs, net, { amount: 25, tag: [{ key: 'page', value: tag }] });
    assert.equal(all.length, 25);
  });

  test('PageNumber/PageSize', async () => {
    const seen = [];
    for (let page = 1; page <= 4; page++) {
      const body = await listByTag('page', tag, { pageNumber: page, pageSize: 10 });
      assert.equal(body.TotalCount, 25);
      assert.equal(body.PageNumber, page);
      assert.equal(body.PageSize, 10);
      assert.equal(body.Instances.Instance.length, [10, 10, 5, 0][page - 1], `page ${page}`);
      seen.push(...body.Instances.Instance.map((i) => i.InstanceId));
    }
    assert.equal(new Set(seen).size, 25, 'pages are disjoint and complete');
    assert.deepEqual([...seen].sort(), [...all].sort());
  });

  test('NextToken/MaxResults', async () => {
    const seen = [];
    let token;
    let pages = 0;
    do {
      const body = await listByTag('page', tag, { maxResults: 10, nextToken: token, pageSize: undefined });
      pages++;
      assert.ok(body.Instances.Instance.length <= 10);
      seen.push(...body.Instances.Instance.map((i) => i.InstanceId));
      token = body.NextToken;
      assert.ok(pages <= 5, 'paging terminates');
    } while (token);
    assert.equal(pages, 3);
    assert.equal(new Set(seen).size, 25, 'pages are disjoint and complete');
    assert.deepEqual([...seen].sort(), [...all].sort());
  });

  test('MaxResults below 10 means 10', async () => {
    // DescribeInstances doc: "set it to a value less than 10, the default value is 10".
    const body = await listByTag('page', tag, { maxResults: 3, pageSize: undefined });
    assert.equal(body.Instances.Instance.length, 10);
    assert.ok(body.NextToken);
  });

  test('a bogus NextToken is refused', async () => {
    await expectError(listByTag('page', tag, { maxResults: 10, nextToken: 'not-a-token', pageSize: undefined }), /NextToken/, 400);
  });

  test('DescribeInstanceStatus pages too', async () => {
    const seen = [];
    for (let page = 1; page <= 3; page++) {
      const body = wire(await ecs.describeInstanceStatus(new Ecs.DescribeInstanceStatusRequest({
        regionId: REGION, instanceId: all, pageNumber: page, pageSize: 10,
      })));
      assert.equal(body.TotalCount, 25);
      seen.push(...body.InstanceStatuses.InstanceStatus.map((s) => s.InstanceId));
    }
    assert.equal(new Set(seen).size, 25);
  });
});

describe('ModifyInstanceAttribute', () => {
  let id;
  let stoppedId;

  before(async () => {
    [id] = await h.runRunning(ecs, net1, { instanceName: 'before' });
    stoppedId = wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net1.vSwitchId, securityGroupId: net1.securityGroupId,
    }))).InstanceId;
    await h.waitStatus(ecs, [stoppedId], 'Stopped');
  });

  test('name, description, hostname, password, deletion protection', async () => {
    await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({
      instanceId: id, instanceName: 'after', description: 'changed', hostName: 'new-host', password: 'N3w-Passw0rd', deletionProtection: true,
    }));
    const inst = await h.describeInstance(ecs, id);
    assert.equal(inst.InstanceName, 'after');
    assert.equal(inst.Description, 'changed');
    assert.equal(inst.HostName, 'new-host');
    assert.equal(inst.DeletionProtection, true);
    await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: id, deletionProtection: false }));
    assert.equal((await h.describeInstance(ecs, id)).DeletionProtection, false);
    assert.equal((await h.describeInstance(ecs, id)).InstanceName, 'after', 'unset fields unchanged');
    // No batch pattern here: brackets and commas would reach the guest and dnsmasq as they are.
    for (const hostName of ['web-[1,3]', 'a,b'])
      await expectError(ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: id, hostName })), 'InvalidHostName.Malformed', 400);
  });

  test('SecurityGroupIds.N replaces the groups', async () => {
    const sg2 = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: net1.vpcId }))).SecurityGroupId;
    await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: id, securityGroupIds: [sg2] }));
    assert.deepEqual((await h.describeInstance(ecs, id)).SecurityGroupIds.SecurityGroupId, [sg2]);
    await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: id, securityGroupIds: [net1.securityGroupId, sg2] }));
    assert.deepEqual([...(await h.describeInstance(ecs, id)).SecurityGroupIds.SecurityGroupId].sort(), [net1.securityGroupId, sg2].sort());
    await expectError(ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: id, securityGroupIds: ['sg-doesnotexist'] })),
      'InvalidSecurityGroupId.NotFound', 404);
  });

  test('UserData of a stopped instance', async () => {
    const ud = Buffer.from('#cloud-config\nhostname: x\n').toString('base64');
    await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: stoppedId, userData: ud }));
    const body = wire(await ecs.describeUserData(new Ecs.DescribeUserDataRequest({ regionId: REGION, instanceId: stoppedId })));
    assert.equal(body.UserData, ud);
  });

  test('errors', async () => {
    const modify = (o) => ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest(o));
    await h.checkAll({
      'unknown instance': () => expectError(modify({ instanceId: 'i-doesnotexist', instanceName: 'xx' }), 'InvalidInstanceId.NotFound', 404),
      'bad InstanceName': () => expectError(modify({ instanceId: id, instanceName: 'http://evil' }), 'InvalidInstanceName.Malformed', 400),
      'weak Password': () => expectError(modify({ instanceId: id, password: 'weak' }), /^Invalid(Host)?Password\.Malformed$/, 400),
      'bad HostName': () => expectError(modify({ instanceId: id, hostName: '-bad-' }), 'InvalidHostName.Malformed', 400),
    });
    assert.equal((await h.describeInstance(ecs, id)).InstanceName, 'after', 'refused calls change nothing');
  });
});

describe('capacity of a small host', () => {
  // 8 vCPU host: four ecs.g7.large (2 vCPU / 8 GiB) fit, a fifth does not.
  let cap;
  let capEcs;
  let capNet;
  let four;

  before(async () => {
    cap = await h.startServer({ delayMs: 50, extraArgs: ['--fake-host-vcpus', '8', '--fake-host-memory-mb', '65536'] });
    capEcs = h.ecsClient(cap);
    capNet = await h.createNetwork(capEcs, h.vpcClient(cap), { name: 'cap' });
  });
  after(async () => { if (cap) await cap.destroy(); });

  const runG7 = (extra) => h.runInstances(capEcs, capNet, { instanceType: 'ecs.g7.large', ...extra });
  const count = async () => wire(await capEcs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, vSwitchId: capNet.vSwitchId }))).TotalCount;

  test('without MinAmount, too large an Amount fails and creates nothing', async () => {
    await expectError(runG7({ amount: 5 }), 'OperationDenied.NoStock', 403);
    assert.equal(await count(), 0);
  });

  test('MinAmount: creates as many as fit', async () => {
    four = await runG7({ amount: 6, minAmount: 2 });
    assert.equal(four.length, 4);
    await h.waitStatus(capEcs, four, 'Running');
    await expectError(runG7({ amount: 1 }), 'OperationDenied.NoStock', 403);
    await expectError(runG7({ amount: 3, minAmount: 1 }), 'OperationDenied.NoStock', 403);
    assert.equal(await count(), 4);
  });

  test('StoppedMode: KeepCharging keeps the capacity, StopCharging releases it', async () => {
    await capEcs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: four[0], stoppedMode: 'KeepCharging' }));
    await h.waitStatus(capEcs, [four[0]], 'Stopped');
    assert.equal((await h.describeInstance(capEcs, four[0])).StoppedMode, 'KeepCharging');
    await expectError(runG7({ amount: 1 }), 'OperationDenied.NoStock', 403);

    await capEcs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: four[1], stoppedMode: 'StopCharging' }));
    await h.waitStatus(capEcs, [four[1]], 'Stopped');
    assert.equal((await h.describeInstance(capEcs, four[1])).StoppedMode, 'StopCharging');
    const [fifth] = await runG7({ amount: 1 });
    await h.waitStatus(capEcs, [fifth], 'Running');
    // The economical-mode instance lost its slot (reference 8.1: may fail to start with NoStock).
    await expectError(capEcs.startInstance(new Ecs.StartInstanceRequest({ instanceId: four[1] })), 'OperationDenied.NoStock', 403);
    // The KeepCharging one kept its slot.
    await capEcs.startInstance(new Ecs.StartInstanceRequest({ instanceId: four[0] }));
    await h.waitStatus(capEcs, [four[0]], 'Running');
    // Releasing an instance frees its slot again.
    await capEcs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: fifth, force: true }));
    await h.waitGone(capEcs, [fifth]);
    await capEcs.startInstance(new Ecs.StartInstanceRequest({ instanceId: four[1] }));
    await h.waitStatus(capEcs, [four[1]], 'Running');
  });
});
