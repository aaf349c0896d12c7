'use strict';
// monitor.js — what monitoring costs at N running (emulated) instances sampled every second:
// the ecsd CPU the samples take, the time the operator's clock advance takes (a Flush: the
// minute's points written, rollups when a period ends), the size of data/metrics.sqlite per
// instance-day, and the latency of the monitoring reads (DescribeInstanceMonitorData over an
// hour of minutes, CloudMonitor DescribeMetricList of 50 instances).
//
// Usage: node bench/monitor.js [--instances 500] [--minutes 60]
// Prints figures; asserts nothing.
const fs = require('node:fs');
const path = require('node:path');
const Cms = require(require.resolve('@alicloud/cms20190101', { paths: [path.join(__dirname, '../tests/api')] }));
const { h, parseArgs, summary } = require('./common');

const args = parseArgs({ instances: 500, minutes: 60 });
const fmt = (s) => `p50 ${s.p50.toFixed(1)} ms  p90 ${s.p90.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  (n=${s.n})`;
const cpuTicks = (pid) => {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);  // utime + stime (fields 14 and 15)
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

(async () => {
  const server = await h.startServer({ delayMs: 0, extraArgs: ['--test-clock', '--metrics-interval-ms', '1000', '--public-cidr', '198.18.0.0/20'] });
  try {
    const ecs = h.ecsClient(server);
    const net = await h.createNetwork(ecs, h.vpcClient(server), { vswCidr: '192.168.0.0/18' });
    const n = Number(args.instances);
    const ids = [];
    for (let left = n; left > 0; left -= 100) ids.push(...await h.runInstances(ecs, net, { amount: Math.min(100, left), internetMaxBandwidthOut: 5 }));
    await h.waitFor(async () => (await ecs.describeInstances(new h.Ecs.DescribeInstancesRequest({
      regionId: h.REGION, status: 'Running', pageSize: 1 }))).body.totalCount === n, 120000, 500, 'all Running');
    // Idle CPU of ecsd with the guests sampled every second, over 10 s.
    const c0 = cpuTicks(server.pid);
    await sleep(10000);
    const cpuPct = (cpuTicks(server.pid) - c0) / 100 / 10 * 100;
    const token = fs.readFileSync(path.join(server.dataDir, 'operator-token'), 'utf8').trim();
    const advance = async (seconds) => {
      const t0 = process.hrtime.bigint();
      const r = await h.httpRequest({ port: server.port, method: 'POST', timeoutMs: 120000,
        path: `/openecs/operator/v1/clock/advance?seconds=${seconds}`, headers: { authorization: `Bearer ${token}` } });
      if (r.status !== 200) throw new Error(r.body);
      return { ms: Number(process.hrtime.bigint() - t0) / 1e6, now: Date.parse(JSON.parse(r.body).Now) / 1000 };
    };
    // Minutes of data: each second of wall time samples every guest, each advance ends a minute.
    const flush = [];
    let now = 0;
    for (let m = 0; m < Number(args.minutes); m++) {
      await sleep(1100);
      const a = await advance(60);
      flush.push(a.ms);
      now = a.now;
    }
    const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const reads = [];
    for (let i = 0; i < 50; i++) {
      const t0 = process.hrtime.bigint();
      await ecs.describeInstanceMonitorData(new h.Ecs.DescribeInstanceMonitorDataRequest({
        instanceId: ids[i % ids.length], startTime: iso(now - 3600), endTime: iso(now), period: 60 }));
      reads.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const cms = new Cms.default(new h.$OpenApiUtil.Config({
      accessKeyId: server.ak, accessKeySecret: server.secret, endpoint: server.endpoint, protocol: 'HTTP' }));
    const dims = JSON.stringify(ids.slice(0, 50).map((instanceId) => ({ instanceId })));
    const lists = [];
    for (let i = 0; i < 20; i++) {
      const t0 = process.hrtime.bigint();
      await cms.describeMetricList(new Cms.DescribeMetricListRequest({ namespace: 'acs_ecs_dashboard',
        metricName: 'CPUUtilization', dimensions: dims, period: '60', startTime: String((now - 3600) * 1000), endTime: String(now * 1000) }));
      lists.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const size = (f) => (fs.existsSync(path.join(server.dataDir, f)) ? fs.statSync(path.join(server.dataDir, f)).size : 0);
    const bytes = size('metrics.sqlite');
    const minutes = Number(args.minutes);
    console.log(`# ${n} running emulated instances, each with a system disk and a public address, sampled every 1 s`);
    console.log(`ecsd CPU while sampling (no API calls):   ${cpuPct.toFixed(1)} % of one core`);
    console.log(`clock advance of a minute (Flush):        ${fmt(summary(flush))}`);
    console.log(`DescribeInstanceMonitorData, 60 minutes:  ${fmt(summary(reads))}`);
    console.log(`DescribeMetricList, 50 instances x 60 min: ${fmt(summary(lists))}`);
    console.log(`metrics.sqlite: ${(bytes / 1048576).toFixed(1)} MiB (+ ${(size('metrics.sqlite-wal') / 1048576).toFixed(1)} MiB WAL) ` +
      `for ${minutes} minutes = ${(bytes / n / minutes * 1440 / 1024).toFixed(0)} KiB per instance-day of 60 s points ` +
      `(3 resources each: instance, disk, ENI), before rollups`);
  } finally {
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
