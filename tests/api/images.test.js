'use strict';
// Custom images through the official SDK (emulator mode: the fake host "makes" them after its
// delay): CreateImage from an instance (its system disk is snapshotted first) and from a
// snapshot, Creating -> Available with a task; DescribeImages by owner, status, id and paging;
// an instance launched from the image; DeleteImage refused while used (Force), DeleteSnapshot
// refused while an image uses it; ModifyImageAttribute, CopyImage, share permissions; ImportImage
// and ExportImage input checks (buckets and objects, never host paths); every refusal ECS
// documents for these.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer({ delayMs: 400 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'images' });
});
after(async () => { if (server) await server.destroy(); });

const images = async (over = {}) => wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, ...over })));
const image = async (id) => (await images({ imageId: id, status: 'Creating,Available,CreateFailed' })).Images.Image[0];
const waitImage = (id, status) => h.waitFor(async () => (await image(id))?.Status === status, 15000, 100, `${id} ${status}`);
const createImage = async (over) => wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, ...over }))).ImageId;

test('CreateImage from an instance: a snapshot, then the image; instances launch from it', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const id = await createImage({ instanceId: inst, imageName: 'golden', description: 'from a running instance' });
  let img = await image(id);
  assert.deepEqual([img.Status, img.ImageOwnerAlias, img.ImageName, img.Description], ['Creating', 'self', 'golden', 'from a running instance']);
  await expectError(ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: id })), 'ImageIsCreating', 403);
  await waitImage(id, 'Available');
  img = await image(id);
  assert.equal(img.Progress, '100%');
  assert.equal(img.Platform, 'Debian');
  const snap = img.DiskDeviceMappings.DiskDeviceMapping[0].SnapshotId;
  const snaps = wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: REGION, snapshotIds: JSON.stringify([snap]) }))).Snapshots.Snapshot;
  assert.equal(snaps[0].SourceDiskType, 'system', 'the instance\'s system disk was snapshotted');
  const tasks = wire(await ecs.describeTasks(new Ecs.DescribeTasksRequest({ regionId: REGION, taskAction: 'CreateImage', resourceIds: [id] }))).TaskSet.Task;
  assert.deepEqual(tasks.map((t) => t.TaskStatus), ['Finished']);

  // Listed by owner: self has it, system does not; the default status filter is Available.
  assert.ok((await images({ imageOwnerAlias: 'self' })).Images.Image.some((i) => i.ImageId === id));
  assert.ok(!(await images({ imageOwnerAlias: 'system' })).Images.Image.some((i) => i.ImageId === id));
  assert.equal((await images({ imageOwnerAlias: 'others' })).TotalCount, 0);
  assert.ok((await images({})).TotalCount >= 2);
  assert.equal((await images({ pageSize: 1, pageNumber: 2 })).Images.Image.length, 1);
  await expectError(images({ imageOwnerAlias: 'mine' }), 'InvalidParameter', 400);

  // A new instance from it.
  const [copy] = await h.runRunning(ecs, net, { imageId: id });
  const launched = await h.describeInstance(ecs, copy);
  assert.deepEqual([launched.ImageId, launched.OSName], [id, img.OSName], 'the OS of the image it came from');
  assert.notEqual(img.OSName, '');
  await expectError(ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: id })), 'ImageUsingByInstance', 403);
  await expectError(ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snap })), 'SnapshotCreatedImage', 403);
  await expectError(ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: h.IMAGE })), 'OperationDenied', 403);

  // Renamed, copied, deleted (Force: instances still use it).
  await ecs.modifyImageAttribute(new Ecs.ModifyImageAttributeRequest({ regionId: REGION, imageId: id, imageName: 'golden-2', description: 'renamed' }));
  img = await image(id);
  assert.deepEqual([img.ImageName, img.Description], ['golden-2', 'renamed']);
  const copied = wire(await ecs.copyImage(new Ecs.CopyImageRequest({ regionId: REGION, imageId: id, destinationRegionId: REGION, destinationImageName: 'golden-copy' }))).ImageId;
  await waitImage(copied, 'Available');
  assert.equal((await image(copied)).ImageName, 'golden-copy');
  await expectError(ecs.copyImage(new Ecs.CopyImageRequest({ regionId: REGION, imageId: id, destinationRegionId: 'elsewhere' })), 'InvalidRegionId.NotFound', 404);
  await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: id, force: true }));
  assert.equal(await image(id), undefined);
  await expectError(ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: copied, dryRun: true })), 'DryRunOperation', 400);
  assert.equal((await image(copied)).Status, 'Available', 'a dry run deletes nothing');
  await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: copied }));
  await expectError(ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: copied })), 'InvalidImageId.NotFound', 404);
  // With the image gone, its snapshot can go.
  await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snap }));
});

test('an instance from a custom image larger than 20 GiB gets the image\'s size when SystemDisk.Size is left out', async () => {
  const [inst] = await h.runRunning(ecs, net, { systemDisk: new Ecs.RunInstancesRequestSystemDisk({ size: 50 }) });
  const id = await createImage({ instanceId: inst, imageName: 'fifty' });
  await waitImage(id, 'Available');
  assert.equal(Number((await image(id)).Size), 50);
  const [copy] = await h.runRunning(ecs, net, { imageId: id });
  const systemDisk = async (instanceId) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId, diskType: 'system' }))).Disks.Disk[0];
  assert.equal((await systemDisk(copy)).Size, 50);
  // A size below the image's is refused; above it is kept.
  await expectError(h.runInstances(ecs, net, { imageId: id, systemDisk: new Ecs.RunInstancesRequestSystemDisk({ size: 40 }) }),
    'InvalidSystemDiskSize.ValueNotSupported', 400);
  const [larger] = await h.runInstances(ecs, net, { imageId: id, systemDisk: new Ecs.RunInstancesRequestSystemDisk({ size: 60 }) });
  assert.equal((await systemDisk(larger)).Size, 60);
  // The built-in image keeps its default (20 GiB).
  const [plain] = await h.runInstances(ecs, net);
  assert.equal((await systemDisk(plain)).Size, 20);
});

test('CreateImage and ImportImage refuse what ECS refuses; share permissions', async () => {
  const [inst] = await h.runRunning(ecs, net);
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: inst }))).Disks.Disk;
  const system = disks.find((d) => d.Type === 'system');
  const data = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, diskCategory: 'cloud_essd', size: 20, instanceId: inst }))).DiskId;
  await h.waitFor(async () => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, diskIds: JSON.stringify([data]) }))).Disks.Disk[0].Status === 'In_use', 15000);
  const snapOf = async (diskId) => wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId }))).SnapshotId;
  const dataSnap = await snapOf(data);
  await expectError(createImage({ snapshotId: dataSnap, imageName: 'early' }), 'InvalidSnapshotId.NotReady', 403);
  const sysSnap = await snapOf(system.DiskId);
  await h.waitFor(async () => wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: REGION, status: 'accomplished' }))).TotalCount >= 2, 15000);
  await expectError(createImage({ snapshotId: dataSnap, imageName: 'from-data' }), 'OperationDenied', 403);
  await expectError(createImage({ imageName: 'nothing' }), 'MissingParameter', 400);
  await expectError(createImage({ snapshotId: 's-nope', imageName: 'nope' }), 'InvalidSnapshotId.NotFound', 404);
  await expectError(createImage({ instanceId: 'i-nope', imageName: 'nope' }), 'InvalidInstanceId.NotFound', 404);
  await expectError(createImage({ snapshotId: sysSnap, imageName: 'x' }), 'InvalidImageName.Malformed', 400);
  await expectError(createImage({ snapshotId: sysSnap, imageName: 'ok-name', dryRun: true }), 'DryRunOperation', 400);
  const id = await createImage({ snapshotId: sysSnap, imageName: 'from-snapshot' });
  await expectError(createImage({ snapshotId: sysSnap, imageName: 'from-snapshot' }), 'InvalidImageName.Duplicated', 400);
  await waitImage(id, 'Available');
  assert.equal((await images({ snapshotId: sysSnap })).Images.Image[0].ImageId, id);

  // Sharing: the model keeps accounts; there is one account here, so only the checks show.
  await expectError(ecs.modifyImageSharePermission(new Ecs.ModifyImageSharePermissionRequest({ regionId: REGION, imageId: id, addAccount: ['123456'] })), 'InvalidAccount.NotFound', 404);
  const perm = wire(await ecs.describeImageSharePermission(new Ecs.DescribeImageSharePermissionRequest({ regionId: REGION, imageId: id })));
  assert.deepEqual([perm.ImageId, perm.Accounts.Account, perm.TotalCount], [id, [], 0]);
  await expectError(ecs.describeImageSharePermission(new Ecs.DescribeImageSharePermissionRequest({ regionId: REGION, imageId: 'm-nope' })), 'InvalidImageId.NotFound', 404);

  // ImportImage: the source is an http:// URL, or a file in a bucket (a directory of the
  // host's exchange area): never a host path.
  const imp = (mapping, over = {}) => ecs.importImage(new Ecs.ImportImageRequest({ regionId: REGION, imageName: 'imported', diskDeviceMapping: [new Ecs.ImportImageRequestDiskDeviceMapping(mapping)], ...over }));
  await expectError(ecs.importImage(new Ecs.ImportImageRequest({ regionId: REGION, imageName: 'imported' })), 'MissingParameter', 400);
  await expectError(imp({ OSSObject: 'disk.raw' }), 'MissingParameter', 400);  // no bucket
  for (const object of ['ftp://example/disk.img', 'https://example/disk.img', '/etc/shadow', '../../etc/shadow', 'a/../../b'])
    await expectError(imp({ OSSBucket: 'uploads', OSSObject: object }), 'InvalidOSSObject.Malformed', 400);
  await expectError(imp({ OSSBucket: '../up', OSSObject: 'disk.raw' }), 'InvalidOSSBucket.Malformed', 400);
  await expectError(imp({ OSSBucket: 'uploads', OSSObject: 'disk.img', format: 'iso' }), 'InvalidImageFormat.Malformed', 400);
  const imported = wire(await imp({ OSSBucket: 'uploads', OSSObject: 'disks/disk.raw', format: 'RAW' }));
  assert.match(imported.TaskId, /^t-/);
  await waitImage(imported.ImageId, 'Available');
  const [t] = wire(await ecs.describeTasks(new Ecs.DescribeTasksRequest({ regionId: REGION, taskIds: imported.TaskId }))).TaskSet.Task;
  assert.deepEqual([t.TaskAction, t.TaskStatus, t.ResourceId], ['ImportImage', 'Finished', imported.ImageId]);

  // ExportImage: into a bucket, as a task; the image cannot go meanwhile.
  const exp = (over) => ecs.exportImage(new Ecs.ExportImageRequest({ regionId: REGION, imageId: id, OSSBucket: 'exports', ...over }));
  await expectError(exp({ imageFormat: 'iso' }), 'InvalidImageFormat.Malformed', 400);
  await expectError(exp({ OSSBucket: 'Exports!' }), 'InvalidOSSBucket.Malformed', 400);
  await expectError(exp({ imageId: 'm-nope' }), 'InvalidImageId.NotFound', 404);
  const exported = wire(await exp({ imageFormat: 'qcow2', OSSPrefix: 'backup-' }));
  assert.match(exported.TaskId, /^t-/);
  await expectError(ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: id })), 'ImageIsExporting', 403);
  await h.waitFor(async () => wire(await ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: REGION, taskId: exported.TaskId }))).TaskStatus === 'Finished', 15000, 100, 'export finished');
  await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId: id }));
});
