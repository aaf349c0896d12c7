'use strict';
// System ring, cloud disks on real guests through the official SDK: a disk hot-attached to a
// running guest shows up there (by its serial, the disk id) and takes a pattern the guest
// writes; an online resize is seen by the guest at once; a hot-detach takes it away; with
// DeleteWithInstance=false it outlives its instance and another instance reads the pattern;
// DeleteDisk erases its file from the host's pool. A snapshot taken while the guest runs holds
// the pattern, outlives the disk, and DeleteSnapshot erases it. Guests report on their consoles
// (probes.js): "probe vd-<serial> <sectors>:<first bytes>" for each data disk they have (the
// serial is the disk id without "d-", as on ECS, and DescribeDisks' SerialNumber).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const probes = require('./probes');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
const PLUG_MS = 60000;
const GiB_SECTORS = 2 * 1024 * 1024;
let server, ecs, vpc;
const wire = (res) => res.body.toMap();

// Every second: each data disk's (not the config drive's) serial, size and first bytes; `write` puts the guest's host
// name at the start of every blank disk it sees.
const diskProber = (write) => Buffer.from(`#!/bin/sh
(while true; do
  list=
  for s in /sys/block/vd[b-z]; do
    [ -e "$s/serial" ] || continue
    n=$(basename $s); serial=$(cat $s/serial)
    [ "$serial" = cidata ] && continue
    [ -b /dev/$n ] || mknod /dev/$n b $(tr : ' ' < $s/dev)
    head=$(dd if=/dev/$n bs=64 count=1 2>/dev/null | tr -d '\\000' | tr -c 'A-Za-z0-9-' _)
    ${write ? 'if [ -z "$head" ]; then printf "PATTERN-%s" "$(hostname)" | dd of=/dev/$n conv=notrunc 2>/dev/null; sync; fi' : ':'}
    echo "probe vd-$serial $(cat $s/size):$head"
    list="$list$serial,"
  done
  echo "probe disks [$list]"
  sleep 1
done) >/dev/console 2>&1 </dev/null &
`).toString('base64');

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--network', 'vpc'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
after(async () => { if (server) await server.destroy(); });

test('hot-attach, write, online resize, hot-detach, outlive the instance, read elsewhere, erase', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'disks', vpcCidr: '10.8.0.0/16', vswCidr: '10.8.1.0/24' });
  const x = (await h.runInstances(ecs, net, { hostName: 'writer', userData: diskProber(true) }))[0];
  const y = (await h.runInstances(ecs, net, { hostName: 'reader', userData: diskProber(false) }))[0];
  await h.waitStatus(ecs, [x, y], 'Running', BOOT_MS);
  const expectProbe = (id, name, want, what, ms = PLUG_MS) => probes.expectProbe(ecs, id, name, want, what, ms);
  const disk = async (id) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk[0];
  const waitDisk = (id, status) => h.waitFor(async () => (await disk(id)).Status === status, PLUG_MS, 500, `disk ${status}`);
  await expectProbe(x, 'disks', '[]', 'X starts with its system disk only', 30000);

  const d = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: net.zone, diskCategory: 'cloud_essd', size: 1 }))).DiskId;
  const serial = (await disk(d)).SerialNumber;
  assert.equal(`d-${serial}`, d);
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: d, instanceId: x, deleteWithInstance: false }));
  await waitDisk(d, 'In_use');
  await expectProbe(x, `vd-${serial}`, `${GiB_SECTORS}:PATTERN-writer`, 'X sees the disk (1 GiB) and writes to it');
  const poolFile = path.join(server.dataDir, 'disks', `${d}.qcow2`);
  assert.ok(fs.existsSync(poolFile), 'the disk is a file in the host\'s pool');

  // A snapshot of the disk while the guest runs (QEMU's backup job), kept outside the disk.
  const snap = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: d, snapshotName: 'with-pattern' }))).SnapshotId;
  const snapshot = async () => wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: h.REGION, snapshotIds: JSON.stringify([snap]) }))).Snapshots.Snapshot[0];
  await h.waitFor(async () => (await snapshot()).Status === 'accomplished', PLUG_MS, 500, 'snapshot accomplished');
  const snapFile = path.join(server.dataDir, 'snapshots', `${snap}.qcow2`);
  assert.equal((await snapshot()).FullSnapshotSizeInBytes, fs.statSync(snapFile).size);
  const firstBytes = require('node:child_process').execFileSync('qemu-io', ['-r', '-f', 'qcow2', '-c', 'read -v 0 16', snapFile], { encoding: 'utf8' });
  assert.match(firstBytes, /50 41 54 54 45 52 4e 2d 77 72 69 74 65 72/, 'the snapshot holds what the guest wrote ("PATTERN-writer")');

  await ecs.resizeDisk(new Ecs.ResizeDiskRequest({ diskId: d, newSize: 2, type: 'online' }));
  await expectProbe(x, `vd-${serial}`, `${2 * GiB_SECTORS}:PATTERN-writer`, 'online resize: the guest sees 2 GiB, data intact');

  await ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId: d, instanceId: x }));
  await waitDisk(d, 'Available');
  await expectProbe(x, 'disks', '[]', 'hot-detached: gone from the guest');
  assert.equal((await h.describeInstance(ecs, x)).Status, 'Running', 'no restart');

  // Attached again, then its instance is released: DeleteWithInstance=false keeps it.
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: d, instanceId: x }));
  await waitDisk(d, 'In_use');
  await expectProbe(x, 'disks', `[${serial},]`, 'back on X');
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: x, force: true }));
  await h.waitGone(ecs, [x], 60000);
  assert.equal((await disk(d)).Status, 'Available', 'outlived its instance');

  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: d, instanceId: y }));
  await waitDisk(d, 'In_use');
  await expectProbe(y, `vd-${serial}`, `${2 * GiB_SECTORS}:PATTERN-writer`, 'another instance reads what X wrote');

  await ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId: d, instanceId: y }));
  await waitDisk(d, 'Available');
  await ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: d }));
  await h.waitFor(async () => !fs.existsSync(poolFile), 20000, 200, 'the deleted disk\'s file erased from the pool');
  assert.ok(fs.existsSync(snapFile), 'the snapshot outlives its disk');
  await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snap }));
  await h.waitFor(async () => !fs.existsSync(snapFile), 20000, 200, 'the deleted snapshot\'s file erased');
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: y, force: true }));
  await h.waitGone(ecs, [y], 60000);
});
