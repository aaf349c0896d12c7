'use strict';
// System ring (issue 21): cloud disks on Ceph RBD (ecsd --storage rbd:...), on a test cluster
// scripts/ceph starts for this file in the test's own network namespace (one monitor, one
// manager, three OSDs on files; the pool keeps three copies), destroyed at the end.
// - The disk lifecycle of disks.test.js, with the disks and snapshots as images in the pool.
// - A guest boots from a system disk that is a clone of the image's base in the pool, writes
//   to its data disk, and is throttled as on local files. One OSD is stopped: Ceph says
//   degraded, nothing is lost; the guest is stopped and started again with the OSD still down,
//   boots, reads what it wrote and writes a newly attached disk. The OSD comes back, the
//   cluster is healthy again, and releasing the instance removes its disks from the pool.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../api/helpers');
const probes = require('./probes');
const { PLUG_MS, GiB_SECTORS, bootProber, qmp, rbdStore, diskLifecycle } = require('./guest_disks');
const { Ecs } = h;

const ROOT = path.resolve(__dirname, '../..');
const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(ROOT, 'images');
const BOOT_MS = 180000;
const wire = (res) => res.body.toMap();
let server, ecs, vpc, store, cephDir, spec;

const ceph = (...args) => execFileSync('ceph', ['--conf', path.join(cephDir, 'ceph.conf'), ...args], { encoding: 'utf8' });
const cephStatus = () => JSON.parse(ceph('status', '-f', 'json'));

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  cephDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-ceph-'));
  const t0 = Date.now();
  spec = execFileSync(path.join(ROOT, 'scripts/ceph'), [cephDir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300000 }).trim();
  console.log(`# a Ceph test cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${spec}`);
  assert.match(spec, /^rbd:pool=openecs,conf=/);
  store = rbdStore(spec);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--network', 'vpc', '--storage', spec] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
after(async () => {
  if (server) await server.destroy();
  if (cephDir) execFileSync(path.join(ROOT, 'scripts/ceph'), ['destroy', cephDir], { stdio: 'inherit' });
});

test('on RBD: hot-attach, write, snapshot, online resize, hot-detach, outlive the instance, read elsewhere, erase', () =>
  diskLifecycle({ ecs, vpc, store, vpcCidr: '10.8.0.0/16', vswCidr: '10.8.1.0/24', bootMs: BOOT_MS }));

test('a guest on RBD keeps its data with an OSD down, and boots again on the degraded cluster', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'rbd', vpcCidr: '10.9.0.0/16', vswCidr: '10.9.1.0/24' });
  const [x] = await h.runInstances(ecs, net, {
    hostName: 'keeper', userData: bootProber(),
    dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 1, deleteWithInstance: true })],
  });
  await h.waitBooted(ecs, [x], BOOT_MS);
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: x }))).Disks.Disk;
  const sys = disks.find((d) => d.Type === 'system');
  const data = disks.find((d) => d.Type === 'data');
  await probes.expectProbe(ecs, x, `vd-${data.SerialNumber}`, `1:${GiB_SECTORS}:PATTERN-keeper`, 'the guest writes its data disk', PLUG_MS);

  // The system disk is a copy-on-write clone of the image's base; both disks are in the pool.
  const info = JSON.parse(store.rbd('info', '--format', 'json', `${store.pool}/${sys.DiskId}`));
  assert.equal(info.parent && info.parent.snapshot, 'base', `a clone: ${JSON.stringify(info)}`);
  assert.match(info.parent.image, new RegExp(`^base\\.${h.IMAGE}\\.`));
  assert.ok(store.hasDisk(data.DiskId));
  // QEMU throttles an RBD disk as it does a file.
  const limits = await qmp(server.dataDir, x, 'qom-get', { path: `/objects/tg-${sys.DiskId}`, property: 'limits' });
  assert.deepEqual([limits['iops-total'], limits['bps-total'] / (1024 * 1024)], [sys.IOPS, sys.Throughput]);

  // One OSD of three stops: two copies are left, Ceph says degraded.
  const pid = Number(fs.readFileSync(path.join(cephDir, 'run', 'osd.0.pid'), 'utf8'));
  process.kill(pid, 'SIGKILL');
  await h.waitFor(async () => cephStatus().osdmap.num_up_osds === 2, 120000, 1000, 'the OSD is seen down');
  await h.waitFor(async () => /degraded|undersized/.test(ceph('health')), 60000, 1000, 'Ceph says degraded');
  const health = ceph('health').trim();
  console.log(`# one OSD down: ${health}`);
  assert.doesNotMatch(health, /HEALTH_ERR|unfound|lost/);

  // Stopped and started again on the degraded cluster: it boots from RBD and reads its data.
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: x }));
  await h.waitStatus(ecs, [x], 'Stopped', 120000);
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: x }));
  await h.waitBooted(ecs, [x], BOOT_MS);
  await probes.expectProbe(ecs, x, `vd-${data.SerialNumber}`, `2:${GiB_SECTORS}:PATTERN-keeper`, 'booted again, it reads what it wrote with an OSD down', PLUG_MS);
  // A new disk, attached and written while degraded (min_size 2: writes go on).
  const d = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: net.zone, diskCategory: 'cloud_essd', size: 1 }))).DiskId;
  await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: d, instanceId: x }));
  const serial = d.replace(/^d-/, '');
  await probes.expectProbe(ecs, x, `vd-${serial}`, `2:${GiB_SECTORS}:PATTERN-keeper`, 'a disk attached while degraded takes writes', PLUG_MS);

  // The OSD comes back (scripts/ceph starts what is not running and waits for HEALTH_OK).
  execFileSync(path.join(ROOT, 'scripts/ceph'), [cephDir], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300000 });
  assert.match(ceph('health'), /HEALTH_OK/);

  // Released with its disks: they leave the pool.
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: x, force: true }));
  await h.waitGone(ecs, [x], 60000);
  await h.waitFor(async () => !store.hasDisk(sys.DiskId) && !store.hasDisk(data.DiskId), 30000, 500, 'the released instance\'s disks removed from the pool');
  assert.ok(store.hasDisk(d), 'the disk attached later (DeleteWithInstance false) stays');
  await ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: d }));
  await h.waitFor(async () => !store.hasDisk(d), 30000, 500, 'a deleted disk is removed from the pool');
});
