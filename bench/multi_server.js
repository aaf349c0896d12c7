'use strict';
// multi_server.js — several API servers on one PostgreSQL store (issue 20; service/cloud.h
// "Several servers"), side by side with one server on SQLite and one on PostgreSQL, in one run.
//
// Usage: node bench/multi_server.js [--pg URI] [--writes 1000] [--reads 4000] [--clients 8]
//                                   [--bin build/bin/ecsd]
//
// --pg: a PostgreSQL database to make schemas in (default: what `scripts/postgres openecs_bench`
// prints). Each side starts fresh `ecsd server`s (`ecsd dev --no-local-agent` on SQLite), then,
// with `clients` concurrent SDK clients spread over its servers round-robin:
//   writes  `writes` CreateSecurityGroup calls: calls/s and latency;
//   reads   `reads` DescribeSecurityGroups (page of 50 of the groups just made): calls/s, latency;
//   lag     (two servers) ms from a CreateSecurityGroup answered by one server until the other
//           lists it, 50 times.
// Writes serialise across servers by design (the store's write lock), reads are each server's
// own; on a 2-core machine the servers, PostgreSQL and the clients share the same cores.
const path = require('node:path');
const { execFileSync } = require('node:child_process');

// The harness decides its store when it is loaded: PostgreSQL, unless a side asks for SQLite.
const pgAt = process.argv.indexOf('--pg');
process.env.OPENECS_TEST_STORE = 'postgres';
process.env.OPENECS_TEST_PG = pgAt > 0 ? process.argv[pgAt + 1]
  : execFileSync(path.join(__dirname, '..', 'scripts', 'postgres'), ['openecs_bench'], { encoding: 'utf8' }).trim();
const { h, parseArgs, summary, fmt, nowMs } = require('./common');

const opt = parseArgs({ writes: 1000, reads: 4000, clients: 8, bin: '' });

const { Ecs, REGION, wire } = h;

async function pool(n, clients, op) {
  let next = 0;
  const lat = [];
  const t0 = nowMs();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < n) {
      const k = next++;
      const s = nowMs();
      await op(k);
      lat.push(nowMs() - s);
    }
  }));
  return { perSecond: n / ((nowMs() - t0) / 1000), lat: summary(lat) };
}

async function side(name, servers) {
  const clients = servers.map((s) => h.ecsClient(s, { readTimeout: 60000 }));
  const net = await h.createNetwork(clients[0], h.vpcClient(servers[0]), { name: 'bench' });
  const at = (k) => clients[k % clients.length];
  const groups = [];
  const writes = await pool(Number(opt.writes), Number(opt.clients), async (k) => {
    groups.push(wire(await at(k).createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
      regionId: REGION, vpcId: net.vpcId, securityGroupName: `b-${k}`,
    }))).SecurityGroupId);
  });
  const reads = await pool(Number(opt.reads), Number(opt.clients), async (k) => {
    await at(k).describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({
      regionId: REGION, vpcId: net.vpcId, pageSize: 50, pageNumber: 1 + (k % 10),
    }));
  });
  let lag = null;
  if (servers.length > 1) {
    const lags = [];
    for (let i = 0; i < 50; i++) {
      const id = wire(await clients[i % 2].createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
        regionId: REGION, vpcId: net.vpcId, securityGroupName: `lag-${i}`,
      }))).SecurityGroupId;
      const t0 = nowMs();
      for (;;) {
        const r = wire(await clients[1 - (i % 2)].describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, securityGroupId: id })));
        if (r.TotalCount === 1) break;
      }
      lags.push(nowMs() - t0);
    }
    lag = summary(lags);
  }
  return { name, writes, reads, lag };
}

(async () => {
  const rows = [];
  const bin = opt.bin || h.BIN;
  // One server on SQLite (its only mode), one on PostgreSQL, two on one PostgreSQL schema.
  for (const [name, n, store] of [['SQLite, 1 server', 1, 'sqlite'], ['PostgreSQL, 1 server', 1, 'pg'], ['PostgreSQL, 2 servers', 2, 'pg']]) {
    const servers = [];
    try {
      const first = store === 'sqlite'
        ? await h.startServer({ bin, delayMs: 0, store: 'sqlite', extraArgs: ['--no-local-agent'] })
        : await h.startServer({ bin, delayMs: 0, command: 'server' });
      servers.push(first);
      for (let k = 1; k < n; k++) servers.push(await h.startServer({ bin, delayMs: 0, command: 'server', shareStoreOf: first }));
      rows.push(await side(name, servers));
      console.log(`# ${name}: done`);
    } finally {
      for (const s of servers.reverse()) await s.destroy();
    }
  }
  const pad = (x, w) => String(x).padStart(w);
  console.log(`\n${'side'.padEnd(24)}${pad('writes/s', 10)}${pad('w p50', 8)}${pad('w p99', 8)}${pad('reads/s', 10)}${pad('r p50', 8)}${pad('r p99', 8)}${pad('lag p50', 9)}${pad('lag max', 9)}`);
  for (const r of rows) {
    console.log(`${r.name.padEnd(24)}${pad(fmt(r.writes.perSecond), 10)}${pad(fmt(r.writes.lat.p50), 8)}${pad(fmt(r.writes.lat.p99), 8)}`
      + `${pad(fmt(r.reads.perSecond), 10)}${pad(fmt(r.reads.lat.p50), 8)}${pad(fmt(r.reads.lat.p99), 8)}`
      + `${pad(r.lag ? fmt(r.lag.p50) : '-', 9)}${pad(r.lag ? fmt(r.lag.max) : '-', 9)}`);
  }
  console.log(`(${opt.writes} CreateSecurityGroup, ${opt.reads} DescribeSecurityGroups, ${opt.clients} clients; latencies in ms)`);
})().catch((e) => { console.error(e); process.exit(1); });
