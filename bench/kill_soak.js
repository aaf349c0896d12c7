'use strict';
// Kill soak: the load-and-fault ring of tests/api/load_fault.test.js for longer. A seeded mix of
// ECS/VPC operations through the official SDKs (several in flight, half the creations with a
// ClientToken) against `ecsd dev --driver fake`; ecsd is killed with SIGKILL every 50-130
// operations (--kill-min/--kill-max) and restarted on the same data dir; after each restart the
// invariants of tests/api/fault_workload.js are checked (no lost, duplicated or leaked resources,
// unique private IPs and consistent free-address counts, no EIP or disk on a released instance,
// host capacity as the instances claim it, every resource in a stable state within 10 s).
//
//   node bench/kill_soak.js [--ops 10000] [--parallel 6] [--delay-ms 10] [--seed N]
//                           [--kill-min 50] [--kill-max 130] [--host-vcpus 48] [--rounds 1]
//
// Prints one `# load-and-fault: ...` line per round, the violations (if any) and the total.
// Exit status 1 when a round found violations (the figures are the point, not the status).
const { parseArgs } = require('./common');
const { KillSoak } = require('../tests/api/fault_workload');

const opts = parseArgs({ ops: 10000, parallel: 6, delayMs: 10, seed: '', killMin: 50, killMax: 130, hostVcpus: 48, rounds: 1 });

(async () => {
  let total = 0;
  const t0 = Date.now();
  const sums = { operations: 0, kills: 0, unknown: 0, tokenRetries: 0 };
  for (let round = 0; round < Number(opts.rounds); round += 1) {
    const seed = opts.seed === '' ? (Date.now() + round) % 1000000007 : Number(opts.seed) + round;
    const soak = new KillSoak({
      ops: Number(opts.ops), parallel: Number(opts.parallel), delayMs: Number(opts.delayMs), seed,
      killEvery: [Number(opts.killMin), Number(opts.killMax)], hostVcpus: Number(opts.hostVcpus),
      log: (l) => { if (process.env.VERBOSE) console.log(l); },
    });
    let r;
    try {
      await soak.start();
      r = await soak.run();
    } finally {
      await soak.destroy();
    }
    console.log(r.line);
    for (const v of r.violationList) console.log(`  ${v.cat} (${v.label}): ${v.msg}`);
    total += r.violations;
    for (const k of Object.keys(sums)) sums[k] += r[k];
  }
  console.log(`# kill soak total: ${sums.operations} operations, ${sums.kills} kills, ${sums.unknown} calls cut off, ` +
    `${sums.tokenRetries} ClientToken retries, ${total} invariant violations, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  process.exit(total ? 1 : 0);
})().catch((e) => { console.error(e); process.exit(2); });
