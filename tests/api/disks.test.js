'use strict';
// Cloud disks through the official SDK (emulator mode): CreateDisk, AttachDisk / DetachDisk on
// running and stopped instances with the Attaching / Detaching statuses in between,
// ResizeDisk, ModifyDiskAttribute, ModifyDiskSpec, DeleteDisk, DeleteWithInstance on release,
// the category's IOPS and throughput in DescribeDisks; bad input gets ECS's codes and makes
// nothing.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer();
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'disks' });
});
after(async () => { if (server) await server.destroy(); });

const createDisk = async (over = {}) => wire(await ecs.createDisk(new Ecs.CreateDiskRequest({
  regionId: REGION, zoneId: h.ZONE_A, diskCategory: 'cloud_essd', size: 20, ...over }))).DiskId;
const disk = async (id) => {
  const d = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk;
  return d[0];
};
const allDisks = async () => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, pageSize: 100 }))).Disks.Disk;
const attach = (diskId, instanceId, over = {}) => ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId, instanceId, ...over }));
const detach = (diskId, instanceId) => ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId, instanceId }));
const waitDisk = (id, status) => h.waitFor(async () => (await disk(id)).Status === status, 15000, 100, `disk ${id} ${status}`);

test('CreateDisk: an Available data disk with its category\'s performance; bad input makes nothing', async () => {
  const id = await createDisk({ diskName: 'data-1', description: 'first', performanceLevel: 'PL1' });
  const d = await disk(id);
  assert.deepEqual([d.Status, d.Type, d.Category, d.PerformanceLevel, d.Size, d.ZoneId, d.DiskName, d.Description, d.InstanceId, d.DeleteWithInstance],
    ['Available', 'data', 'cloud_essd', 'PL1', 20, h.ZONE_A, 'data-1', 'first', '', false]);
  // ESSD PL1: min(1800 + 50 x 20, 50000) IOPS, min(120 + 0.5 x 20, 350) MB/s.
  assert.deepEqual([d.IOPS, d.Throughput], [2800, 130]);
  const before = (await allDisks()).length;
  await expectError(ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: h.ZONE_A, diskCategory: 'cloud_essd' })), 'MissingParameter', 400);
  await expectError(createDisk({ diskCategory: 'floppy' }), 'InvalidDataDiskCategory.ValueNotSupported', 400);
  await expectError(createDisk({ size: 70000 }), 'InvalidDataDiskSize.ValueNotSupported', 400);
  await expectError(createDisk({ performanceLevel: 'PL9' }), 'InvalidPerformanceLevel.Malformed', 400);
  await expectError(createDisk({ zoneId: 'nowhere-z' }), 'InvalidZoneId.NotFound', 404);
  await expectError(createDisk({ snapshotId: 's-nope' }), 'InvalidSnapshotId.NotFound', 404);
  await expectError(ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, diskCategory: 'cloud_essd', size: 20 })), 'MissingParameter', 400);
  assert.equal((await allDisks()).length, before);
});

test('attach, grow and detach on a running instance: Attaching -> In_use -> Detaching -> Available', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const id = await createDisk({ size: 40 });
  await attach(id, inst);
  assert.match((await disk(id)).Status, /^(Attaching|In_use)$/);
  await waitDisk(id, 'In_use');
  let d = await disk(id);
  assert.deepEqual([d.InstanceId, d.Device], [inst, '/dev/xvdb']);
  const onInstance = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst }))).Disks.Disk;
  assert.deepEqual(onInstance.map((x) => x.Type).sort(), ['data', 'system']);

  await expectError(attach(id, inst), 'IncorrectDiskStatus', 403);
  await expectError(ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: id })), 'IncorrectDiskStatus', 403);
  await expectError(attach('d-nope', inst), 'InvalidDiskId.NotFound', 404);
  await expectError(attach(await createDisk(), 'i-nope'), 'InvalidInstanceId.NotFound', 404);
  await expectError(attach(await createDisk({ zoneId: h.ZONE_B }), inst), 'ResourcesNotInSameZone', 403);

  // ResizeDisk: online on the running instance; never smaller; within the category's range.
  const resize = (newSize, type) => ecs.resizeDisk(new Ecs.ResizeDiskRequest({ diskId: id, newSize, type }));
  await expectError(resize(40, 'online'), 'InvalidDiskSize.TooSmall', 403);
  await expectError(resize(70000, 'online'), 'InvalidDiskSize.TooLarge', 403);
  await expectError(resize(50, 'sideways'), 'InvalidParam.Type', 400);
  await resize(60, 'online');
  d = await disk(id);
  assert.deepEqual([d.Size, d.IOPS, d.Throughput], [60, 4800, 150]);

  const system = onInstance.find((x) => x.Type === 'system').DiskId;
  await expectError(detach(system, inst), 'DiskTypeViolation', 403);
  const [other] = await h.runRunning(ecs, net);
  await expectError(detach(id, other), 'DependencyViolation', 403);
  await detach(id, inst);
  assert.match((await disk(id)).Status, /^(Detaching|Available)$/);
  await waitDisk(id, 'Available');
  d = await disk(id);
  assert.deepEqual([d.InstanceId, d.Device], ['', '']);
  assert.ok(d.DetachedTime, 'DetachedTime is set');
  await expectError(detach(id, inst), 'InvalidDisk.AlreadyDetached', 404);
  // Available again: it attaches to another instance.
  await attach(id, other);
  await waitDisk(id, 'In_use');
  assert.equal((await disk(id)).InstanceId, other);
});

test('a hot-plug the host refuses: the disk is Available again, detached; a retry attaches it', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const [first, second] = [await createDisk(), await createDisk()];
  await server.injectFault('hot_plug', 1);
  await attach(first, inst);
  await attach(second, inst);
  // One of the two is refused (whichever the host plugs first), the other plugged.
  await h.waitFor(async () => {
    const st = [(await disk(first)).Status, (await disk(second)).Status].sort();
    return st[0] === 'Available' && st[1] === 'In_use';
  }, 15000, 100, 'one disk refused, the other In_use');
  const refused = (await disk(first)).Status === 'Available' ? first : second;
  const d = await disk(refused);
  assert.deepEqual([d.InstanceId, d.Device], ['', '']);
  const onInstance = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst }))).Disks.Disk;
  assert.ok(!onInstance.some((x) => x.DiskId === refused), 'not listed on the instance');
  assert.equal((await h.describeInstance(ecs, inst)).Status, 'Running');
  await attach(refused, inst);
  await waitDisk(refused, 'In_use');
  const devices = [(await disk(first)).Device, (await disk(second)).Device].sort();
  assert.deepEqual(devices, ['/dev/xvdb', '/dev/xvdc'], 'each its own device');
});

test('a stopped instance: attach and detach at once; online resize refused', async () => {
  const [inst] = await h.runRunning(ecs, net);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: inst }));
  await h.waitStatus(ecs, [inst], 'Stopped');
  const id = await createDisk();
  await attach(id, inst);
  assert.equal((await disk(id)).Status, 'In_use');
  await expectError(ecs.resizeDisk(new Ecs.ResizeDiskRequest({ diskId: id, newSize: 30, type: 'online' })), 'InvalidInstanceStatus.NotRunning', 403);
  await ecs.resizeDisk(new Ecs.ResizeDiskRequest({ diskId: id, newSize: 30, type: 'offline' }));
  assert.equal((await disk(id)).Size, 30);
  await detach(id, inst);
  assert.equal((await disk(id)).Status, 'Available');
});

test('ModifyDiskAttribute, DeleteWithInstance on release, DeleteDisk', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const keep = await createDisk(), drop = await createDisk();
  await attach(keep, inst);
  await attach(drop, inst, { deleteWithInstance: true });
  await waitDisk(keep, 'In_use');
  await waitDisk(drop, 'In_use');
  await ecs.modifyDiskAttribute(new Ecs.ModifyDiskAttributeRequest({ regionId: REGION, diskId: keep, diskName: 'kept', description: 'outlives', deleteAutoSnapshot: false }));
  let d = await disk(keep);
  assert.deepEqual([d.DiskName, d.Description, d.DeleteAutoSnapshot, d.DeleteWithInstance], ['kept', 'outlives', false, false]);
  assert.equal((await disk(drop)).DeleteWithInstance, true);
  await expectError(ecs.modifyDiskAttribute(new Ecs.ModifyDiskAttributeRequest({ regionId: REGION, diskId: keep })), 'NoAttributeToModify', 400);
  await expectError(ecs.modifyDiskAttribute(new Ecs.ModifyDiskAttributeRequest({ regionId: REGION, diskId: 'd-nope', diskName: 'other-name' })), 'InvalidDiskId.NotFound', 404);

  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: inst, force: true }));
  await h.waitGone(ecs, [inst]);
  d = await disk(keep);
  assert.deepEqual([d.Status, d.InstanceId], ['Available', '']);
  assert.equal(await disk(drop), undefined, 'DeleteWithInstance=true went with the instance');

  await ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: keep }));
  assert.equal(await disk(keep), undefined);
  await expectError(ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: keep })), 'InvalidDiskId.NotFound', 404);
});

test('Local disks: made and released with a storage-optimised instance, never detached, resized or snapshotted', async () => {
  const [inst] = await h.runRunning(ecs, net, { instanceType: 'ecs.i3.4xlarge' });  // 2 local disks
  const all = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst }))).Disks.Disk;
  const local = all.filter((d) => d.Category === 'ephemeral_ssd');
  assert.equal(local.length, 2);
  for (const d of local)
    assert.deepEqual([d.Type, d.Size, d.Status, d.Portable, d.DeleteWithInstance], ['data', 1788, 'In_use', false, true]);
  const [d] = local;
  await expectError(ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId: d.DiskId, instanceId: inst })), 'DiskCategory.OperationNotSupported', 400);
  await expectError(ecs.resizeDisk(new Ecs.ResizeDiskRequest({ diskId: d.DiskId, newSize: 2000 })), 'DiskCategory.OperationNotSupported', 400);
  await expectError(ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: d.DiskId })), 'DiskCategory.OperationNotSupported', 400);
  await expectError(ecs.modifyDiskAttribute(new Ecs.ModifyDiskAttributeRequest({ diskId: d.DiskId, deleteWithInstance: false })), 'DiskCategory.OperationNotSupported', 400);
  // No economical stop: the data stays on the host, and so does the instance's claim.
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: inst, stoppedMode: 'StopCharging' }));
  await h.waitStatus(ecs, [inst], 'Stopped');
  assert.equal((await h.describeInstance(ecs, inst)).StoppedMode, 'KeepCharging');
  await expectError(ecs.reInitDisk(new Ecs.ReInitDiskRequest({ diskId: d.DiskId })), 'DiskCategory.OperationNotSupported', 400);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: inst, force: true }));
  await h.waitGone(ecs, [inst]);
  const left = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, diskIds: JSON.stringify(local.map((x) => x.DiskId)) }))).Disks.Disk;
  assert.equal(left.length, 0, 'released with the instance');
});

test('ModifyDiskSpec: a new performance level or category, its IOPS and throughput at once; ECS\'s refusals', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const id = await createDisk({ performanceLevel: 'PL0' });
  await attach(id, inst);
  await waitDisk(id, 'In_use');
  let d = await disk(id);
  // ESSD PL0, 20 GiB: min(1800 + 12 x 20, 10000) IOPS, min(100 + 0.25 x 20, 180) MB/s.
  assert.deepEqual([d.PerformanceLevel, d.IOPS, d.Throughput], ['PL0', 2040, 105]);
  const modify = (over) => ecs.modifyDiskSpec(new Ecs.ModifyDiskSpecRequest({ diskId: id, ...over }));

  await expectError(modify({ performanceLevel: 'PL1', dryRun: true }), 'DryRunOperation', 400);
  assert.equal((await disk(id)).PerformanceLevel, 'PL0', 'a dry run changes nothing');
  const up = wire(await modify({ performanceLevel: 'PL1' }));
  assert.match(up.TaskId, /^t-/);
  assert.equal(up.OrderId, '');
  d = await disk(id);
  // PL1: min(1800 + 50 x 20, 50000) IOPS, min(120 + 0.5 x 20, 350) MB/s; still In_use.
  assert.deepEqual([d.Status, d.Category, d.PerformanceLevel, d.IOPS, d.Throughput], ['In_use', 'cloud_essd', 'PL1', 2800, 130]);
  const [task] = wire(await ecs.describeTasks(new Ecs.DescribeTasksRequest({ regionId: REGION, taskIds: up.TaskId }))).TaskSet.Task;
  assert.deepEqual([task.TaskAction, task.TaskStatus, task.ResourceId], ['ModifyDiskSpec', 'Finished', id]);

  // The level must suit the size (PL2 from 461 GiB), never back down to PL0, and be a level.
  await expectError(modify({ performanceLevel: 'PL2' }), 'OperationDenied.PerformanceLevelNotMatch', 403);
  await expectError(modify({ performanceLevel: 'PL0' }), 'OperationDenied', 403);
  await expectError(modify({ performanceLevel: 'PL7' }), 'InvalidPerformanceLevel.Malformed', 400);
  await expectError(modify({}), 'MissingParameter', 400);
  await expectError(modify({ diskCategory: 'floppy' }), 'InvalidDiskCategory.ValueNotSupported', 400);
  await expectError(modify({ diskCategory: 'cloud_ssd', performanceLevel: 'PL1' }), 'InvalidPerformanceLevel.Malformed', 400);
  await expectError(modify({ provisionedIops: 5000 }), 'InvalidParameter', 400);
  await expectError(ecs.modifyDiskSpec(new Ecs.ModifyDiskSpecRequest({ diskId: 'd-nothere', performanceLevel: 'PL1' })), 'InvalidDiskId.NotFound', 404);
  await ecs.resizeDisk(new Ecs.ResizeDiskRequest({ diskId: id, newSize: 500 }));
  await modify({ performanceLevel: 'PL2' });
  d = await disk(id);
  // PL2, 500 GiB: min(1800 + 50 x 500, 100000) IOPS, min(120 + 0.5 x 500, 750) MB/s.
  assert.deepEqual([d.PerformanceLevel, d.Size, d.IOPS, d.Throughput], ['PL2', 500, 26800, 370]);

  // Another category: an SSD has no performance level; back to ESSD it is PL1 unless told.
  await modify({ diskCategory: 'cloud_ssd' });
  d = await disk(id);
  // cloud_ssd, 500 GiB: min(1800 + 30 x 500, 25000) IOPS, min(120 + 0.5 x 500, 300) MB/s.
  assert.deepEqual([d.Category, d.PerformanceLevel, d.IOPS, d.Throughput], ['cloud_ssd', '', 16800, 300]);
  await modify({ diskCategory: 'cloud_essd' });
  d = await disk(id);
  assert.deepEqual([d.Category, d.PerformanceLevel], ['cloud_essd', 'PL1']);
  await expectError(modify({ diskCategory: 'cloud_essd', performanceLevel: 'PL3' }), 'OperationDenied.PerformanceLevelNotMatch', 403);
  assert.equal((await disk(id)).PerformanceLevel, 'PL1');

  // Basic disks keep their category; a disk in a transitional status waits.
  const basic = await createDisk({ diskCategory: 'cloud', size: 20 });
  await expectError(ecs.modifyDiskSpec(new Ecs.ModifyDiskSpecRequest({ diskId: basic, diskCategory: 'cloud_essd' })), 'OperationDenied', 403);
  // The emulator's host takes 2 s over the detach, so the disk is seen Detaching.
  const fakeDelay = (ms) => h.httpRequest({ port: server.port, method: 'POST', path: `/openecs/fake/faults?delay_ms=${ms}` });
  await fakeDelay(2000);
  await detach(id, inst);
  assert.equal((await disk(id)).Status, 'Detaching');
  await expectError(modify({ performanceLevel: 'PL2' }), 'IncorrectDiskStatus', 403);
  await fakeDelay(50);
  await waitDisk(id, 'Available');
  await modify({ diskCategory: 'cloud_efficiency' });  // an Available disk changes too
  d = await disk(id);
  assert.deepEqual([d.Status, d.Category, d.PerformanceLevel], ['Available', 'cloud_efficiency', '']);
});
