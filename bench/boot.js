'use strict';
// Boot benchmark (qemu driver): RunInstances call -> Running (QEMU runs the guest) and ->
// HealthStatus Ok (the guest's OS said it is up: its boot-complete line or its first metadata
// request), median of several, against the same image booted by a bare qemu-system-x86_64
// command line to its boot-complete line. The ratio is the control plane's overhead. Also
// prints ecsd's RSS.
//
// Usage: node bench/boot.js [--runs 5] [--image-dir images]
const path = require('node:path');
const fs = require('node:fs');
const os = require('node:os');
const { spawn, execFileSync } = require('node:child_process');
const h = require('../tests/api/helpers');
const { Ecs } = h;

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const runs = Number(arg('runs', 5));
const imageDir = path.resolve(arg('image-dir', path.join(__dirname, '../images')));
const img = path.join(imageDir, h.IMAGE);
const meta = JSON.parse(fs.readFileSync(path.join(img, 'image.json'), 'utf8'));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

// The same guest by hand: overlay + metadata through fw_cfg, direct kernel boot, serial on stdout.
async function bareBoot(i) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-bare-'));
  const overlay = path.join(dir, 'sys.qcow2');
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', path.join(img, meta.disk), '-F', 'qcow2', overlay, '20G']);
  fs.writeFileSync(path.join(dir, 'meta-data'), `instance-id: i-bare${i}\nlocal-hostname: bare\n`);
  const t0 = process.hrtime.bigint();
  const q = spawn('qemu-system-x86_64', ['-machine', 'q35,accel=tcg', '-smp', '1', '-m', '512', '-nodefaults',
    '-display', 'none', '-kernel', path.join(img, meta.kernel), '-initrd', path.join(img, meta.initrd),
    '-append', meta.cmdline, '-drive', `file=${overlay},if=virtio`, '-fw_cfg', `name=opt/org.openecs/meta-data,file=${path.join(dir, 'meta-data')}`,
    '-netdev', 'user,id=n0,restrict=on', '-device', 'virtio-net-pci,netdev=n0', '-serial', 'stdio']);
  let out = '';
  const ms = await new Promise((resolve) => {
    q.stdout.on('data', (d) => {
      out += d;
      if (out.includes(meta.boot_complete_marker)) resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
  q.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
  return ms;
}

(async () => {
  const bare = [];
  for (let i = 0; i < runs; i++) bare.push(await bareBoot(i));
  const server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', imageDir] });
  try {
    const ecs = h.ecsClient(server);
    const net = await h.createNetwork(ecs, h.vpcClient(server));
    const api = [], ok = [];
    for (let i = 0; i < runs; i++) {
      const t0 = Date.now();
      const [id] = await h.runInstances(ecs, net, {});
      await h.waitStatus(ecs, [id], 'Running', 180000);
      api.push(Date.now() - t0);
      await h.waitBooted(ecs, [id], 180000);
      ok.push(Date.now() - t0);
      await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
      await h.waitGone(ecs, [id], 60000);
    }
    const rss = server.rssKb();
    console.log(`bare qemu boot to marker:     median ${(median(bare) / 1000).toFixed(2)} s  (${bare.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`RunInstances -> Running:      median ${(median(api) / 1000).toFixed(2)} s  (${api.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`RunInstances -> HealthStatus Ok: median ${(median(ok) / 1000).toFixed(2)} s  (${ok.map((x) => (x / 1000).toFixed(2)).join(', ')})`);
    console.log(`overhead ratio (Ok median / bare median): ${(median(ok) / median(bare)).toFixed(2)}`);
    console.log(`ecsd RSS: ${rss} kB`);
  } finally {
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
