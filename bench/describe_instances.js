'use strict';
// describe_instances.js — DescribeInstances latency with 10,000 instances in the region.
//
// Usage: node bench/describe_instances.js [--instances 10000] [--calls 200] [--page-size 100]
//                                         [--delay-ms 0] [--bin build/bin/ecsd]
//
// Starts `ecsd dev --fake-delay-ms 0`, creates the instances with RunInstances Amount=100
// (10 security groups, a /16 vSwitch per 60,000 instances), waits until all are Running, then measures
//   1. typed SDK (ACS3): DescribeInstances PageSize=100, PageNumber cycling over all pages;
//   2. raw keep-alive v1 GET with pre-signed URLs (server time without SDK parsing);
//   3. a full NextToken/MaxResults=100 walk over every instance.
// Prints median/p99 latencies, creation timings and ecsd's VmRSS from /proc/<pid>/status.
const http = require('node:http');
const { h, parseArgs, summary, fmt, fmtSummary, rssOf, nowMs, startEcsd } = require('./common');

const { Ecs, Vpc, REGION, wire } = h;

async function main() {
  const opt = parseArgs({ instances: 10000, calls: 200, pageSize: 100, delayMs: 0 });
  const n = Number(opt.instances);
  const calls = Number(opt.calls);
  const pageSize = Number(opt.pageSize);

  const server = await startEcsd({ bin: opt.bin, delayMs: opt.delayMs });
  try {
    const ecs = h.ecsClient(server, { readTimeout: 60000, connectTimeout: 60000 });
    const vpc = h.vpcClient(server);
    console.log(`# ecsd pid ${server.pid} on ${server.endpoint}; RSS at start ${rssOf(server.pid).rssKb} kB`);

    const network = await h.createNetwork(ecs, vpc, { vpcCidr: '172.16.0.0/12', vswCidr: '172.16.0.0/16', name: 'bench' });
    // Real ECS caps instances per basic security group (2000): spread over 10 groups.
    const sgs = [network.securityGroupId];
    for (let i = 1; i < 10; i++) {
      sgs.push(wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: network.vpcId }))).SecurityGroupId);
    }

    const vswitches = [network.vSwitchId];
    const runLat = [];
    const tCreate = nowMs();
    let lastMark = { made: 0, at: tCreate };
    for (let made = 0, call = 0; made < n; call++) {
      const amount = Math.min(100, n - made);
      const s = nowMs();
      // A /16 holds 65,534 addresses: the next vSwitch every 60,000.
      while (vswitches.length <= Math.floor(made / 60000)) {
        vswitches.push(await h.createVSwitch(vpc, network.vpcId, `172.${16 + vswitches.length}.0.0/16`));
      }
      const ids = await h.runInstances(ecs, { vSwitchId: vswitches[Math.floor(made / 60000)], securityGroupId: sgs[call % sgs.length] }, { amount });
      runLat.push(nowMs() - s);
      made += ids.length;
      // Progress, and how creation slows (or not) as the cloud grows: each 10,000 instances.
      if (made % 10000 === 0 || made === n) {
        const seg = runLat.slice(-Math.ceil(Math.min(10000, made - (lastMark.made)) / 100));
        const secs = (nowMs() - lastMark.at) / 1000;
        console.log(`  ${made} accepted: last ${made - lastMark.made} at ${fmt((made - lastMark.made) / secs)} /s; RunInstances(100) ${fmtSummary(summary(seg))}`);
        lastMark = { made, at: nowMs() };
      }
    }
    const apiDone = nowMs();
    const running = async () => wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, status: 'Running', pageSize: 1 }))).TotalCount;
    await h.waitFor(async () => (await running()) >= n, 600000, 500, `${n} instances Running`);
    const allRunning = nowMs();
    console.log(`create:      ${n} instances via ${runLat.length} RunInstances calls in ${fmt((apiDone - tCreate) / 1000)} s; all Running after ${fmt((allRunning - tCreate) / 1000)} s`);
    console.log(`RunInstances latency: ${fmtSummary(summary(runLat))}`);

    const pages = Math.ceil(n / pageSize);

    // 1. Typed SDK, PageNumber/PageSize.
    const sdkLat = [];
    for (let i = 0; i < calls; i++) {
      const s = nowMs();
      const body = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({
        regionId: REGION, pageSize, pageNumber: (i % pages) + 1,
      })));
      sdkLat.push(nowMs() - s);
      if (i === 0 && body.TotalCount !== n) console.log(`# warning: TotalCount ${body.TotalCount} != ${n}`);
    }
    console.log(`DescribeInstances PageSize=${pageSize} (typed SDK, ACS3): ${fmtSummary(summary(sdkLat))}`);

    // 2. Raw v1 GET, pre-signed, keep-alive.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const urls = Array.from({ length: calls }, (_, i) => `/?${h.v1Query('DescribeInstances',
      { RegionId: REGION, PageSize: pageSize, PageNumber: (i % pages) + 1 }, { ak: server.ak, secret: server.secret })}`);
    const rawLat = [];
    const serverLat = [];
    let bytes = 0;
    for (const u of urls) {
      const s = nowMs();
      const r = await new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: server.port, path: u, agent }, (res) => {
          let len = 0;
          res.on('data', (c) => { len += c.length; });
          res.on('end', () => resolve({ status: res.statusCode, len, handlerUs: Number(res.headers['x-openecs-handler-us']) }));
        });
        req.on('error', reject);
      });
      rawLat.push(nowMs() - s);
      if (Number.isFinite(r.handlerUs)) serverLat.push(r.handlerUs / 1000);
      bytes += r.len;
      if (r.status !== 200) console.log(`# warning: HTTP ${r.status}`);
    }
    agent.destroy();
    console.log(`DescribeInstances PageSize=${pageSize} (raw v1 GET):     ${fmtSummary(summary(rawLat))}; ${fmt(bytes / calls / 1024)} KiB/response`);
    if (serverLat.length) console.log(`DescribeInstances PageSize=${pageSize} (server-side, x-openecs-handler-us): ${fmtSummary(summary(serverLat))}`);

    // 3. NextToken walk.
    const tokLat = [];
    let token;
    let seen = 0;
    const tWalk = nowMs();
    do {
      const s = nowMs();
      const body = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, maxResults: 100, nextToken: token })));
      tokLat.push(nowMs() - s);
      seen += body.Instances.Instance.length;
      token = body.NextToken;
    } while (token && tokLat.length < pages + 5);
    console.log(`NextToken walk MaxResults=100: ${seen} instances in ${tokLat.length} calls, ${fmt((nowMs() - tWalk) / 1000)} s; ${fmtSummary(summary(tokLat))}`);

    const m = rssOf(server.pid);
    console.log(`ecsd VmRSS:  ${m.rssKb} kB (${fmt(m.rssKb / 1024)} MiB), peak VmHWM ${m.peakKb} kB`);
  } finally {
    await server.destroy();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
