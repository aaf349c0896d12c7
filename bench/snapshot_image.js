'use strict';
// Snapshot, rollback and image times for a 1 GiB disk with 512 MiB written (TCG guest, real
// QEMU, through the API). The guest fills 512 MiB of a hot-attached 1 GiB ESSD with non-zero
// data (`yes`, O_DIRECT) and writes up to 512 MiB into a file on its 1 GiB system disk (as much
// as its root file system takes). Then, timed from the call to the state a client polls for:
//   live snapshot of the data disk (QEMU backup job while the guest runs) -> accomplished
//   CreateImage of the running instance (system disk snapshot + image)  -> Available
//   offline snapshot of the data disk (qemu-img convert, guest stopped)  -> accomplished
//   ResetDisk of the data disk (sha256 check + copy)                     -> In_use
//   CreateDisk from the snapshot                                         -> Available
// Run as root inside a network namespace:
//   ip netns add b && ip netns exec b node bench/snapshot_image.js
const fs = require('node:fs');
const path = require('node:path');
const h = require('../tests/api/helpers');
const probes = require('../tests/system/probes');
const { Ecs } = h;

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const imageDir = path.resolve(arg('image-dir', path.join(__dirname, '../images')));
const wire = (res) => res.body.toMap();

const guest = Buffer.from(`#!/bin/sh
(data=
while [ -z "$data" ]; do
  for s in /sys/block/vd[b-z]; do
    [ -e "$s/serial" ] && data=$(basename $s)
  done
  sleep 1
done
[ -b /dev/$data ] || mknod /dev/$data b $(tr : ' ' < /sys/block/$data/dev)
yes 0123456789abcdef | dd of=/dev/$data bs=1M count=512 iflag=fullblock oflag=direct 2>/dev/null; sync
echo "bench wrote-data $data"
yes 0123456789abcdef | dd of=/root/big bs=1M count=512 iflag=fullblock 2>/dev/null; sync
echo "bench wrote-root $(( $(wc -c < /root/big) / 1048576 ))"
while true; do sleep 10; done) >/dev/console 2>&1 </dev/null &
`).toString('base64');

(async () => {
  const server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', imageDir, '--network', 'vpc'] });
  const rows = [];
  const timed = async (label, start, done, size) => {
    const t0 = Date.now();
    const id = await start();
    await h.waitFor(() => done(id), 600000, 200, label);
    const ms = Date.now() - t0;
    rows.push([label, (ms / 1000).toFixed(1), size ? size(id) : '']);
    return id;
  };
  const mib = (bytes) => `${(bytes / 1048576).toFixed(0)} MiB`;
  try {
    const ecs = h.ecsClient(server);
    const nw = await h.createNetwork(ecs, h.vpcClient(server), { name: 'snap', vpcCidr: '10.11.0.0/16', vswCidr: '10.11.1.0/24' });
    const [vm] = await h.runInstances(ecs, nw, { userData: guest, systemDisk: new Ecs.RunInstancesRequestSystemDisk({ category: 'cloud_essd', size: 1 }) });
    await h.waitBooted(ecs, [vm], 240000);
    const disk = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: nw.zone, diskCategory: 'cloud_essd', size: 1 }))).DiskId;
    await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: disk, instanceId: vm }));
    const t0 = Date.now();
    await h.waitFor(async () => /bench wrote-root/.test(await probes.consoleOf(ecs, vm)), 900000, 2000, 'the guest wrote its data');
    const out = await probes.consoleOf(ecs, vm);
    const root = Number(out.match(/bench wrote-root (\d+)/)[1]);
    console.log(`guest wrote 512 MiB to the data disk and ${root} MiB to its root file system in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const poolFile = path.join(server.dataDir, 'disks', `${disk}.qcow2`);
    console.log(`data disk file: ${mib(fs.statSync(poolFile).size)}`);

    const snapshot = async (id) => wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: h.REGION, snapshotIds: JSON.stringify([id]) }))).Snapshots.Snapshot[0];
    const diskStatus = async (id) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk[0]?.Status;
    const snapFile = (id) => mib(fs.statSync(path.join(server.dataDir, 'snapshots', `${id}.qcow2`)).size);
    const snapDone = async (id) => (await snapshot(id)).Status === 'accomplished';

    const live = await timed('snapshot, live (guest running)',
      async () => wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: disk }))).SnapshotId, snapDone, snapFile);
    await timed('CreateImage of the running instance',
      async () => wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: h.REGION, instanceId: vm, imageName: 'bench' }))).ImageId,
      async (id) => wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: h.REGION, imageId: id }))).Images.Image[0]?.Status === 'Available',
      (id) => mib(fs.statSync(path.join(server.dataDir, 'images', id, 'base.qcow2')).size));
    await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: vm }));
    await h.waitStatus(ecs, [vm], 'Stopped', 120000);
    await timed('snapshot, offline (guest stopped)',
      async () => wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: disk }))).SnapshotId, snapDone, snapFile);
    await timed('ResetDisk to the live snapshot',
      async () => { await ecs.resetDisk(new Ecs.ResetDiskRequest({ diskId: disk, snapshotId: live })); return disk; },
      async (id) => (await diskStatus(id)) === 'In_use');
    await timed('CreateDisk from the snapshot',
      async () => wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: nw.zone, diskCategory: 'cloud_essd', snapshotId: live }))).DiskId,
      async (id) => (await diskStatus(id)) === 'Available');
    console.log('\noperation (1 GiB disk, 512 MiB written)      seconds   file');
    for (const [label, s, size] of rows) console.log(`${label.padEnd(45)} ${s.padStart(6)}   ${size}`);
  } finally {
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
