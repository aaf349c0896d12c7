'use strict';
// Connection floods and slow clients (issue 13's H5): one client address cannot hold more than
// its share of the API listener, a client that sends its request too slowly (slowloris) or
// not at all is disconnected, and the server keeps answering everyone else throughout. The
// flooding clients use other loopback addresses (127.0.0.2, .3) than the test's own calls.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const h = require('./helpers');

const PER_SOURCE = 20;
const TIMEOUT_S = 2;
const IDLE_S = 5;
let server;
before(async () => {
  server = await h.startServer({ delayMs: 0, extraArgs: ['--max-connections-per-source', String(PER_SOURCE), '--request-timeout-s', String(TIMEOUT_S), '--idle-timeout-s', String(IDLE_S)] });
});
after(async () => { if (server) await server.destroy(); });

const alive = async () => assert.equal((await h.rawV1(server, 'DescribeRegions', {})).status, 200, 'the server still answers');

// Opens a connection from `from`; resolves with the socket and a promise of its close time.
function open(from, srv = server) {
  return new Promise((resolve) => {
    const s = net.connect({ port: srv.port, host: '127.0.0.1', localAddress: from });
    s.whenClosed = new Promise((r) => s.on('close', () => r(Date.now())));
    s.on('error', () => {});
    s.on('connect', () => resolve(s));
    s.whenClosed.then(() => resolve(s));
  });
}

test('one address holds at most its share of connections; the others are closed, and the API answers', async () => {
  const sockets = await Promise.all(Array.from({ length: 3 * PER_SOURCE }, () => open('127.0.0.2')));
  await h.sleep(500);
  const stillOpen = sockets.filter((s) => !s.destroyed && s.readyState === 'open');
  assert.equal(stillOpen.length, PER_SOURCE, `${stillOpen.length} of ${sockets.length} connections from one address stay open`);
  await alive();
  // The ones kept still work as HTTP connections (they are ordinary clients, only many).
  for (const s of sockets) s.destroy();
  await h.sleep(200);
  const again = await Promise.all(Array.from({ length: PER_SOURCE }, () => open('127.0.0.2')));
  await h.sleep(300);
  assert.equal(again.filter((s) => s.readyState === 'open').length, PER_SOURCE, 'closed connections free their places');
  for (const s of again) s.destroy();
});

test('a slowloris (a header byte at a time) and an idle connection are closed after the request timeout', async () => {
  const slow = await open('127.0.0.3');
  const idle = await open('127.0.0.3');
  const t0 = Date.now();
  slow.write('GET /?Action=DescribeRegions HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => { if (!slow.destroyed) slow.write('X'); }, 200);
  const [slowClosed, idleClosed] = await Promise.race([
    Promise.all([slow.whenClosed, idle.whenClosed]),
    h.sleep(TIMEOUT_S * 1000 + 5000).then(() => [0, 0]),
  ]);
  clearInterval(drip);
  assert.ok(slowClosed && idleClosed, 'both connections were closed by the server');
  console.log(`# slowloris closed after ${slowClosed - t0} ms, idle after ${idleClosed - t0} ms (timeout ${TIMEOUT_S} s)`);
  assert.ok(slowClosed - t0 >= TIMEOUT_S * 1000 - 200, 'not before the timeout');
  await alive();
});

test('a keep-alive connection may wait the announced idle timeout between requests, longer than the request timeout', async () => {
  // A client that pauses between calls (a script waiting on SSH) reuses its connection; the
  // server closes it only after the idle timeout it announced, so Node's agent drops it first.
  const s = await open('127.0.0.6');
  let got = '';
  s.on('data', (d) => { got += d.toString(); });
  const ask = async () => {
    got = '';
    s.write('GET /?Action=DescribeRegions HTTP/1.1\r\nHost: x\r\n\r\n');
    const whole = () => {  // the header and as many body bytes as it says
      const end = got.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(got);
      return end >= 0 && length && Buffer.byteLength(got) >= end + 4 + Number(length[1]);
    };
    await h.waitFor(async () => whole(), 5000);
    return got;
  };
  assert.match(await ask(), new RegExp(`keep-alive: timeout=${IDLE_S}\r\n`, 'i'), 'the answer announces the idle timeout');
  await h.sleep(TIMEOUT_S * 1000 + 1000);
  assert.ok(!s.destroyed, 'still open past the request timeout');
  assert.match(await ask(), /^HTTP\/1\.1 /, 'a second request on the same connection is answered');
  const t0 = Date.now();
  const closed = await Promise.race([s.whenClosed, h.sleep(IDLE_S * 1000 + 5000).then(() => 0)]);
  assert.ok(closed, 'closed after the idle timeout');
  console.log(`# idle keep-alive connection closed after ${closed - t0} ms (idle timeout ${IDLE_S} s)`);
  assert.ok(closed - t0 >= IDLE_S * 1000 - 200, 'not before the idle timeout');
});

test('under a descriptor limit the caps shrink to fit it, and a flood from one address leaves room for others', async () => {
  // ecsd under RLIMIT_NOFILE 128 (soft and hard): one listener may hold 32, one address 4.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-nofile-'));
  const wrapper = path.join(dir, 'ecsd');
  fs.writeFileSync(wrapper, `#!/bin/sh\nexec prlimit --nofile=128:128 -- ${h.BIN} "$@"\n`, { mode: 0o755 });
  const small = await h.startServer({ delayMs: 0, bin: wrapper });
  try {
    const flood = [];
    for (let i = 0; i < 40; i += 1) flood.push(open(`127.0.0.${4 + (i % 2)}`, small));
    const sockets = await Promise.all(flood);
    await h.sleep(500);
    const held = sockets.filter((s) => s.readyState === 'open').length;
    assert.equal(held, 8, `${held} of 40 connections from two addresses were kept (4 each)`);
    assert.equal((await h.rawV1(small, 'DescribeRegions', {})).status, 200, 'the server still answers under the flood');
    for (const s of sockets) s.destroy();
  } finally {
    await small.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
