'use strict';
// Cloud disks on real guests, shared by the system tests of each storage backend (disks.test.js:
// files in the host's pool; rbd.test.js: images in a Ceph pool). Guests report on their consoles
// (probes.js): "probe vd-<serial> <sectors>:<first bytes>" for each data disk they have (the
// serial is the disk id without "d-", as on ECS, and DescribeDisks' SerialNumber).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../api/helpers');
const probes = require('./probes');
const { Ecs } = h;

const PLUG_MS = 60000;
const GiB_SECTORS = 2 * 1024 * 1024;
const wire = (res) => res.body.toMap();

// Every second: each data disk's serial, size and first bytes; `write` puts the guest's host
// name at the start of every blank disk it sees.
const diskProber = (write) => Buffer.from(`#!/bin/sh
(while true; do
  list=
  for s in /sys/block/vd[b-z]; do
    [ -e "$s/serial" ] || continue
    n=$(basename $s); serial=$(cat $s/serial)
    [ -b /dev/$n ] || mknod /dev/$n b $(tr : ' ' < $s/dev)
    head=$(dd if=/dev/$n bs=64 count=1 2>/dev/null | tr -d '\\000' | tr -c 'A-Za-z0-9-' _)
    ${write ? 'if [ -z "$head" ]; then printf "PATTERN-%s" "$(hostname)" | dd of=/dev/$n conv=notrunc 2>/dev/null; sync; fi' : ':'}
    echo "probe vd-$serial $(cat $s/size):$head"
    echo "probe node-$serial $n"
    list="$list$serial,"
  done
  echo "probe disks [$list]"
  sleep 1
done) >/dev/console 2>&1 </dev/null &
`).toString('base64');

// Like diskProber(true), but installed as /etc/rc.local so it runs on every boot, each line
// carrying the boot count: "probe vd-<serial> <boot>:<sectors>:<first bytes>".
const bootProber = () => Buffer.from(`#!/bin/sh
cat >/etc/rc.local <<'RC'
#!/bin/sh
mkdir /run/prober 2>/dev/null || exit 0
(while true; do
  b=$(cat /var/lib/openecs/boot_count)
  for s in /sys/block/vd[b-z]; do
    [ -e "$s/serial" ] || continue
    n=$(basename $s); serial=$(cat $s/serial)
    [ -b /dev/$n ] || mknod /dev/$n b $(tr : ' ' < $s/dev)
    head=$(dd if=/dev/$n bs=64 count=1 2>/dev/null | tr -d '\\000' | tr -c 'A-Za-z0-9-' _)
    if [ -z "$head" ]; then printf "PATTERN-%s" "$(hostname)" | dd of=/dev/$n conv=notrunc 2>/dev/null; sync; fi
    echo "probe vd-$serial $b:$(cat $s/size):$head"
  done
  sleep 1
done) >/dev/console 2>&1 </dev/null &
RC
chmod +x /etc/rc.local
/etc/rc.local
`).toString('base64');

// One QMP command on a running guest's monitor (the driver's own socket: QEMU serves one client
// at a time, so the connection is short).
function qmp(dataDir, instanceId, execute, args) {
  const net = require('node:net');
  return new Promise((resolve, reject) => {
    const sock = net.connect(path.join(dataDir, 'instances', instanceId, 'qmp.sock'));
    let buf = '';
    let sent = false;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`qmp ${execute}: no answer`)); }, 10000);
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.QMP) { sock.write('{"execute":"qmp_capabilities"}\n'); continue; }
        if (msg.event) continue;
        if (!sent) { sent = true; sock.write(`${JSON.stringify({ execute, arguments: args })}\n`); continue; }
        clearTimeout(timer);
        sock.end();
        if (msg.error) reject(new Error(`qmp ${execute}: ${msg.error.desc}`)); else resolve(msg.return);
      }
    });
  });
}

// Where a backend keeps disks and snapshots, as the tests look at them.
// The host's files: <data>/disks/<id>.qcow2 and <data>/snapshots/<id>.qcow2.
function localStore(dataDir) {
  const snapFile = (id) => path.join(dataDir, 'snapshots', `${id}.qcow2`);
  return {
    name: 'local files',
    hasDisk: (id) => fs.existsSync(path.join(dataDir, 'disks', `${id}.qcow2`)),
    hasSnapshot: (id) => fs.existsSync(snapFile(id)),
    snapshotSize: (id) => fs.statSync(snapFile(id)).size,
    snapshotHead: (id) => execFileSync('qemu-io', ['-r', '-f', 'qcow2', '-c', 'read -v 0 16', snapFile(id)], { encoding: 'utf8' }),
  };
}
// A Ceph pool, from the spec scripts/ceph prints: images <pool>/<id>, read with rbd and qemu-io.
function rbdStore(spec) {
  const o = Object.fromEntries(spec.replace(/^rbd:/, '').split(',').map((kv) => kv.split('=')));
  const rbd = (...args) => execFileSync('rbd', ['--conf', o.conf, '--id', o.user, '--keyring', o.keyring, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const has = (id) => { try { rbd('info', `${o.pool}/${id}`); return true; } catch { return false; } };
  return {
    name: `RBD pool ${o.pool}`,
    pool: o.pool,
    rbd,
    qemuName: (id) => `rbd:${o.pool}/${id}:conf=${o.conf}:id=${o.user}`,
    hasDisk: has,
    hasSnapshot: has,
    snapshotSize: (id) => JSON.parse(rbd('du', '--format', 'json', `${o.pool}/${id}`)).images.reduce((n, i) => n + i.used_size, 0),
    snapshotHead: (id) => execFileSync('qemu-io', ['-r', '-f', 'raw', '-c', 'read -v 0 16', `rbd:${o.pool}/${id}:conf=${o.conf}:id=${o.user}`], { encoding: 'utf8' }),
  };
}

// A disk's life on running guests: hot-attached, written, snapshotted live, resized online,
// hot-detached; with DeleteWithInstance=false it outlives its instance and another instance
// reads what the first wrote; DeleteDisk erases it from the pool; the snapshot outlives the
// disk until DeleteSnapshot erases it too.
async function diskLifecycle({ ecs, vpc, store, vpcCidr, vswCidr, bootMs }) {
  const BOOT_MS = bootMs;
  const net = await h.createNetwork(ecs, vpc, { name: 'disks', vpcCidr, vswCidr });
  const x = (await h.runInstances(ecs, net, { hostName: 'writer', userData: diskProber(true) }))[0];
  const y = (await h.runInstances(ecs, net, { hostName: 'reader', userData: diskProber(false) }))[0];
  await h.waitBooted(ecs, [x, y], BOOT_MS);
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
  await expectProbe(x, `node-${serial}`, 'vdb', 'the first data disk is /dev/vdb, as on ECS (no config disk before it)');
  assert.ok(store.hasDisk(d), `the disk is in the host's pool (${store.name})`);

  // A snapshot of the disk while the guest runs (QEMU's backup job), kept outside the disk.
  const snap = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: d, snapshotName: 'with-pattern' }))).SnapshotId;
  const snapshot = async () => wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: h.REGION, snapshotIds: JSON.stringify([snap]) }))).Snapshots.Snapshot[0];
  await h.waitFor(async () => (await snapshot()).Status === 'accomplished', PLUG_MS, 500, 'snapshot accomplished');
  assert.equal((await snapshot()).FullSnapshotSizeInBytes, store.snapshotSize(snap));
  assert.match(store.snapshotHead(snap), /50 41 54 54 45 52 4e 2d 77 72 69 74 65 72/, 'the snapshot holds what the guest wrote ("PATTERN-writer")');

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
  await h.waitFor(async () => !store.hasDisk(d), 20000, 200, 'the deleted disk erased from the pool');
  assert.ok(store.hasSnapshot(snap), 'the snapshot outlives its disk');
  await ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: snap }));
  await h.waitFor(async () => !store.hasSnapshot(snap), 20000, 200, 'the deleted snapshot erased');
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: y, force: true }));
  await h.waitGone(ecs, [y], 60000);
}

module.exports = { PLUG_MS, GiB_SECTORS, diskProber, bootProber, qmp, localStore, rbdStore, diskLifecycle };
