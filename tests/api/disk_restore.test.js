'use strict';
// Disks made anew from a source, through the official SDK (emulator mode: the fake host
// "copies" after its delay and checks a snapshot's checksum as a real host does):
// CreateDisk from a snapshot (Creating -> Available), ResetDisk (ReIniting, then back to
// In_use; the instance cannot start meanwhile), ReInitDisk, ReplaceSystemDisk (a new system
// disk, the data disk stays), DeleteSnapshot refused while disks depend on it; each long piece
// of work is a task in DescribeTasks / DescribeTaskAttribute.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer({ delayMs: 400 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'restore' });
});
after(async () => { if (server) await server.destroy(); });

const disk = async (id) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk[0];
const disksOf = async (inst) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst }))).Disks.Disk;
const waitDisk = (id, status) => h.waitFor(async () => (await disk(id))?.Status === status, 15000, 100, `${id} ${status}`);
const snapshotOf = async (diskId) => {
  const id = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId }))).SnapshotId;
  await h.waitFor(async () => wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: REGION, snapshotIds: JSON.stringify([id]) }))).Snapshots.Snapshot[0].Status === 'accomplished', 15000, 100, 'snapshot');
  return id;
};
const tasks = async (over = {}) => wire(await ecs.describeTasks(new Ecs.DescribeTasksRequest({ regionId: REGION, ...over })));
const createDisk = async (over) => wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: h.ZONE_A, diskCategory: 'cloud_essd', ...over }))).DiskId;

test('CreateDisk from a snapshot: Creating, then Available, on the snapshot\'s data; a task follows it', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const data = await createDisk({ size: 30, instanceId: inst });
  await waitDisk(data, 'In_use');
  const snap = await snapshotOf(data);

  const made = await createDisk({ snapshotId: snap });
  let d = await disk(made);
  assert.deepEqual([d.Status, d.SourceSnapshotId, d.Size], ['Creating', snap, 30]);  // size: the snapshot's
  await expectError(ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: made, instanceId: inst })), 'IncorrectDiskStatus', 403);
  await waitDisk(made, 'Available');
  const t = (await tasks({ resourceIds: [made] })).TaskSet.Task;
  assert.equal(t.length, 1);
  assert.deepEqual([t[0].TaskAction, t[0].TaskStatus], ['CreateDisk', 'Finished']);
  assert.notEqual(t[0].FinishedTime, '');
  // Then it attaches as any disk.
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: made, instanceId: inst }));
  await waitDisk(made, 'In_use');

  // Larger than the snapshot is fine; smaller, not; nor a snapshot still progressing; nor
  // creating-and-attaching in one call.
  assert.equal((await disk(await createDisk({ snapshotId: snap, size: 50 }))).Size, 50);
  await expectError(createDisk({ snapshotId: snap, size: 20 }), 'InvalidDiskSize.TooSmall', 403);
  await expectError(createDisk({ snapshotId: 's-nope' }), 'InvalidSnapshotId.NotFound', 404);
  const busy = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: data }))).SnapshotId;
  await expectError(createDisk({ snapshotId: busy }), 'InvalidSnapshotId.NotReady', 403);
  await expectError(createDisk({ snapshotId: snap, instanceId: inst }), 'InvalidParameter.Conflict', 400);
  await expectError(ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: h.ZONE_A })), 'MissingParameter', 400);

  // RunInstances with DataDisk.N.SnapshotId: the disk is made from it (size: the snapshot's).
  const [third] = await h.runRunning(ecs, net, { dataDisk: [new Ecs.RunInstancesRequestDataDisk({ snapshotId: snap, category: 'cloud_essd' })] });
  const fromRun = (await disksOf(third)).find((x) => x.Type === 'data');
  assert.deepEqual([fromRun.SourceSnapshotId, fromRun.Size, fromRun.Status], [snap, 30, 'In_use']);
  await expectError(h.runInstances(ecs, net, { dataDisk: [new Ecs.RunInstancesRequestDataDisk({ snapshotId: 's-nope', category: 'cloud_essd' })] }), 'InvalidSnapshotId.NotFound', 404);
  await expectError(h.runInstances(ecs, net, { dataDisk: [new Ecs.RunInstancesRequestDataDisk({ snapshotId: snap, size: 20, category: 'cloud_essd' })] }), 'InvalidDiskSize.TooSmall', 403);
  await expectError(h.runInstances(ecs, net, { dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd' })] }), 'MissingParameter', 400);

  // The snapshot cannot go while disks were made from it, unless forced; a disk whose source
  // is gone cannot be re-initialized.
  await expectError(ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snap })), 'SnapshotCreatedDisk', 403);
  await h.waitFor(async () => (await tasks({ resourceIds: [busy], taskStatus: 'Finished' })).TotalCount === 1, 15000, 100, 'second snapshot');
  await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snap, force: true }));
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: inst }));
  await h.waitStatus(ecs, [inst], 'Stopped');
  await expectError(ecs.reInitDisk(new Ecs.ReInitDiskRequest({ diskId: made })), 'InvalidSourceSnapshot', 403);
});

test('ResetDisk and ReInitDisk: ReIniting on a stopped instance, then back; refused where ECS refuses', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const [other] = await h.runRunning(ecs, net);
  const system = (await disksOf(inst)).find((d) => d.Type === 'system');
  const data = await createDisk({ size: 20, instanceId: inst });
  await waitDisk(data, 'In_use');
  const snap = await snapshotOf(data);
  const otherSnap = await snapshotOf((await disksOf(other)).find((d) => d.Type === 'system').DiskId);

  const reset = (over) => ecs.resetDisk(new Ecs.ResetDiskRequest({ diskId: data, snapshotId: snap, ...over }));
  await expectError(reset(), 'IncorrectInstanceStatus', 403);  // Running
  await expectError(reset({ snapshotId: otherSnap }), 'InvalidParameter.Mismatch', 403);
  await expectError(reset({ snapshotId: 's-nope' }), 'InvalidSnapshotId.NotFound', 404);
  await expectError(reset({ diskId: 'd-nope' }), 'InvalidDiskId.NotFound', 404);
  await expectError(ecs.resetDisk(new Ecs.ResetDiskRequest({ diskId: data })), 'MissingParameter', 400);

  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: inst }));
  await h.waitStatus(ecs, [inst], 'Stopped');
  await expectError(reset({ dryRun: true }), 'DryRunOperation', 400);
  assert.equal((await disk(data)).Status, 'In_use');
  await reset();
  assert.equal((await disk(data)).Status, 'ReIniting');
  await expectError(reset(), 'IncorrectDiskStatus', 403);
  await expectError(ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: inst })), 'IncorrectDiskStatus', 403);
  await expectError(ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: data })), 'IncorrectDiskStatus', 403);
  await waitDisk(data, 'In_use');
  const [t] = (await tasks({ taskAction: 'ResetDisk', resourceIds: [data] })).TaskSet.Task;
  assert.equal(t.TaskStatus, 'Finished');
  const attr = wire(await ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId: t.TaskId })));
  assert.deepEqual([attr.TaskAction, attr.TaskStatus, attr.TaskProcess, attr.SuccessCount, attr.FailedCount],
    ['ResetDisk', 'Finished', '100%', 1, 0]);
  await expectError(ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId: 't-nope' })), 'InvalidTaskId.NotFound', 400);

  // ReInitDisk: an In_use disk of a stopped instance, back to empty (data) or the image (system).
  await ecs.reInitDisk(new Ecs.ReInitDiskRequest({ diskId: data }));
  assert.equal((await disk(data)).Status, 'ReIniting');
  await waitDisk(data, 'In_use');
  await ecs.reInitDisk(new Ecs.ReInitDiskRequest({ diskId: system.DiskId }));
  await waitDisk(system.DiskId, 'In_use');
  assert.equal((await tasks({ taskAction: 'ReInitDisk', taskStatus: 'Finished' })).TotalCount, 2);
  const loose = await createDisk({ size: 20 });
  await expectError(ecs.reInitDisk(new Ecs.ReInitDiskRequest({ diskId: loose })), 'IncorrectDiskStatus', 403);
  // An Available disk can be reset too (ECS: In_use or Available).
  await ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId: data, instanceId: inst }));
  await reset();
  await waitDisk(data, 'Available');

  // The instance starts again once its disks are back.
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: inst }));
  await h.waitStatus(ecs, [inst], 'Running');

  // DescribeTasks: filters and paging.
  const all = await tasks({ pageSize: 2 });
  assert.ok(all.TotalCount >= 6, `tasks: ${all.TotalCount}`);
  assert.equal(all.TaskSet.Task.length, 2);
  assert.equal((await tasks({ taskStatus: 'Failed' })).TotalCount, 0);
  assert.equal((await tasks({ taskIds: `${t.TaskId},t-nope` })).TotalCount, 1);
  await expectError(tasks({ taskStatus: 'Done' }), 'InvalidParameter', 400);
});

test('ReplaceSystemDisk: a new system disk from the image on a stopped instance; the data disk stays', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const data = await createDisk({ size: 20, instanceId: inst });
  await waitDisk(data, 'In_use');
  const oldSystem = (await disksOf(inst)).find((d) => d.Type === 'system');
  const replace = (over) => ecs.replaceSystemDisk(new Ecs.ReplaceSystemDiskRequest({ instanceId: inst, imageId: h.IMAGE, ...over }));
  await expectError(replace(), 'IncorrectInstanceStatus', 403);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: inst }));
  await h.waitStatus(ecs, [inst], 'Stopped');
  await expectError(replace({ imageId: 'm-nope' }), 'InvalidImageId.NotFound', 404);
  await expectError(replace({ systemDisk: new Ecs.ReplaceSystemDiskRequestSystemDisk({ size: 4096 }) }), 'InvalidSystemDiskSize.ValueNotSupported', 400);
  await expectError(replace({ password: 'short' }), 'InvalidPassword.Malformed', 400);
  const newId = wire(await replace({ systemDisk: new Ecs.ReplaceSystemDiskRequestSystemDisk({ size: 60 }) })).DiskId;
  assert.notEqual(newId, oldSystem.DiskId);
  const now = await disksOf(inst);
  const system = now.find((d) => d.Type === 'system');
  assert.deepEqual([system.DiskId, system.Size, system.Status, system.Device, system.ImageId], [newId, 60, 'In_use', oldSystem.Device, h.IMAGE]);
  assert.ok(now.some((d) => d.DiskId === data && d.Status === 'In_use'), 'the data disk stays');
  assert.equal(await disk(oldSystem.DiskId), undefined, 'the old system disk is gone');
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: inst }));
  await h.waitStatus(ecs, [inst], 'Running');
});
