'use strict';
// Per-account quotas (issue 16), with the official SDK: each quota refuses with ECS's code and
// status at its limit and allows again once something is released; DescribeAccountAttributes
// shows each quota and its usage; `ecsd account set-quota` beside a running server takes effect
// within seconds, for that account only; concurrent RunInstances never pass a quota together.
//
// The server runs with small defaults for every account (`ecsd dev --quota NAME=VALUE`), so that
// each limit is reached in a few calls.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const h = require('./helpers');

const { Ecs, Vpc, REGION, ZONE_A, wire } = h;
const QUOTAS = {
  'max-instances': 3,
  'max-postpaid-instance-vcpu-count': 4,
  'max-disks': 5,
  'max-snapshots': 2,
  'max-images': 2,
  'max-security-groups': 3,
  'max-eips': 2,
};
const NANO = h.SMALL_TYPE;      // 1 vCPU
const LARGE = 'ecs.g7.large';   // 2 vCPUs
const XLARGE = 'ecs.g7.xlarge'; // 4 vCPUs

let server, ecs, vpc, net;

before(async () => {
  server = await h.startServer({
    delayMs: 0,
    extraArgs: Object.entries(QUOTAS).flatMap(([k, v]) => ['--quota', `${k}=${v}`]),
  });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc);  // one security group of the three
});
after(async () => { if (server) await server.destroy(); });

// name -> Value of DescribeAccountAttributes (all of them, or those named).
async function attributes(client, names) {
  const res = wire(await client.describeAccountAttributes(new Ecs.DescribeAccountAttributesRequest({
    regionId: REGION, ...(names ? { attributeName: names } : {}),
  })));
  return Object.fromEntries(res.AccountAttributeItems.AccountAttributeItem
    .map((a) => [a.AttributeName, a.AttributeValues.ValueItem[0].Value]));
}

// Releases the instances once they rest (Running or Stopped: one still being created cannot be).
async function release(ids) {
  await h.waitFor(async () => (await h.describeInstances(ecs, ids)).every((i) => ['Running', 'Stopped'].includes(i.Status)),
    20000, 100, `instances ${ids.join(',')} to rest`);
  for (const id of ids) await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
  await h.waitGone(ecs, ids);
}

const run = (overrides = {}) => h.runInstances(ecs, net, { instanceType: NANO, ...overrides });

function accountCmd(args) {
  return spawnSync(h.BIN, ['account', ...args, ...server.storeArgs()], { encoding: 'utf8' });
}

test('DescribeAccountAttributes: the quotas, their usage and the network type', async () => {
  const all = await attributes(ecs);
  for (const [name, value] of Object.entries(QUOTAS)) assert.equal(all[name], String(value), name);
  assert.equal(all['instance-network-type'], 'vpc');
  assert.equal(all['used-instances'], '0');
  assert.equal(all['used-postpaid-instance-vcpu-count'], '0');
  assert.equal(all['used-security-groups'], '1');
  assert.equal(all['used-eips'], '0');
  // AttributeName.N picks; a name that is none picks nothing.
  assert.deepEqual(await attributes(ecs, ['max-security-groups', 'no-such-attribute']), { 'max-security-groups': '3' });
  // Every field of the value item is there, and the vCPUs are pay-as-you-go ones.
  const raw = wire(await ecs.describeAccountAttributes(new Ecs.DescribeAccountAttributesRequest({
    regionId: REGION, zoneId: ZONE_A, attributeName: ['max-postpaid-instance-vcpu-count'],
  })));
  const [item] = raw.AccountAttributeItems.AccountAttributeItem;
  assert.deepEqual(item.AttributeValues.ValueItem[0], {
    Value: '4', Count: 1, ZoneId: ZONE_A, InstanceChargeType: 'PostPaid', InstanceType: '', DiskCategory: '', ExpiredTime: '',
  });
  await h.expectError(ecs.describeAccountAttributes(new Ecs.DescribeAccountAttributesRequest({ regionId: REGION, zoneId: 'nowhere-z' })),
    'InvalidZoneId.NotFound', 404);
});

test('max-instances: refused at the limit, MinAmount takes what is left, allowed again after a release', async () => {
  const three = await run({ amount: 3 });
  assert.equal(three.length, 3);
  const got = await attributes(ecs, ['max-instances', 'used-instances', 'used-postpaid-instance-vcpu-count', 'used-disks']);
  assert.deepEqual(got, { 'max-instances': '3', 'used-instances': '3', 'used-postpaid-instance-vcpu-count': '3', 'used-disks': '3' });
  const err = await h.expectError(run(), 'QuotaExceed.AfterpayInstance', 400);
  assert.match(err.message, /Living afterpay instances quota exceeded\./);
  await h.expectError(ecs.createInstance(new Ecs.CreateInstanceRequest({
    regionId: REGION, imageId: h.IMAGE, instanceType: NANO, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId,
  })), 'QuotaExceed.AfterpayInstance', 400);
  await h.expectError(run({ dryRun: true }), 'QuotaExceed.AfterpayInstance', 400);  // DryRun checks it too

  await release([three[0]]);
  await h.expectError(run({ amount: 2 }), 'QuotaExceed.AfterpayInstance', 400);  // all or nothing
  const one = await run({ amount: 2, minAmount: 1 });
  assert.equal(one.length, 1, 'MinAmount: as many as the quota leaves');
  await release([...three.slice(1), ...one]);
  assert.equal((await attributes(ecs, ['used-instances']))['used-instances'], '0');
});

test('10 parallel RunInstances with room for 3: exactly 3 instances and 7 QuotaExceed', async () => {
  const outcomes = await Promise.allSettled(Array.from({ length: 10 }, () => run()));
  const made = outcomes.filter((o) => o.status === 'fulfilled').flatMap((o) => o.value);
  const refused = outcomes.filter((o) => o.status === 'rejected');
  assert.equal(made.length, 3);
  assert.equal(refused.length, 7);
  for (const r of refused) {
    assert.equal(r.reason.code, 'QuotaExceed.AfterpayInstance', String(r.reason.message));
    assert.equal(r.reason.statusCode, 400);
  }
  const listed = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100 })));
  assert.equal(listed.TotalCount, 3);
  await release(made);
});

test('max-postpaid-instance-vcpu-count: RunInstances and a ModifyInstanceSpec that grows', async () => {
  const [a, b] = await run({ instanceType: LARGE, amount: 2 });  // 4 vCPUs of 4
  const err = await h.expectError(run(), 'QuotaExceed.ElasticQuota', 403);  // a third instance would fit
  assert.match(err.message, /The number of vCPUs assigned to the ECS instances has exceeded the quota in the zone\./);
  await h.waitStatus(ecs, [a], 'Running');
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: a }));
  await h.waitStatus(ecs, [a], 'Stopped');
  const grow = () => ecs.modifyInstanceSpec(new Ecs.ModifyInstanceSpecRequest({ instanceId: a, instanceType: XLARGE }));
  await h.expectError(grow(), 'QuotaExceed.ElasticQuota', 403);
  await release([b]);
  await grow();  // 4 of 4
  assert.equal((await h.describeInstance(ecs, a)).InstanceType, XLARGE);
  assert.equal((await attributes(ecs, ['used-postpaid-instance-vcpu-count']))['used-postpaid-instance-vcpu-count'], '4');
  await h.expectError(run(), 'QuotaExceed.ElasticQuota', 403);
  await release([a]);
  const [c] = await run();
  await release([c]);
});

test('max-disks: CreateDisk, and RunInstances for its system disk', async () => {
  const create = () => ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: ZONE_A, size: 20, diskCategory: 'cloud_essd' }));
  const disks = [];
  for (let k = 0; k < 5; k++) disks.push(wire(await create()).DiskId);
  const err = await h.expectError(create(), 'QuotaExceed.PostPaidDisk', 403);
  assert.match(err.message, /Living postPaid disks quota exceeded\./);
  await h.expectError(run(), 'QuotaExceed.PostPaidDisk', 403);
  await ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: disks.pop() }));
  // Room for one disk: an instance with a data disk needs two.
  await h.expectError(run({ dataDisk: [new Ecs.RunInstancesRequestDataDisk({ size: 20, category: 'cloud_essd' })] }),
    'QuotaExceed.PostPaidDisk', 403);
  disks.push(wire(await create()).DiskId);
  for (const d of disks) await ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: d }));
  assert.equal((await attributes(ecs, ['used-disks']))['used-disks'], '0');
});

test('max-security-groups', async () => {
  const create = () => ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: net.vpcId }));
  const made = [wire(await create()).SecurityGroupId, wire(await create()).SecurityGroupId];  // 3 of 3
  const err = await h.expectError(create(), 'QuotaExceed.SecurityGroup', 403);
  assert.match(err.message, /The maximum number of security groups is reached\./);
  await ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: made.pop() }));
  made.push(wire(await create()).SecurityGroupId);
  for (const id of made) await ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: id }));
});

test('max-eips (VPC)', async () => {
  const allocate = () => vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION }));
  const made = [wire(await allocate()).AllocationId, wire(await allocate()).AllocationId];
  const err = await h.expectError(allocate(), 'QuotaExceeded.Eip', 400);
  assert.match(err.message, /Elastic IP address quota exceeded/);
  await vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId: made.pop() }));
  made.push(wire(await allocate()).AllocationId);
  for (const id of made) await vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId: id }));
});

test('max-snapshots and max-images (CreateImage, CopyImage, ImportImage)', async () => {
  const [inst] = await h.runRunning(ecs, net, { instanceType: NANO });
  const sys = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst, diskType: 'system' }))).Disks.Disk[0].DiskId;
  const snapshot = async () => {
    const id = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: sys }))).SnapshotId;
    await h.waitFor(async () => wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: REGION, snapshotIds: JSON.stringify([id]) })))
      .Snapshots.Snapshot[0].Status === 'accomplished', 15000, 100, `snapshot ${id}`);
    return id;
  };
  const snaps = [await snapshot(), await snapshot()];
  const err = await h.expectError(ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: sys })), 'QuotaExceed.Snapshot', 403);
  assert.match(err.message, /The snapshot quota exceeds\./);
  // CreateImage from the instance snapshots its system disk: no room for that snapshot either.
  await h.expectError(ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, instanceId: inst, imageName: 'from-inst' })),
    'QuotaExceed.Snapshot', 403);
  await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snaps.pop() }));
  snaps.push(await snapshot());

  const image = async (name) => {
    const id = wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, snapshotId: snaps[0], imageName: name }))).ImageId;
    await h.waitFor(async () => wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, imageId: id, imageOwnerAlias: 'self' })))
      .Images.Image[0].Status === 'Available', 15000, 100, `image ${id}`);
    return id;
  };
  const images = [await image('img-1'), await image('img-2')];
  const refused = await h.expectError(ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, snapshotId: snaps[0], imageName: 'img-3' })),
    'QuotaExceed.Image', 403);
  assert.match(refused.message, /The Image Quota exceeds\./);
  await h.expectError(ecs.copyImage(new Ecs.CopyImageRequest({ regionId: REGION, imageId: images[0], destinationRegionId: REGION })),
    'QuotaExceed.Image', 403);
  await h.expectError(ecs.importImage(new Ecs.ImportImageRequest({
    regionId: REGION, imageName: 'imported',
    diskDeviceMapping: [new Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: 'uploads', OSSObject: 'disk.raw' })],
  })), 'QuotaExceed.Image', 403);
  const used = await attributes(ecs, ['used-images', 'used-snapshots']);
  assert.deepEqual(used, { 'used-images': '2', 'used-snapshots': '2' });
  await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: images.pop() }));
  images.push(await image('img-3'));
  for (const id of images) await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: id }));
  for (const id of snaps) await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: id }));
  await release([inst]);
});

test('ecsd account set-quota on a running server: within seconds, for that account only', async () => {
  const made = accountCmd(['create', '--name', 'quota-b']);
  assert.equal(made.status, 0, made.stderr);
  const acct = JSON.parse(made.stdout);
  const ecsB = h.ecsClient(server, { ak: acct.AccessKeyId, secret: acct.AccessKeySecret });
  const vpcB = h.vpcClient(server, { ak: acct.AccessKeyId, secret: acct.AccessKeySecret });
  assert.equal((await attributes(ecsB, ['max-eips']))['max-eips'], '2', 'the operator\'s default');

  for (const bad of [['--quota', 'max-bananas=1'], ['--quota', 'max-eips=-1'], ['--quota', 'max-eips=lots']]) {
    const r = accountCmd(['set-quota', '--account', 'quota-b', ...bad]);
    assert.notEqual(r.status, 0, bad.join(' '));
    assert.match(r.stderr, /quota/);
  }
  const unknown = accountCmd(['set-quota', '--account', 'nobody', '--quota', 'max-eips=1']);
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /no account nobody/);

  const set = accountCmd(['set-quota', '--account', 'quota-b', '--quota', 'max-eips=1', '--quota', 'max-instances=5']);
  assert.equal(set.status, 0, set.stderr);
  assert.deepEqual(JSON.parse(set.stdout), { AccountId: acct.AccountId, AccountName: 'quota-b', Quotas: { 'max-instances': 5, 'max-eips': 1 } });
  const t0 = Date.now();
  await h.waitFor(async () => (await attributes(ecsB, ['max-eips']))['max-eips'] === '1', 5000, 100, 'the new quota to show');
  assert.ok(Date.now() - t0 < 5000);
  assert.deepEqual(await attributes(ecsB, ['max-eips', 'max-instances', 'max-disks']), { 'max-eips': '1', 'max-instances': '5', 'max-disks': '5' });
  assert.equal((await attributes(ecs, ['max-eips']))['max-eips'], '2', 'root keeps the default');

  const allocate = () => vpcB.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION }));
  const eip = wire(await allocate()).AllocationId;
  await h.expectError(allocate(), 'QuotaExceeded.Eip', 400);
  // Root still has room for two.
  const rootEips = [];
  for (let k = 0; k < 2; k++) rootEips.push(wire(await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION }))).AllocationId);

  // By id too; "default" drops the override.
  const back = accountCmd(['set-quota', '--account', acct.AccountId, '--quota', 'max-eips=default']);
  assert.equal(back.status, 0, back.stderr);
  assert.deepEqual(JSON.parse(back.stdout).Quotas, { 'max-instances': 5 });
  await h.waitFor(async () => (await attributes(ecsB, ['max-eips']))['max-eips'] === '2', 5000, 100, 'the default again');
  await allocate();
  // The account's record survives a restart with its quotas.
  await server.restart();
  assert.deepEqual(await attributes(ecsB, ['max-eips', 'max-instances']), { 'max-eips': '2', 'max-instances': '5' });
  await vpcB.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId: eip }));
  for (const id of rootEips) await vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId: id }));
});
