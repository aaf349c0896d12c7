'use strict';
// System ring, cloud disks on real guests through the official SDK: a disk hot-attached to a
// running guest shows up there (by its serial, the disk id) and takes a pattern the guest
// writes; an online resize is seen by the guest at once; a hot-detach takes it away; with
// DeleteWithInstance=false it outlives its instance and another instance reads the pattern;
// DeleteDisk erases its file from the host's pool. A snapshot taken while the guest runs holds
// the pattern, outlives the disk, and DeleteSnapshot erases it. Guests report on their consoles
// (probes.js): "probe vd-<serial> <sectors>:<first bytes>" for each data disk they have (the
// serial is the disk id without "d-", as on ECS, and DescribeDisks' SerialNumber).
// The second test rolls a disk back (ResetDisk) to a snapshot after the host overwrote it,
// makes a disk from the snapshot, sees a corrupted snapshot refused, and replaces the system
// disk with the data disks kept; its guest reports on every boot (boot count in each line).
// ModifyDiskSpec's new limits reach a running guest's disks at once (QMP qom-get of the disk's
// throttle group, no timing).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const probes = require('./probes');
const { PLUG_MS, GiB_SECTORS, diskProber, bootProber, qmp, localStore, diskLifecycle } = require('./guest_disks');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
let server, ecs, vpc;
const wire = (res) => res.body.toMap();

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--network', 'vpc'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
after(async () => { if (server) await server.destroy(); });

test('hot-attach, write, online resize, hot-detach, outlive the instance, read elsewhere, erase', () =>
  diskLifecycle({ ecs, vpc, store: localStore(server.dataDir), vpcCidr: '10.8.0.0/16', vswCidr: '10.8.1.0/24', bootMs: BOOT_MS }));

test('ModifyDiskSpec re-throttles the disks of a running guest at once (QEMU throttle group limits)', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'spec', vpcCidr: '10.9.0.0/16', vswCidr: '10.9.1.0/24' });
  const [x] = await h.runInstances(ecs, net, { hostName: 'spec' });
  await h.waitStatus(ecs, [x], 'Running', BOOT_MS);
  const disk = async (id) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk[0];
  const limits = async (id) => {
    const l = await qmp(server.dataDir, x, 'qom-get', { path: `/objects/tg-${id}`, property: 'limits' });
    return [l['iops-total'], l['bps-total'] / (1024 * 1024)];
  };
  const waitLimits = (id, want, what) => h.waitFor(async () => JSON.stringify(await limits(id)) === JSON.stringify(want), PLUG_MS, 500, what);

  // A hot-plugged ESSD PL0 of 20 GiB: min(1800 + 12 x 20, 10000) IOPS, min(100 + 0.25 x 20, 180) MB/s.
  const d = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: net.zone, diskCategory: 'cloud_essd', performanceLevel: 'PL0', size: 20 }))).DiskId;
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: d, instanceId: x }));
  await h.waitFor(async () => (await disk(d)).Status === 'In_use', PLUG_MS, 500, 'disk In_use');
  assert.deepEqual(await limits(d), [2040, 105], 'plugged with its PL0 limits');
  // To PL1: min(1800 + 50 x 20, 50000) IOPS, min(120 + 0.5 x 20, 350) MB/s, applied by QEMU at once.
  await ecs.modifyDiskSpec(new Ecs.ModifyDiskSpecRequest({ diskId: d, performanceLevel: 'PL1' }));
  assert.deepEqual([(await disk(d)).IOPS, (await disk(d)).Throughput], [2800, 130]);
  await waitLimits(d, [2800, 130], 'the running guest\'s data disk re-throttled to PL1');

  // The system disk (throttled from the guest's start): to cloud_ssd, its category's limits.
  const sys = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: x, diskType: 'system' }))).Disks.Disk[0];
  assert.deepEqual(await limits(sys.DiskId), [sys.IOPS, sys.Throughput], 'the system disk runs with its DescribeDisks limits');
  await ecs.modifyDiskSpec(new Ecs.ModifyDiskSpecRequest({ diskId: sys.DiskId, diskCategory: 'cloud_ssd' }));
  const ssd = await disk(sys.DiskId);
  assert.equal(ssd.Category, 'cloud_ssd');
  assert.notDeepEqual([ssd.IOPS, ssd.Throughput], [sys.IOPS, sys.Throughput]);
  await waitLimits(sys.DiskId, [ssd.IOPS, ssd.Throughput], 'the system disk re-throttled to cloud_ssd');
  assert.equal((await h.describeInstance(ecs, x)).Status, 'Running', 'no restart');

  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: x, force: true }));
  await h.waitGone(ecs, [x], 60000);
  await ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: d }));
});

test('a hot-plug the guest has no room for: the disk (or ENI) is Available again, its file erased; it attaches once a slot is free', async () => {
  // A guest has 8 spare PCIe slots for hot-plugged devices (disks and ENIs); ECS allows 16 data
  // disks, so the ninth disk attached while it runs is refused by QEMU.
  const net = await h.createNetwork(ecs, vpc, { name: 'slots', vpcCidr: '10.10.0.0/16', vswCidr: '10.10.1.0/24' });
  const x = (await h.runInstances(ecs, net, { instanceType: 'ecs.c7.large', userData: diskProber(false) }))[0];  // 3 ENIs
  await h.waitBooted(ecs, [x], BOOT_MS);
  const disk = async (id) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk[0];
  const ids = [];
  for (let i = 0; i < 9; i++) {
    ids.push(wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: net.zone, diskCategory: 'cloud_essd', size: 1 }))).DiskId);
    await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: ids[i], instanceId: x }));
  }
  const last = ids[8];
  await h.waitFor(async () => {
    const st = await Promise.all(ids.map(async (id) => (await disk(id)).Status));
    return st.slice(0, 8).every((s) => s === 'In_use') && st[8] === 'Available';
  }, PLUG_MS * 2, 1000, 'eight disks In_use, the ninth Available again');
  const refused = await disk(last);
  assert.deepEqual([refused.InstanceId, refused.Device], ['', '']);
  assert.ok(!fs.existsSync(path.join(server.dataDir, 'disks', `${last}.qcow2`)), 'the file made for the refused attach is erased');
  const all = await Promise.all(ids.map(async (id) => (await disk(id)).SerialNumber));
  const seen = async () => ((await probes.probe(ecs, x, 'disks')) || '').replace(/[[\]]/g, '').split(',').filter(Boolean).sort();
  await h.waitFor(async () => JSON.stringify(await seen()) === JSON.stringify(all.slice(0, 8).sort()), PLUG_MS, 1000, 'the guest has the eight');
  // A network interface needs a slot too: refused the same way, Available again.
  const eniId = wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
    regionId: h.REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId }))).NetworkInterfaceId;
  await ecs.attachNetworkInterface(new Ecs.AttachNetworkInterfaceRequest({ regionId: h.REGION, networkInterfaceId: eniId, instanceId: x }));
  const eni = async () => wire(await ecs.describeNetworkInterfaces(new Ecs.DescribeNetworkInterfacesRequest({ regionId: h.REGION, networkInterfaceId: [eniId] }))).NetworkInterfaceSets.NetworkInterfaceSet[0];
  await h.waitFor(async () => (await eni()).Status === 'Available', PLUG_MS, 500, 'the ENI refused: Available again');
  assert.equal((await eni()).InstanceId, '');
  await ecs.deleteNetworkInterface(new Ecs.DeleteNetworkInterfaceRequest({ regionId: h.REGION, networkInterfaceId: eniId }));

  // A slot freed: the ninth attaches.
  await ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId: ids[0], instanceId: x }));
  await h.waitFor(async () => (await disk(ids[0])).Status === 'Available', PLUG_MS, 500, 'first detached');
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: last, instanceId: x }));
  await h.waitFor(async () => (await disk(last)).Status === 'In_use', PLUG_MS, 500, 'the ninth In_use');
  await probes.expectProbe(ecs, x, `vd-${all[8]}`, `${GiB_SECTORS}:`, 'the guest sees the ninth', PLUG_MS);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: x, force: true }));
  await h.waitGone(ecs, [x], 60000);
});

test('ResetDisk rolls back to a snapshot; a disk from the snapshot; a corrupted snapshot is refused; ReplaceSystemDisk keeps the data disks', async () => {
  const { execFileSync } = require('node:child_process');
  const net = await h.createNetwork(ecs, vpc, { name: 'restore', vpcCidr: '10.9.0.0/16', vswCidr: '10.9.1.0/24' });
  const [x] = await h.runInstances(ecs, net, { hostName: 'keeper', userData: bootProber() });
  await h.waitBooted(ecs, [x], BOOT_MS);
  const expectProbe = (name, want, what, ms = PLUG_MS) => probes.expectProbe(ecs, x, name, want, what, ms);
  const disk = async (id) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk[0];
  const waitDisk = (id, status) => h.waitFor(async () => (await disk(id)).Status === status, PLUG_MS, 500, `disk ${id} ${status}`);
  const stop = async () => {
    await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: x }));
    await h.waitStatus(ecs, [x], 'Stopped', BOOT_MS);
  };
  const start = async () => {
    await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: x }));
    await h.waitBooted(ecs, [x], BOOT_MS);
  };
  const poolFile = (id) => path.join(server.dataDir, 'disks', `${id}.qcow2`);
  const hostWrite = (id, byte) => execFileSync('qemu-io', ['-f', 'qcow2', '-c', `write -P ${byte} 0 64`, poolFile(id)]);
  const hostHead = (id) => execFileSync('qemu-io', ['-r', '-f', 'qcow2', '-c', 'read -v 0 16', poolFile(id)], { encoding: 'utf8' });
  const task = async (resourceId, action) => {
    const t = wire(await ecs.describeTasks(new Ecs.DescribeTasksRequest({ regionId: h.REGION, resourceIds: [resourceId], taskAction: action }))).TaskSet.Task[0];
    return wire(await ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: h.REGION, taskId: t.TaskId })));
  };

  const d = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: net.zone, diskCategory: 'cloud_essd', size: 1 }))).DiskId;
  const serial = d.slice(2);
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: d, instanceId: x, deleteWithInstance: true }));
  await waitDisk(d, 'In_use');
  await expectProbe(`vd-${serial}`, `1:${GiB_SECTORS}:PATTERN-keeper`, 'boot 1: the guest wrote its pattern');
  const snap = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: d }))).SnapshotId;
  await h.waitFor(async () => (await task(snap, 'CreateSnapshot')).TaskStatus === 'Finished', PLUG_MS, 500, 'snapshot task finished');

  // Overwritten (on the host, the guest off), seen by the guest, then rolled back.
  await stop();
  hostWrite(d, '0x58');
  await start();
  await expectProbe(`vd-${serial}`, `2:${GiB_SECTORS}:${'X'.repeat(64)}`, 'boot 2: the guest sees the overwrite');
  await stop();
  await ecs.resetDisk(new Ecs.ResetDiskRequest({ diskId: d, snapshotId: snap }));
  assert.equal((await disk(d)).Status, 'ReIniting');
  await waitDisk(d, 'In_use');
  assert.equal((await task(d, 'ResetDisk')).TaskStatus, 'Finished');
  await start();
  await expectProbe(`vd-${serial}`, `3:${GiB_SECTORS}:PATTERN-keeper`, 'boot 3: ResetDisk brought the pattern back');

  // A new disk from the snapshot holds the pattern too (hot-attached).
  const copy = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: net.zone, diskCategory: 'cloud_essd', snapshotId: snap }))).DiskId;
  await waitDisk(copy, 'Available');
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: copy, instanceId: x, deleteWithInstance: true }));
  await waitDisk(copy, 'In_use');
  await expectProbe(`vd-${copy.slice(2)}`, `3:${GiB_SECTORS}:PATTERN-keeper`, 'the disk made from the snapshot');

  // RunInstances with DataDisk.1.SnapshotId: the new guest's disk is a copy of the snapshot.
  const [y] = await h.runInstances(ecs, net, { hostName: 'other', userData: bootProber(), dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', snapshotId: snap })] });
  await h.waitBooted(ecs, [y], BOOT_MS);
  const yDisk = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: y, diskType: 'data' }))).Disks.Disk[0];
  await probes.expectProbe(ecs, y, `vd-${yDisk.SerialNumber}`, `1:${GiB_SECTORS}:PATTERN-keeper`, 'RunInstances made the data disk from the snapshot', PLUG_MS);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: y, force: true }));
  await h.waitGone(ecs, [y], 60000);

  // One byte of the snapshot's file flipped: the rollback fails, says why, and leaves the disk.
  await stop();
  hostWrite(d, '0x59');
  const snapFile = path.join(server.dataDir, 'snapshots', `${snap}.qcow2`);
  const fd = fs.openSync(snapFile, 'r+');
  const at = Math.floor(fs.statSync(snapFile).size / 2);
  const b = Buffer.alloc(1);
  fs.readSync(fd, b, 0, 1, at);
  b[0] ^= 1;
  fs.writeSync(fd, b, 0, 1, at);
  fs.closeSync(fd);
  await ecs.resetDisk(new Ecs.ResetDiskRequest({ diskId: d, snapshotId: snap }));
  await waitDisk(d, 'In_use');
  const attr = await task(d, 'ResetDisk');
  assert.equal(attr.TaskStatus, 'Failed');
  assert.match(attr.OperationProgressSet.OperationProgress[0].ErrorMsg, new RegExp(`snapshot ${snap} is corrupted`));
  assert.match(hostHead(d), /59 59 59 59/, 'the disk kept what it held');

  // A new system disk (a fresh root file system: the boot count starts again); the data disks stay.
  const newSystem = wire(await ecs.replaceSystemDisk(new Ecs.ReplaceSystemDiskRequest({ instanceId: x, imageId: h.IMAGE }))).DiskId;
  await start();
  await expectProbe(`vd-${serial}`, `1:${GiB_SECTORS}:${'Y'.repeat(64)}`, 'new system disk: the data disk is still there');
  await expectProbe(`vd-${copy.slice(2)}`, `1:${GiB_SECTORS}:PATTERN-keeper`, 'and the disk made from the snapshot');
  assert.ok(fs.existsSync(poolFile(newSystem)), 'the new system disk is a file in the pool');

  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: x, force: true }));
  await h.waitGone(ecs, [x], 60000);
  await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snap, force: true }));
  await h.waitFor(async () => !fs.existsSync(poolFile(d)) && !fs.existsSync(snapFile), 20000, 200, 'disks and snapshot erased');
});
