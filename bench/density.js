'use strict';
// Density benchmark (qemu driver): how many tiny guests (ecs.t5-lc2m1.nano: 1 vCPU, 512 MiB)
// this machine holds up at once (Running with HealthStatus Ok: booted). Starts batches of guests
// until a batch fails to come up within the time limit, the host runs out of offered capacity
// (NoStock), or --max is
// reached; prints the count, host memory in use, and ecsd's RSS per guest.
//
// Usage: node bench/density.js [--batch 4] [--max 40] [--host-vcpus 64] [--image-dir images]
const path = require('node:path');
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const h = require('../tests/api/helpers');
const { Ecs } = h;

function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const batch = Number(arg('batch', 4));
const max = Number(arg('max', 40));
const imageDir = path.resolve(arg('image-dir', path.join(__dirname, '../images')));
const memAvailableMb = () => Number(/MemAvailable:\s+(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))[1]) / 1024;

(async () => {
  const server = await h.startServer({ driver: 'qemu',
    extraArgs: ['--image-dir', imageDir, '--host-vcpus', String(arg('host-vcpus', 64))] });
  const ids = [];
  try {
    const ecs = h.ecsClient(server);
    const net = await h.createNetwork(ecs, h.vpcClient(server));
    const rss0 = server.rssKb();
    const mem0 = memAvailableMb();
    while (ids.length < max) {
      const t0 = Date.now();
      let got;
      try {
        got = await h.runInstances(ecs, net, { amount: batch });
      } catch (e) {
        console.log(`# RunInstances refused at ${ids.length} guests: ${e.code}`);
        break;
      }
      ids.push(...got);
      try {
        await h.waitBooted(ecs, got, 300000);
      } catch (e) {
        console.log(`# batch did not come up (Running, HealthStatus Ok): ${e.message.slice(0, 200)}`);
        break;
      }
      console.log(`${ids.length} guests up (Running, HealthStatus Ok; batch of ${batch} booted in ${((Date.now() - t0) / 1000).toFixed(1)} s), host MemAvailable ${memAvailableMb().toFixed(0)} MiB, ecsd RSS ${server.rssKb()} kB`);
    }
    const running = (await h.describeInstances(ecs, ids)).filter((i) => i.Status === 'Running').length;
    console.log(`held Running at once: ${running}`);
    console.log(`host memory used by guests: ${(mem0 - memAvailableMb()).toFixed(0)} MiB (${((mem0 - memAvailableMb()) / running).toFixed(0)} MiB per guest)`);
    console.log(`ecsd RSS: ${rss0} kB idle -> ${server.rssKb()} kB; ${((server.rssKb() - rss0) / running).toFixed(0)} kB per guest`);
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: h.REGION, instanceId: chunk, force: true }));
    }
    await h.waitGone(ecs, ids, 300000);
  } finally {
    await server.destroy();
    // Released guests must leave no QEMU behind (their command lines name the data dir).
    let left = '';
    try { left = execFileSync('pgrep', ['-f', server.dataDir], { encoding: 'utf8' }).trim(); } catch { /* none */ }
    if (left) {
      console.log(`# LEAK: QEMU processes left after release: ${left.split('\n').join(' ')}`);
      process.exitCode = 1;
    }
  }
})().catch((e) => { console.error(e); process.exit(1); });
