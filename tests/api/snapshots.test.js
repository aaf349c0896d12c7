'use strict';
// Snapshots through the official SDK (emulator mode: the fake host "copies" after its delay):
// CreateSnapshot goes progressing -> accomplished with a checksum-sized record, is refused for
// disks that never held data, for disks of busy instances and while another snapshot of the
// disk is under way; DescribeSnapshots filters and pages; ModifySnapshotAttribute and
// DeleteSnapshot; a snapshot outlives its disk.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer({ delayMs: 400 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'snaps' });
});
after(async () => { if (server) await server.destroy(); });

const describe = async (over = {}) => wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: REGION, ...over })));
const snapshot = async (id) => (await describe({ snapshotIds: JSON.stringify([id]) })).Snapshots.Snapshot[0];
const create = async (diskId, over = {}) => wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId, ...over }))).SnapshotId;
const fakeDelay = (ms) => h.httpRequest({ port: server.port, method: 'POST', path: `/openecs/fake/faults?delay_ms=${ms}` });

test('CreateSnapshot: progressing, then accomplished; refused where ECS refuses', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst }))).Disks.Disk;
  const system = disks.find((d) => d.Type === 'system');
  const id = await create(system.DiskId, { snapshotName: 'before-upgrade', description: 'first' });
  let s = await snapshot(id);
  assert.equal(s.Status, 'progressing');
  assert.match(s.Progress, /^\d+%$/);
  await expectError(create(system.DiskId), 'IncorrectDiskStatus.CreatingSnapshot', 403);
  await h.waitFor(async () => (await snapshot(id)).Status === 'accomplished', 15000, 100, 'snapshot accomplished');
  s = await snapshot(id);
  assert.deepEqual([s.Progress, s.SourceDiskId, s.SourceDiskType, s.SourceDiskSize, s.SnapshotName, s.Description, s.Available],
    ['100%', system.DiskId, 'system', String(system.Size), 'before-upgrade', 'first', true]);

  // A disk that never held data; a disk that does not exist; bad names.
  const fresh = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: h.ZONE_A, diskCategory: 'cloud_essd', size: 20 }))).DiskId;
  await expectError(create(fresh), 'IncorrectDiskStatus.NeverAttached', 403);
  await expectError(create('d-nope'), 'InvalidDiskId.NotFound', 404);
  await expectError(create(system.DiskId, { snapshotName: 'x' }), 'InvalidSnapshotName.Malformed', 400);
  // A disk whose instance is busy: the fake host's stop slowed to 2 s, so that Stopping outlasts
  // the two calls on a loaded machine too (sg_membership.test.js once saw a 50-ms one done).
  await fakeDelay(2000);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: inst }));
  assert.equal((await h.describeInstance(ecs, inst)).Status, 'Stopping');
  await expectError(create(system.DiskId), 'IncorrectInstanceStatus', 403);
  await fakeDelay(400);
  await h.waitStatus(ecs, [inst], 'Stopped');
  const second = await create(system.DiskId);
  await h.waitFor(async () => (await snapshot(second)).Status === 'accomplished', 15000, 100, 'second snapshot');
});

test('DescribeSnapshots filters and pages; Modify; Delete; a snapshot outlives its disk', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const data = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: h.ZONE_A, diskCategory: 'cloud_ssd', size: 20 }))).DiskId;
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: data, instanceId: inst }));
  await h.waitFor(async () => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, diskIds: JSON.stringify([data]) }))).Disks.Disk[0].Status === 'In_use', 15000);
  const ids = [];
  for (let k = 0; k < 3; ++k) {
    ids.push(await create(data, { snapshotName: `data-${k}` }));
    await h.waitFor(async () => (await snapshot(ids[k])).Status === 'accomplished', 15000, 100, `snapshot ${k}`);
  }
  const ofDisk = await describe({ diskId: data });
  assert.equal(ofDisk.TotalCount, 3);
  assert.deepEqual(ofDisk.Snapshots.Snapshot.map((s) => s.SnapshotName).sort(), ['data-0', 'data-1', 'data-2']);
  assert.equal((await describe({ instanceId: inst, sourceDiskType: 'data' })).TotalCount, 3);
  assert.equal((await describe({ snapshotName: 'data-1' })).Snapshots.Snapshot[0].SnapshotId, ids[1]);
  assert.equal((await describe({ diskId: data, status: 'failed' })).TotalCount, 0);
  const page = await describe({ diskId: data, pageSize: 2, pageNumber: 2 });
  assert.equal(page.Snapshots.Snapshot.length, 1);
  const tokened = await describe({ diskId: data, maxResults: 10 });  // MaxResults: 10 to 100
  assert.equal(tokened.Snapshots.Snapshot.length, 3);
  assert.equal(tokened.NextToken, '');

  await ecs.modifySnapshotAttribute(new Ecs.ModifySnapshotAttributeRequest({ snapshotId: ids[0], snapshotName: 'renamed', description: 'kept', retentionDays: 7 }));
  const s = await snapshot(ids[0]);
  assert.deepEqual([s.SnapshotName, s.Description, s.RetentionDays], ['renamed', 'kept', 7]);
  await expectError(ecs.modifySnapshotAttribute(new Ecs.ModifySnapshotAttributeRequest({ snapshotId: ids[0] })), 'NoAttributeToModify', 400);
  await expectError(ecs.modifySnapshotAttribute(new Ecs.ModifySnapshotAttributeRequest({ snapshotId: 's-nope', snapshotName: 'other' })), 'InvalidSnapshotId.NotFound', 404);

  await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: ids[2] }));
  assert.equal(await snapshot(ids[2]), undefined);
  await expectError(ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: ids[2] })), 'InvalidSnapshotId.NotFound', 404);

  // The disk goes; its snapshots stay.
  await ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId: data, instanceId: inst }));
  await h.waitFor(async () => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, diskIds: JSON.stringify([data]) }))).Disks.Disk[0].Status === 'Available', 15000);
  await ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: data }));
  assert.equal((await describe({ diskId: data })).TotalCount, 2);
});

test('Automatic snapshot policies: create, apply, describe, modify, cancel, delete', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst }))).Disks.Disk;
  const system = disks.find((d) => d.Type === 'system').DiskId;
  const createPolicy = async (over = {}) => wire(await ecs.createAutoSnapshotPolicy(new Ecs.CreateAutoSnapshotPolicyRequest({
    regionId: REGION, autoSnapshotPolicyName: 'nightly', timePoints: '["1","13"]', repeatWeekdays: '["1","3","5"]', retentionDays: 7, ...over,
  }))).AutoSnapshotPolicyId;
  const id = await createPolicy();
  assert.match(id, /^sp-/);
  await expectError(createPolicy({ timePoints: '["24"]' }), 'ParameterInvalid', 403);
  await expectError(createPolicy({ repeatWeekdays: '["0"]' }), 'ParameterInvalid', 403);
  await expectError(createPolicy({ retentionDays: 0 }), 'ParameterInvalid', 403);
  await expectError(createPolicy({ timePoints: 'noon' }), 'ParameterInvalid', 403);

  const describePolicies = async (over = {}) => wire(await ecs.describeAutoSnapshotPolicyEx(new Ecs.DescribeAutoSnapshotPolicyExRequest({ regionId: REGION, ...over })));
  let p = (await describePolicies({ autoSnapshotPolicyId: id })).AutoSnapshotPolicies.AutoSnapshotPolicy[0];
  assert.deepEqual([p.AutoSnapshotPolicyName, p.TimePoints, p.RepeatWeekdays, p.RetentionDays, p.DiskNums, p.Status],
    ['nightly', '["1","13"]', '["1","3","5"]', 7, 0, 'Normal']);

  await ecs.applyAutoSnapshotPolicy(new Ecs.ApplyAutoSnapshotPolicyRequest({ regionId: REGION, autoSnapshotPolicyId: id, diskIds: JSON.stringify([system]) }));
  const disk = async () => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, diskIds: JSON.stringify([system]) }))).Disks.Disk[0];
  let d = await disk();
  assert.deepEqual([d.AutoSnapshotPolicyId, d.EnableAutoSnapshot], [id, true]);
  assert.equal((await describePolicies({ autoSnapshotPolicyId: id })).AutoSnapshotPolicies.AutoSnapshotPolicy[0].DiskNums, 1);
  await expectError(ecs.applyAutoSnapshotPolicy(new Ecs.ApplyAutoSnapshotPolicyRequest({ regionId: REGION, autoSnapshotPolicyId: 'sp-nope', diskIds: JSON.stringify([system]) })), 'ParameterInvalid', 404);
  await expectError(ecs.applyAutoSnapshotPolicy(new Ecs.ApplyAutoSnapshotPolicyRequest({ regionId: REGION, autoSnapshotPolicyId: id, diskIds: JSON.stringify(['d-nope']) })), 'InvalidDiskId.NotFound', 404);

  await ecs.modifyAutoSnapshotPolicyEx(new Ecs.ModifyAutoSnapshotPolicyExRequest({ regionId: REGION, autoSnapshotPolicyId: id, timePoints: '["2"]', retentionDays: -1 }));
  p = (await describePolicies({ autoSnapshotPolicyName: 'nightly' })).AutoSnapshotPolicies.AutoSnapshotPolicy[0];
  assert.deepEqual([p.TimePoints, p.RetentionDays], ['["2"]', -1]);

  await ecs.cancelAutoSnapshotPolicy(new Ecs.CancelAutoSnapshotPolicyRequest({ regionId: REGION, diskIds: JSON.stringify([system]) }));
  d = await disk();
  assert.deepEqual([d.AutoSnapshotPolicyId, d.EnableAutoSnapshot], ['', false]);
  await ecs.applyAutoSnapshotPolicy(new Ecs.ApplyAutoSnapshotPolicyRequest({ regionId: REGION, autoSnapshotPolicyId: id, diskIds: JSON.stringify([system]) }));
  await ecs.deleteAutoSnapshotPolicy(new Ecs.DeleteAutoSnapshotPolicyRequest({ regionId: REGION, autoSnapshotPolicyId: id }));
  assert.equal((await disk()).AutoSnapshotPolicyId, '', 'a deleted policy leaves its disks');
  assert.equal((await describePolicies({ autoSnapshotPolicyId: id })).TotalCount, 0);
  await expectError(ecs.deleteAutoSnapshotPolicy(new Ecs.DeleteAutoSnapshotPolicyRequest({ regionId: REGION, autoSnapshotPolicyId: id })), 'ParameterInvalid', 404);
});
