'use strict';
// billing.js — what billing costs: the time of one billing pass (metering every account's
// pay-as-you-go use into daily bill lines, expiries, spot) at N running instances, measured by
// the operator's test-clock advance (which runs a pass before it answers); the pass with a day
// boundary in it (twice the lines); and the latency of the BSS bill queries over those lines.
//
// Usage: node bench/billing.js [--instances 2000] [--passes 20]
// Prints figures; asserts nothing.
const fs = require('node:fs');
const path = require('node:path');
const Bss = require(require.resolve('@alicloud/bssopenapi20171214', { paths: [path.join(__dirname, '../tests/api')] }));
const { h, parseArgs, summary } = require('./common');

const args = parseArgs({ instances: 2000, passes: 20 });
const fmt = (s) => `p50 ${s.p50.toFixed(1)} ms  p90 ${s.p90.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  (n=${s.n})`;

(async () => {
  const server = await h.startServer({ delayMs: 0, extraArgs: ['--test-clock'] });
  try {
    const ecs = h.ecsClient(server);
    const net = await h.createNetwork(ecs, h.vpcClient(server), { vswCidr: '192.168.0.0/18' });
    const n = Number(args.instances);
    for (let left = n; left > 0; left -= 100) await h.runInstances(ecs, net, { amount: Math.min(100, left) });
    await h.waitFor(async () => (await ecs.describeInstances(new h.Ecs.DescribeInstancesRequest({
      regionId: h.REGION, status: 'Running', pageSize: 1 }))).body.totalCount === n, 120000, 500, 'all Running');
    const token = fs.readFileSync(path.join(server.dataDir, 'operator-token'), 'utf8').trim();
    const advance = async (seconds) => {
      const t0 = process.hrtime.bigint();
      const r = await h.httpRequest({ port: server.port, method: 'POST', timeoutMs: 120000,
        path: `/openecs/operator/v1/clock/advance?seconds=${seconds}`, headers: { authorization: `Bearer ${token}` } });
      if (r.status !== 200) throw new Error(r.body);
      return Number(process.hrtime.bigint() - t0) / 1e6;
    };
    await advance(60);  // the first pass makes the accounts' records
    const hourly = [];
    for (let i = 0; i < Number(args.passes); i++) hourly.push(await advance(3600));
    const daily = [];
    for (let i = 0; i < 5; i++) daily.push(await advance(86400));
    console.log(`# ${n} running pay-as-you-go instances (each: an instance line and a system disk line per day)`);
    console.log(`billing pass, one hour of use:      ${fmt(summary(hourly))}`);
    console.log(`billing pass, a day (a new day's lines): ${fmt(summary(daily))}`);
    const bss = new Bss.default(new h.$OpenApiUtil.Config({
      accessKeyId: server.ak, accessKeySecret: server.secret, endpoint: server.endpoint, protocol: 'HTTP' }));
    const now = JSON.parse((await h.httpRequest({ port: server.port, path: '/openecs/operator/v1/clock',
      headers: { authorization: `Bearer ${token}` } })).body).Now;
    const cycle = now.slice(0, 7);
    for (const [name, call] of [
      ['QueryInstanceBill (MONTHLY, 300/page)', () => bss.queryInstanceBill(new Bss.QueryInstanceBillRequest({ billingCycle: cycle, pageSize: 300 }))],
      ['QueryBill (300/page)', () => bss.queryBill(new Bss.QueryBillRequest({ billingCycle: cycle, pageSize: 300 }))],
      ['QueryBillOverview', () => bss.queryBillOverview(new Bss.QueryBillOverviewRequest({ billingCycle: cycle }))],
      ['QueryAccountBalance', () => bss.queryAccountBalance()],
    ]) {
      const lat = [];
      for (let i = 0; i < 30; i++) {
        const t0 = process.hrtime.bigint();
        await call();
        lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      console.log(`${name.padEnd(40)} ${fmt(summary(lat))}`);
    }
    console.log(`ecsd RSS ${Math.round(server.rssKb() / 1024)} MiB`);
  } finally {
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
