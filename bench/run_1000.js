'use strict';
// run_1000.js — time to bring 1000 instances to Running.
//
// Usage: node bench/run_1000.js [--calls 10] [--amount 100] [--delay-ms 50] [--parallel]
//                               [--bin build/bin/ecsd]
//
// Starts `ecsd dev` (fake driver, --fake-delay-ms as given), creates a VPC with a /16 vSwitch,
// issues ten RunInstances Amount=100 calls (one after another, or all at once with --parallel)
// and polls DescribeInstances Status=Running until all 1000 are Running.
// Prints per-call RunInstances latency, the time until the API accepted all of them, the time
// until all were Running (from the first call), and ecsd's VmRSS.
const { h, parseArgs, summary, fmt, fmtSummary, rssOf, nowMs, startEcsd } = require('./common');

const { Ecs, REGION, wire } = h;

async function main() {
  const opt = parseArgs({ calls: 10, amount: 100, delayMs: 50, parallel: false });
  const calls = Number(opt.calls);
  const amount = Number(opt.amount);
  const n = calls * amount;

  const server = await startEcsd({ bin: opt.bin, delayMs: opt.delayMs });
  try {
    const ecs = h.ecsClient(server, { readTimeout: 60000, connectTimeout: 60000 });
    const network = await h.createNetwork(ecs, h.vpcClient(server), { vpcCidr: '172.16.0.0/12', vswCidr: '172.16.0.0/16', name: 'run1000' });
    const tag = [{ key: 'bench', value: `run-${Date.now()}` }];

    const lat = [];
    const ids = [];
    const one = async () => {
      const s = nowMs();
      const got = await h.runInstances(ecs, network, { amount, tag });
      lat.push(nowMs() - s);
      ids.push(...got);
    };
    const t0 = nowMs();
    if (opt.parallel) await Promise.all(Array.from({ length: calls }, one));
    else for (let i = 0; i < calls; i++) await one();
    const accepted = nowMs();

    let lastCount = -1;
    let polls = 0;
    await h.waitFor(async () => {
      polls++;
      const body = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, status: 'Running', tag, pageSize: 1 })));
      if (body.TotalCount !== lastCount && process.env.VERBOSE) console.log(`# ${fmt((nowMs() - t0) / 1000)} s: ${body.TotalCount} Running`);
      lastCount = body.TotalCount;
      return body.TotalCount >= n;
    }, 1800000, 200, `${n} instances Running`);
    const done = nowMs();

    console.log(`instances:   ${ids.length} requested via ${calls} x RunInstances Amount=${amount} (${opt.parallel ? 'parallel' : 'sequential'}), fake delay ${opt.delayMs} ms`);
    console.log(`RunInstances latency: ${fmtSummary(summary(lat))}`);
    console.log(`accepted:    all calls returned after ${fmt((accepted - t0) / 1000)} s`);
    console.log(`running:     all ${n} Running after ${fmt((done - t0) / 1000)} s (${polls} polls)`);
    console.log(`rate:        ${fmt(n / ((done - t0) / 1000))} instances/second to Running`);
    const m = rssOf(server.pid);
    console.log(`ecsd VmRSS:  ${m.rssKb} kB (${fmt(m.rssKb / 1024)} MiB), peak VmHWM ${m.peakKb} kB`);
  } finally {
    await server.destroy();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
