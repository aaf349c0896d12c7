'use strict';
// Guest disk I/O against each category's limits. One guest (TCG) gets two data disks through
// the API: `cloud` (300 IOPS, 30 MB/s) and `cloud_essd` PL0 20 GiB (2040 IOPS, 105 MB/s). The
// guest reads each in turn with O_DIRECT: 4 KiB blocks (IOPS) and 1 MiB blocks (MB/s), timed
// with /proc/uptime, and prints "bench <serial> iops|mbps <figure>" (MB here: MiB, as the
// throttle counts them). Then the bench lifts both disks' throttling over QMP (the same qcow2
// files on the same guest, unlimited: what the guest gets from bare QEMU) and takes the
// figures again. With --storage rbd:... the disks are RBD images in that pool (issue 21): run it
// once without and once with, for RBD against local qcow2 under the same throttle. Run as root
// inside a network namespace (a Ceph cluster made there: CEPH_ADDR unset, scripts/ceph DIR):
//   ip netns add b && ip netns exec b node bench/disk_io.js [--samples 3] [--storage SPEC]
const path = require('node:path');
const h = require('../tests/api/helpers');
const probes = require('../tests/system/probes');
const { qmp } = require('../tests/system/guest_disks');
const { Ecs } = h;

const arg = (name, def) => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1] : def; };
const samples = Number(arg('samples', 3));
const imageDir = path.resolve(arg('image-dir', path.join(__dirname, '../images')));
const storage = arg('storage', 'local');
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const wire = (res) => res.body.toMap();

const guest = Buffer.from(`#!/bin/sh
(sleep 3
t() { cut -d' ' -f1 /proc/uptime; }
while true; do
  for s in /sys/block/vd[b-z]; do
    [ -e "$s/serial" ] || continue
    serial=$(cat $s/serial)
    n=$(basename $s); [ -b /dev/$n ] || mknod /dev/$n b $(tr : ' ' < $s/dev)
    a=$(t); dd if=/dev/$n of=/dev/null bs=4k count=4000 iflag=direct 2>/dev/null; b=$(t)
    echo "bench $serial iops $(echo "4000 $a $b" | awk '{ printf "%.0f", $1 / ($3 - $2) }')"
    a=$(t); dd if=/dev/$n of=/dev/null bs=1M count=256 iflag=direct 2>/dev/null; b=$(t)
    echo "bench $serial mbps $(echo "256 $a $b" | awk '{ printf "%.1f", $1 / ($3 - $2) }')"
  done
  sleep 1
done) >/dev/console 2>&1 </dev/null &
`).toString('base64');

(async () => {
  const server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', imageDir, '--network', 'vpc', '--storage', storage] });
  try {
    const ecs = h.ecsClient(server);
    const nw = await h.createNetwork(ecs, h.vpcClient(server), { name: 'io', vpcCidr: '10.9.0.0/16', vswCidr: '10.9.1.0/24' });
    const [vm] = await h.runInstances(ecs, nw, { userData: guest });
    await h.waitBooted(ecs, [vm], 240000);
    const disks = [];
    for (const spec of [{ diskCategory: 'cloud', size: 20 }, { diskCategory: 'cloud_essd', performanceLevel: 'PL0', size: 20 }]) {
      const id = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: nw.zone, ...spec }))).DiskId;
      await ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: id, instanceId: vm }));
      const d = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([id]) }))).Disks.Disk[0];
      disks.push({ id, serial: d.SerialNumber, label: `${d.Category}${d.PerformanceLevel ? ' ' + d.PerformanceLevel : ''} ${d.Size} GiB`, iops: d.IOPS, mbps: d.Throughput });
    }
    const figures = async (serial, kind) => [...(await probes.consoleOf(ecs, vm)).matchAll(new RegExp(`bench ${serial} ${kind} ([\\d.]+)`, 'g'))].map((m) => Number(m[1]));
    const take = async (label) => {
      const start = {};
      for (const d of disks) for (const k of ['iops', 'mbps']) start[d.serial + k] = (await figures(d.serial, k)).length;
      const out = {};
      for (const d of disks) {
        for (const k of ['iops', 'mbps']) {
          let got = [];
          await h.waitFor(async () => {
            got = (await figures(d.serial, k)).slice(start[d.serial + k] + 1);  // the first may straddle
            return got.length >= samples;
          }, 900000, 2000, `${samples} ${label} ${k} samples of ${d.label}`);
          out[d.serial + k] = median(got.slice(0, samples));
        }
      }
      return out;
    };
    const capped = await take('throttled');
    for (const d of disks) await qmp(server.dataDir, vm, 'qom-set', { path: `/objects/tg-${d.id}`, property: 'limits', value: { 'iops-total': 0, 'bps-total': 0 } });
    const bare = await take('unthrottled');
    console.log(`storage: ${storage === 'local' ? 'local qcow2 files' : storage}`);
    console.log('disk                       setting            throttled (median)     same volume unthrottled');
    for (const d of disks) {
      console.log(`${d.label.padEnd(26)} ${String(d.iops).padStart(5)} IOPS ${String(d.mbps).padStart(4)} MB/s   ` +
        `${String(capped[d.serial + 'iops']).padStart(5)} IOPS ${capped[d.serial + 'mbps'].toFixed(1).padStart(6)} MB/s   ` +
        `${String(bare[d.serial + 'iops']).padStart(5)} IOPS ${bare[d.serial + 'mbps'].toFixed(1).padStart(6)} MB/s`);
      console.log(`${''.padEnd(26)} throttled/setting: IOPS ${(capped[d.serial + 'iops'] / d.iops).toFixed(2)}, MB/s ${(capped[d.serial + 'mbps'] / d.mbps).toFixed(2)}`);
    }
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: vm, force: true }));
  } finally {
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
