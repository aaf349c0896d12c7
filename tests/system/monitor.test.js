'use strict';
// System ring (issue 18): monitoring of a real guest. The host samples QEMU's vCPU threads,
// its block devices (query-blockstats), the ENI's tap and the public address's counter at the
// VPC's uplink; DescribeInstanceMonitorData shows an idle guest, then the same guest burning its
// CPU, reading its disk and sending to a public address.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const { expectProbe } = require('./probes');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
let server, ecs;

const operator = (method, route) => h.operatorCall(server, method, route);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

// The minute that just ended (the test clock moves a minute on).
async function nextMinute(ecs, id) {
  const { Now } = await operator('POST', 'clock/advance?seconds=60');
  const now = Date.parse(Now) / 1000;
  const r = h.wire(await ecs.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
    instanceId: id, startTime: iso(now - 120), endTime: iso(now),
  })));
  const points = r.MonitorData.InstanceMonitorData;
  assert.ok(points.length > 0, `a point: ${JSON.stringify(r)}`);
  return points[points.length - 1];
}

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR} (scripts/build-image)`);
  server = await h.startServer({
    driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--test-clock', '--metrics-interval-ms', '1000'],
  });
  ecs = h.ecsClient(server);
});
after(async () => { if (server) await server.destroy(); });

test('a guest burning its CPU shows in CPUUtilization, its disk reads and public traffic too', async () => {
  const net = await h.createNetwork(ecs, h.vpcClient(server), { vpcCidr: '10.8.0.0/16', vswCidr: '10.8.1.0/24' });
  // Once its name reads "burn" in the metadata service (the test renames it after the idle
  // minute), the guest reads its disk, pings the host's side of the public pool (198.18.0.1,
  // through the uplink) and burns its one vCPU for good. A fixed delay instead let a slow boot
  // (CI) start the burn inside the idle minute.
  const userData = Buffer.from([
    '#!/bin/sh',
    '(until [ "$(timeout 3 wget -qO- http://100.100.100.200/latest/meta-data/instance/instance-name 2>/dev/null)" = burn ]; do sleep 2; done',
    ' (while :; do :; done) &',
    ' (while true; do echo "probe burn on"; sleep 1; done) >/dev/console 2>&1 &',
    ' dd if=/dev/vda of=/dev/null bs=64k count=800 2>/dev/null',
    ' ping -c 5 198.18.0.1 >/dev/null 2>&1',
    ') </dev/null >/dev/null 2>&1 &',
  ].join('\n') + '\n').toString('base64');
  const [id] = await h.runInstances(ecs, net, { hostName: 'burner', userData, internetMaxBandwidthOut: 5 });
  await h.waitBooted(ecs, [id], BOOT_MS);
  // The boot's minute ends (booting takes CPU). It may hold no point yet: a guest's first
  // sample only sets the baseline of its counters, and a quick boot leaves no time for a second.
  await operator('POST', 'clock/advance?seconds=60');
  await sleep(8000);
  const idle = await nextMinute(ecs, id);
  await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: id, instanceName: 'burn' }));
  await expectProbe(ecs, id, 'burn', 'on', 'the guest burns its CPU', 120000);
  const start = await nextMinute(ecs, id);  // idle, then the burn, the disk read and the pings
  await sleep(8000);
  const busy = await nextMinute(ecs, id);  // burning all along
  console.log(`idle: ${JSON.stringify(idle)}\nstart: ${JSON.stringify(start)}\nbusy: ${JSON.stringify(busy)}`);
  assert.ok(busy.CPU >= 80, `the burning guest uses its vCPU: ${busy.CPU} %`);
  assert.ok(idle.CPU <= busy.CPU - 40, `the idle guest used less: ${idle.CPU} % against ${busy.CPU} %`);
  // The disk read and the pings: in any minute after the idle one. The test clock runs on with
  // real time between advances, so the burn's start may fall in a minute neither `start` nor
  // `busy` is (CI saw the read in the minute between them).
  const { Now: end } = await operator('GET', 'clock');
  const later = h.wire(await ecs.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
    instanceId: id, startTime: iso(Date.parse(idle.TimeStamp) / 1000 + 60), endTime: iso(Date.parse(end) / 1000),
  }))).MonitorData.InstanceMonitorData;
  const sum = (k) => later.reduce((a, p) => a + (p[k] || 0), 0);
  assert.ok(sum('BPSRead') > 0 && sum('IOPSRead') > 0, `its disk was read: ${JSON.stringify(later)}`);
  assert.ok(sum('InternetTX') > 0 && sum('InternetRX') > 0,
    `it sent to and heard from a public address: ${JSON.stringify(later)}`);
  assert.ok(idle.IntranetTX + sum('IntranetTX') > 0, 'it talks to its router (DHCP, metadata)');
  // The system disk's own points.
  const disk = h.wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: id }))).Disks.Disk[0];
  const { Now } = await operator('GET', 'clock');
  const now = Date.parse(Now) / 1000;
  const dp = h.wire(await ecs.describeDiskMonitorData(new Ecs.DescribeDiskMonitorDataRequest({
    diskId: disk.DiskId, startTime: iso(now - 600), endTime: iso(now),
  }))).MonitorData.DiskMonitorData;
  assert.ok(dp.some((p) => p.BPSRead > 0 && p.LatencyRead > 0), JSON.stringify(dp));
});

// The QEMU process of a guest, by the process name the driver gives it.
function qemuPid(id) {
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`process=openecs-${id}`)) return Number(pid);
    } catch { /* gone */ }
  }
  return 0;
}

test('a guest whose QEMU is killed is started again, with a SystemFailure.Reboot event', async () => {
  const net = await h.createNetwork(ecs, h.vpcClient(server), { vpcCidr: '10.9.0.0/16', vswCidr: '10.9.1.0/24' });
  const [id] = await h.runInstances(ecs, net, { hostName: 'crasher' });
  await h.waitBooted(ecs, [id], BOOT_MS);
  const pid = qemuPid(id);
  assert.ok(pid > 0, 'its QEMU runs');
  process.kill(pid, 'SIGKILL');
  await h.waitFor(async () => {
    const r = h.wire(await ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({ regionId: h.REGION, instanceId: id })));
    return r.InstanceSystemEventSet.InstanceSystemEventType.some((e) => e.EventType.Name === 'SystemFailure.Reboot');
  }, 60000, 500, 'a SystemFailure.Reboot event');
  await h.waitFor(() => qemuPid(id) > 0 && qemuPid(id) !== pid, 60000, 500, 'a new QEMU');
  await h.waitBooted(ecs, [id], BOOT_MS);
  // A shutdown from inside is not a crash: it stays Stopped (the guest powers itself off).
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }));
  await h.waitStatus(ecs, [id], 'Stopped', 120000);
  await new Promise((r) => setTimeout(r, 3000));
  assert.equal((await h.describeInstance(ecs, id)).Status, 'Stopped', 'a stop is not restarted');
});
