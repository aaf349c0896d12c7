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
// - A second host of the same pool joins (second_host.js: its own namespaces; the cluster
//   listens on the underlay address so both reach it). An instance stopped in StopCharging
//   mode whose host has filled up starts on the other host and reads there what it wrote.
// - Host 2's agent is killed while its guest runs (its QEMU goes on, as on a host cut off from
//   the server but not from Ceph): the server declares host 2 lost (--host-lost-after), the
//   instance starts on host 1, whose launch blocklists host 2's client of the disks (fencing),
//   and reads its data there. Host 2's agent comes back and drops the stale guest.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../api/helpers');
const probes = require('./probes');
const { PLUG_MS, GiB_SECTORS, bootProber, qmp, rbdStore, diskLifecycle } = require('./guest_disks');
const { U1, U2, SecondHost } = require('./second_host');
const { Ecs } = h;

const ROOT = path.resolve(__dirname, '../..');
const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(ROOT, 'images');
const BOOT_MS = 180000;
const wire = (res) => res.body.toMap();
const host2 = new SecondHost();
const LOST_AFTER_S = 15;  // host 2 is lost this long after its agent's last word
let server, ecs, vpc, store, cephDir, spec;

const ceph = (...args) => execFileSync('ceph', ['--conf', path.join(cephDir, 'ceph.conf'), ...args], { encoding: 'utf8' });
const cephStatus = () => JSON.parse(ceph('status', '-f', 'json'));

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  host2.addUnderlay();
  cephDir = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-ceph-'));
  const t0 = Date.now();
  spec = execFileSync(path.join(ROOT, 'scripts/ceph'), [cephDir], {
    encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300000, env: { ...process.env, CEPH_ADDR: U1 },
  }).trim();
  console.log(`# a Ceph test cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${spec}`);
  assert.match(spec, /^rbd:pool=openecs,conf=/);
  store = rbdStore(spec);
  // Two vCPUs a host, so two instances of ecs.c7.large fill both (the last test).
  server = await h.startServer(await host2.serverOptions(['--image-dir', IMAGE_DIR, '--storage', spec, '--host-vcpus', '2',
    '--host-lost-after', String(LOST_AFTER_S)]));
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
after(async () => {
  host2.stop();
  if (server) await server.destroy();
  if (cephDir) execFileSync(path.join(ROOT, 'scripts/ceph'), ['destroy', cephDir], { stdio: 'inherit' });
  host2.removeUnderlay();
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

test('stopped in StopCharging mode, an instance on RBD starts on the other host when its own is full, and reads its data there', async () => {
  host2.start(server, { zone: h.ZONE_A, extraArgs: ['--image-dir', IMAGE_DIR, '--storage', spec, '--host-vcpus', '2'] });
  const hosts = async () => (await h.operatorCall(server, 'GET', 'hosts')).Hosts;
  await h.waitFor(async () => (await hosts()).length === 2, 60000, 500, 'host 2 registers');
  const storage = (await hosts()).map((x) => x.Storage);
  assert.ok(storage[0].startsWith('rbd:') && storage[0] === storage[1], `one pool: ${storage}`);

  const net = await h.createNetwork(ecs, vpc, { name: 'move', vpcCidr: '10.11.0.0/16', vswCidr: '10.11.1.0/24' });
  const run = async (extra) => (await h.runInstances(ecs, net, { instanceType: 'ecs.c7.large', ...extra }))[0];
  const x = await run({ hostName: 'mover', userData: bootProber(),
    dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 1, deleteWithInstance: true })] });
  await h.waitBooted(ecs, [x], BOOT_MS);
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: x }))).Disks.Disk;
  const data = disks.find((d) => d.Type === 'data');
  await probes.expectProbe(ecs, x, `vd-${data.SerialNumber}`, `1:${GiB_SECTORS}:PATTERN-mover`, 'X writes its data disk', PLUG_MS);
  const onHost2 = host2.runs(x);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: x, stoppedMode: 'StopCharging' }));
  await h.waitStatus(ecs, [x], 'Stopped', 120000);

  // X's host fills up (two vCPUs each): fillers until one runs there; the others go.
  const fillers = [];
  while (!fillers.some((f) => host2.runs(f) === onHost2)) {
    const f = await run({ hostName: 'filler' });
    await h.waitStatus(ecs, [f], 'Running', 60000);
    fillers.push(f);
  }
  const release = async (ids) => {
    for (const id of ids) await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await h.waitGone(ecs, ids, 120000);
  };
  const stay = fillers.filter((f) => host2.runs(f) === onHost2);
  await release(fillers.filter((f) => !stay.includes(f)));
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: x }));
  await h.waitBooted(ecs, [x], BOOT_MS);
  assert.equal(host2.runs(x), !onHost2, `X now runs on host ${onHost2 ? 1 : 2}`);
  await probes.expectProbe(ecs, x, `vd-${data.SerialNumber}`, `2:${GiB_SECTORS}:PATTERN-mover`, 'on the other host, X reads what it wrote', PLUG_MS);
  assert.ok(disks.every((d) => store.hasDisk(d.DiskId)), 'the first host left the disks in the pool');

  await release([x, ...stay]);
  await h.waitFor(async () => disks.every((d) => !store.hasDisk(d.DiskId)), 60000, 500, 'X\'s disks removed from the pool');
});

test('host 2 is lost with its guest still running: the instance starts on host 1, fences host 2 off its disks, and reads its data', async () => {
  const hosts = async () => (await h.operatorCall(server, 'GET', 'hosts')).Hosts;
  const host2State = async () => (await hosts()).find((x) => x.Name === 'host2').State;
  assert.equal(await host2State(), 'Up');
  const net = await h.createNetwork(ecs, vpc, { name: 'lost', vpcCidr: '10.12.0.0/16', vswCidr: '10.12.1.0/24' });
  const run = async (extra) => (await h.runInstances(ecs, net, { instanceType: 'ecs.c7.large', ...extra }))[0];
  const release = async (ids) => {
    for (const id of ids) await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await h.waitGone(ecs, ids, 120000);
  };
  // Host 1 fills up first, so that X goes to host 2.
  const fillers = [];
  while (!fillers.some((f) => !host2.runs(f))) {
    const f = await run({ hostName: 'filler' });
    await h.waitStatus(ecs, [f], 'Running', 60000);
    fillers.push(f);
  }
  await release(fillers.filter((f) => host2.runs(f)));
  const x = await run({ hostName: 'survivor', userData: bootProber(),
    dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 1, deleteWithInstance: true })] });
  await h.waitBooted(ecs, [x], BOOT_MS);
  assert.deepEqual(host2.qemuDirs(x), ['host2']);
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: x }))).Disks.Disk;
  const data = disks.find((d) => d.Type === 'data');
  await probes.expectProbe(ecs, x, `vd-${data.SerialNumber}`, `1:${GiB_SECTORS}:PATTERN-survivor`, 'X writes its data disk on host 2', PLUG_MS);
  await release(fillers.filter((f) => !host2.runs(f)));  // host 1 has room

  const t0 = Date.now();
  host2.killAgent();
  await h.waitFor(async () => (await host2State()) === 'Lost', 120000, 500, 'host 2 lost');
  console.log(`# host 2 lost ${((Date.now() - t0) / 1000).toFixed(1)} s after its agent died`);
  await h.waitBooted(ecs, [x], BOOT_MS);
  console.log(`# X booted on host 1 ${((Date.now() - t0) / 1000).toFixed(1)} s after host 2's agent died`);
  assert.deepEqual(host2.qemuDirs(x), ['host1', 'host2'], 'host 2\'s QEMU still runs beside the new one');
  await probes.expectProbe(ecs, x, `vd-${data.SerialNumber}`, `2:${GiB_SECTORS}:PATTERN-survivor`, 'on host 1, X reads what it wrote on host 2', PLUG_MS);
  // Host 2's client of the disks is cut off: its address is on the cluster's blocklist.
  // (Ceph 16 prints two JSON lists: the addresses, then the ranges.)
  const blocked = ceph('osd', 'blocklist', 'ls', '-f', 'json');
  assert.ok(blocked.includes(`"addr":"${U2}:`), `host 2 (${U2}) blocklisted: ${blocked}`);
  const events = wire(await ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({ regionId: h.REGION, instanceId: x })))
    .InstanceSystemEventSet.InstanceSystemEventType.map((e) => e.EventType.Name);
  assert.deepEqual(events, ['SystemFailure.Reboot']);

  // Host 2 comes back: Up again, and its agent drops the guest that moved away.
  host2.start(server, { zone: h.ZONE_A, extraArgs: ['--image-dir', IMAGE_DIR, '--storage', spec, '--host-vcpus', '2'] });
  await h.waitFor(async () => (await host2State()) === 'Up', 60000, 500, 'host 2 back');
  await h.waitFor(async () => JSON.stringify(host2.qemuDirs(x)) === '["host1"]', 60000, 500, 'host 2 drops its stale guest');
  await release([x]);
  await h.waitFor(async () => disks.every((d) => !store.hasDisk(d.DiskId)), 60000, 500, 'X\'s disks removed from the pool');
});

test('an image made on one host lives in the pool: an instance of it boots on the other host and reads what the first guest wrote', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'pooled', vpcCidr: '10.13.0.0/16', vswCidr: '10.13.1.0/24' });
  const script = (body) => Buffer.from(`#!/bin/sh\n${body}\n`).toString('base64');
  const run = async (extra) => (await h.runInstances(ecs, net, { instanceType: 'ecs.c7.large', ...extra }))[0];
  // The writer fills its host (two vCPUs each): the reader can only go to the other one.
  const writer = await run({ hostName: 'writer',
    userData: script('echo "golden-$(hostname)" >/root/golden.txt; sync; while true; do echo "probe wrote $(cat /root/golden.txt)" >/dev/console; sleep 1; done &') });
  await h.waitBooted(ecs, [writer], BOOT_MS);
  await probes.expectProbe(ecs, writer, 'wrote', 'golden-writer', 'the writer wrote its file', 60000);
  const writerOnHost2 = host2.runs(writer);

  const t0 = Date.now();
  const id = wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: h.REGION, instanceId: writer, imageName: 'pooled' }))).ImageId;
  const describe = async () => wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: h.REGION, imageId: id, status: 'Creating,Available,CreateFailed' }))).Images.Image[0];
  await h.waitFor(async () => (await describe()).Status === 'Available', 300000, 500, `image ${id} Available`);
  console.log(`# CreateImage into the pool: Available after ${Date.now() - t0} ms`);
  assert.ok(store.hasDisk(`base.${id}`) && store.hasDisk(`boot.${id}`), 'its disk and boot files are in the pool');
  const maker = writerOnHost2 ? host2.dataDir : server.dataDir;
  assert.ok(!fs.existsSync(path.join(maker, 'images', id, 'base.qcow2')), 'not in the maker\'s files');

  const reader = await run({ imageId: id, hostName: 'reader',
    userData: script('while true; do echo "probe golden $(cat /root/golden.txt 2>/dev/null || echo none)" >/dev/console; sleep 1; done &') });
  await h.waitBooted(ecs, [reader], BOOT_MS);
  assert.equal(host2.runs(reader), !writerOnHost2, `the reader runs on host ${writerOnHost2 ? 1 : 2}, apart from the maker`);
  await probes.expectProbe(ecs, reader, 'golden', 'golden-writer', 'the reader boots the image and reads the writer\'s file', 60000);
  const other = writerOnHost2 ? server.dataDir : host2.dataDir;
  assert.ok(fs.existsSync(path.join(other, 'images', id, 'image.json')), 'the other host fetched the boot files');

  for (const x of [writer, reader]) await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: x, force: true }));
  await h.waitGone(ecs, [writer, reader], 120000);
  await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: h.REGION, imageId: id }));
  await h.waitFor(async () => !store.hasDisk(`base.${id}`) && !store.hasDisk(`boot.${id}`), 120000, 500, 'the image removed from the pool');
});
