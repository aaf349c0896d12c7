'use strict';
// System ring: real QEMU guests (TCG here) under `ecsd dev --driver qemu`, driven through the
// official SDK. Run by tests/system/run inside a network namespace it creates.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../api/helpers');
const { vncLogin } = require('./vnc');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;  // TCG on a loaded 2-core machine
let server, ecs, vpc, net;

const wire = (res) => res.body.toMap();
async function consoleOf(id) {
  const res = await ecs.getInstanceConsoleOutput(new Ecs.GetInstanceConsoleOutputRequest({ regionId: h.REGION, instanceId: id }));
  return Buffer.from(wire(res).ConsoleOutput, 'base64').toString('utf8');
}
const count = (text, re) => (text.match(re) || []).length;
// The console once the guest printed its n-th boot-complete line (HealthStatus Ok may come
// first, from its metadata request).
async function bootConsole(id, n) {
  let con = '';
  await h.waitFor(async () => count(con = await consoleOf(id), /OPENECS-BOOT-COMPLETE/g) >= n, 60000, 500, `boot ${n} of ${id} on its console`);
  return con;
}
function qemuPids(id) {
  try {
    return execFileSync('pgrep', ['-f', `process=openecs-${id}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch { return []; }
}

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR} (scripts/build-image)`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc);
});
// destroy() also stops whatever guests and VPC namespaces the server left (helpers.js).
after(async () => { if (server) await server.destroy(); });

test('real guests: boot, user data, stop/start, reboot, metadata, VNC, data disk, restart adoption, release', async () => {
  // The data disk is formatted on first boot; rc.local (run at every boot) reads it back.
  const userData = [
    '#!/bin/sh',
    'echo "user-data ran on $(hostname)"',
    'mkfs.ext2 -q /dev/vdb 2>/dev/null || mke2fs -q /dev/vdb',
    'mkdir -p /mnt/data && mount /dev/vdb /mnt/data && echo "persisted-$(hostname)" >/mnt/data/proof && umount /mnt/data',
    'printf \'#!/bin/sh\\nmkdir -p /mnt/data && mount /dev/vdb /mnt/data && echo "data disk says: $(cat /mnt/data/proof)" && umount /mnt/data\\n\' >/etc/rc.local',
    'chmod +x /etc/rc.local',
  ].join('\n') + '\n';
  const t0 = Date.now();
  const a = (await h.runInstances(ecs, net, {
    hostName: 'sys-a', userData: Buffer.from(userData).toString('base64'), password: 'Sys-Test-1',
    dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 1, deleteWithInstance: true })],
  }))[0];
  const b = (await h.runInstances(ecs, net, { hostName: 'sys-b' }))[0];
  await h.waitBooted(ecs, [a, b], BOOT_MS);
  console.log(`# two guests Running after ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  let con = await bootConsole(a, 1);
  assert.match(con, new RegExp(`OPENECS-BOOT-COMPLETE instance-id=${a} hostname=sys-a`));
  assert.match(con, /user-data ran on sys-a/);
  assert.match(con, /boot_count=1/);

  // Graceful stop: the guest sees the ACPI power button.
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: a }));
  await h.waitStatus(ecs, [a], 'Stopped', 90000);
  con = await consoleOf(a);
  assert.match(con, /OPENECS shutdown:/);
  assert.deepEqual(qemuPids(a), [], 'no QEMU process for a stopped instance');

  // Start: same disks, boot count up, user data not run again, the data disk kept its file.
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: a }));
  await h.waitBooted(ecs, [a], BOOT_MS);
  con = await bootConsole(a, 2);
  assert.match(con, /boot_count=2/);
  assert.equal(count(con, /user-data ran on/g), 1, 'user data runs on the first boot only');
  assert.match(con, /data disk says: persisted-sys-a/);

  // Reboot: a graceful power-off and a fresh launch (a new QEMU process, which reads the
  // metadata anew). A host name and a VNC password changed before it apply from that boot on.
  await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: b, hostName: 'sys-b2' }));
  await ecs.modifyInstanceVncPasswd(new Ecs.ModifyInstanceVncPasswdRequest({ regionId: h.REGION, instanceId: b, vncPassword: 'Vnc123' }));
  const bootsBefore = count(await consoleOf(b), /OPENECS-BOOT-COMPLETE/g);
  const pidB = qemuPids(b);
  await ecs.rebootInstance(new Ecs.RebootInstanceRequest({ instanceId: b }));
  await h.waitFor(async () => count(await consoleOf(b), /OPENECS-BOOT-COMPLETE/g) > bootsBefore, BOOT_MS, 500, 'reboot');
  await h.waitBooted(ecs, [b], BOOT_MS);
  assert.notDeepEqual(qemuPids(b), pidB, 'a reboot launches the guest anew');
  assert.equal(qemuPids(b).length, 1);
  const rebooted = await consoleOf(b);
  assert.ok(count(rebooted, /OPENECS shutdown:/g) >= 1, 'the guest was shut down gracefully first');
  const markers = rebooted.match(/OPENECS-BOOT-COMPLETE[^\r\n]*/g);
  assert.match(markers.pop(), /hostname=sys-b2/, 'the rebooted guest took the new host name');

  // VNC: DescribeInstanceVncUrl gives a loopback websocket; the password set above opens it,
  // a wrong one does not.
  const vncUrl = wire(await ecs.describeInstanceVncUrl(new Ecs.DescribeInstanceVncUrlRequest({ regionId: h.REGION, instanceId: b }))).VncUrl;
  assert.match(vncUrl, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const good = await vncLogin(vncUrl, 'Vnc123');
  assert.equal(good.version, 'RFB 003.008\n');
  assert.deepEqual(good.securityTypes, [2], 'VNC password authentication only');
  assert.equal(good.authResult, 0, 'the VNC password is accepted');
  assert.ok(good.width > 0 && good.height > 0, `a screen: ${good.width}x${good.height}`);
  assert.match(good.name, new RegExp(b));
  assert.notEqual((await vncLogin(vncUrl, 'Wrong1')).authResult, 0, 'a wrong VNC password is refused');

  // kill -9 ecsd while both guests run: they keep running and are adopted, not duplicated.
  const pids = [qemuPids(a), qemuPids(b)];
  await server.restart({ kill: true });
  ecs = h.ecsClient(server);
  const after = await h.describeInstances(ecs, [a, b]);
  assert.deepEqual(after.map((i) => i.Status).sort(), ['Running', 'Running']);
  assert.deepEqual([qemuPids(a), qemuPids(b)], pids, 'same QEMU processes after the restart');
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: b, forceStop: true }));
  await h.waitStatus(ecs, [b], 'Stopped', 60000);

  // Release: no process, socket or disk file of either instance remains.
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION }))).Disks.Disk.map((d) => d.DiskId);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: a, force: true }));
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: b }));
  await h.waitGone(ecs, [a, b], 60000);
  assert.deepEqual([...qemuPids(a), ...qemuPids(b)], []);
  for (const id of [a, b]) assert.ok(!fs.existsSync(path.join(server.dataDir, 'instances', id)), `${id} directory removed`);
  const left = execFileSync('find', [server.dataDir, '-name', '*.qcow2'], { encoding: 'utf8' });
  for (const d of disks) assert.ok(!left.includes(d), `disk file of ${d} removed`);
});
