'use strict';
// rps.js — requests/second of v1-signed GET DescribeRegions over keep-alive connections.
//
// Usage: node bench/rps.js [--connections 32] [--requests 100000] [--warmup 2000]
//                          [--action DescribeRegions] [--endpoint 127.0.0.1:PORT]
//                          [--delay-ms 50] [--bin build/bin/ecsd]
//
// Without --endpoint it starts its own `ecsd dev` (fake driver) on a free port and stops it at
// the end; with --endpoint it targets a running server whose root AccessKey is
// OPENECS_ACCESS_KEY_ID / OPENECS_ACCESS_KEY_SECRET (default testAK / testSecret).
// Every request carries its own SignatureNonce (the server rejects replays), so all signed URLs
// are computed before the clock starts: signing cost is outside the measurement.
// Prints: requests, errors (non-200), elapsed seconds, requests/second, latency percentiles and
// the server's RSS (when it started the server).
const http = require('node:http');
const { h, parseArgs, summary, fmt, fmtSummary, rssOf, nowMs, startEcsd } = require('./common');

async function main() {
  const opt = parseArgs({ connections: 32, requests: 100000, warmup: 2000, action: 'DescribeRegions', delayMs: 50 });
  const connections = Number(opt.connections);
  const total = Number(opt.requests);
  const warmup = Number(opt.warmup);

  let server;
  let target;
  if (opt.endpoint) {
    const [host, port] = String(opt.endpoint).split(':');
    target = { host, port: Number(port), ak: process.env.OPENECS_ACCESS_KEY_ID || h.AK, secret: process.env.OPENECS_ACCESS_KEY_SECRET || h.SECRET };
  } else {
    server = await startEcsd({ bin: opt.bin, delayMs: opt.delayMs });
    target = { host: '127.0.0.1', port: server.port, ak: server.ak, secret: server.secret };
  }

  const params = opt.action === 'DescribeRegions' ? {} : { RegionId: h.REGION };
  const t0 = nowMs();
  const paths = new Array(warmup + total);
  for (let i = 0; i < paths.length; i++) {
    paths[i] = `/?${h.v1Query(opt.action, params, { ak: target.ak, secret: target.secret })}`;
  }
  console.log(`# pre-signed ${paths.length} URLs in ${fmt((nowMs() - t0) / 1000)} s`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const send = (p) => new Promise((resolve) => {
    const req = http.request({ host: target.host, port: target.port, path: p, method: 'GET', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.end();
  });

  let next = 0;
  const run = async (limit, lat, errors) => {
    const loop = async () => {
      for (;;) {
        const i = next++;
        if (i >= limit) return;
        const s = nowMs();
        const code = await send(paths[i]);
        if (lat) lat.push(nowMs() - s);
        if (code !== 200) errors.count++;
      }
    };
    await Promise.all(Array.from({ length: connections }, loop));
    next = limit; // each loop overshoots by one when it sees the end
  };

  const warmErrors = { count: 0 };
  await run(warmup, null, warmErrors);
  const lat = [];
  const errors = { count: 0 };
  const start = nowMs();
  await run(warmup + total, lat, errors);
  const elapsed = (nowMs() - start) / 1000;
  agent.destroy();

  console.log(`action:      ${opt.action} (v1 HMAC-SHA1, GET, keep-alive)`);
  console.log(`connections: ${connections}`);
  console.log(`requests:    ${total} (+${warmup} warm-up, ${warmErrors.count} warm-up errors)`);
  console.log(`errors:      ${errors.count} (non-200)`);
  console.log(`elapsed:     ${fmt(elapsed)} s`);
  console.log(`throughput:  ${fmt(total / elapsed)} requests/second`);
  console.log(`latency:     ${fmtSummary(summary(lat))}`);
  if (server) {
    const m = rssOf(server.pid);
    console.log(`ecsd RSS:    ${m.rssKb} kB (peak ${m.peakKb} kB)`);
    await server.destroy();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
