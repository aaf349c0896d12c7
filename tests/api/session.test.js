'use strict';
// Session Manager in the emulator, through the official SDK and a WebSocket (npm `ws`):
// StartTerminalSession, the shell behind WebSocketUrl (the fake hypervisor's emulated shell,
// hypervisor/fake/fake_driver.h), EndTerminalSession, DescribeTerminalSessions, and what is
// refused. tests/system/session.test.js does the same on a real guest.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const h = require('./helpers');

const { Ecs, REGION } = h;
let server, ecs, network, running, stopped;

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  network = await h.createNetwork(ecs, h.vpcClient(server));
  [running, stopped] = await h.runRunning(ecs, network, { amount: 2 });
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: stopped, forceStop: true }));
  await h.waitStatus(ecs, [stopped], 'Stopped');
});
after(async () => { if (server) await server.destroy(); });

const start = async (instanceId, extra = {}) => h.wire(await ecs.startTerminalSession(
  new Ecs.StartTerminalSessionRequest({ regionId: REGION, instanceId: [instanceId], ...extra })));
const end = (sessionId) => ecs.endTerminalSession(new Ecs.EndTerminalSessionRequest({ regionId: REGION, sessionId }));
const sessions = async (extra = {}) => h.wire(await ecs.describeTerminalSessions(
  new Ecs.DescribeTerminalSessionsRequest({ regionId: REGION, ...extra }))).Sessions.Session;

// Opens a WebSocket; resolves with { ws, text(), closed } once open, or rejects with the HTTP
// status of a refused upgrade.
function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let out = '';
    const closed = new Promise((r) => ws.on('close', (code, reason) => r({ code, reason: reason.toString() })));
    ws.on('message', (data) => { out += data.toString(); });
    ws.on('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', (e) => reject(e));
    ws.on('open', () => resolve({ ws, text: () => out, closed }));
  });
}

async function sawText(conn, re, ms = 10000) {
  await h.waitFor(async () => re.test(conn.text()), ms, 20, `${re} in ${JSON.stringify(conn.text())}`);
}

test('StartTerminalSession: a shell in the guest over the WebSocket; EndTerminalSession closes it', async () => {
  const t0 = Date.now();
  const s = await start(running);
  assert.match(s.SessionId, /^s-/);
  assert.ok(s.SecurityToken.length >= 32);
  assert.equal(s.WebSocketUrl, `ws://${server.endpoint}/openecs/session/v1/${s.SessionId}?token=${s.SecurityToken}`);
  const conn = await open(s.WebSocketUrl);
  conn.ws.send('echo hello-session\r');
  await sawText(conn, /\r\nhello-session\r\n/);
  console.log(`connect + first answer: ${Date.now() - t0} ms`);
  let row = (await sessions({ sessionId: s.SessionId }))[0];
  assert.equal(row.Connections.Connection[0].Status, 'Connected');
  assert.equal(row.Connections.Connection[0].InstanceId, running);
  assert.equal(row.Username, 'root');
  assert.equal(row.IdentityType, 'Account');
  assert.equal(row.ClientIP, '127.0.0.1');
  // A second session on the same guest waits for this one to end.
  await h.expectError(start(running), 'SessionLimitExceeded', 403);

  await end(s.SessionId);
  const closed = await conn.closed;
  assert.equal(closed.code, 1000);
  row = (await sessions({ sessionId: s.SessionId }))[0];
  const c = row.Connections.Connection[0];
  assert.equal(c.Status, 'Closed');
  assert.equal(c.ClosedReason, 'ended');
  assert.ok(c.StartTime && c.EndTime && row.CreationTime);
  await end(s.SessionId);  // ending it again is fine
  // Once closed, its URL opens nothing.
  await assert.rejects(open(s.WebSocketUrl), (e) => e.status === 409);
});

test('the user closing the WebSocket closes the session; CommandLine is typed first', async () => {
  const s = await start(running, { commandLine: 'echo from-command-line' });
  const conn = await open(s.WebSocketUrl);
  await sawText(conn, /from-command-line\r\n/);
  conn.ws.close();
  await conn.closed;
  await h.waitFor(async () => (await sessions({ sessionId: s.SessionId }))[0].Connections.Connection[0].Status === 'Closed',
    5000, 50, 'session closed');
  const c = (await sessions({ sessionId: s.SessionId }))[0].Connections.Connection[0];
  assert.equal(c.ClosedReason, 'user');
});

test('keystroke round trip over the WebSocket', async () => {
  const s = await start(running);
  const conn = await open(s.WebSocketUrl);
  const times = [];
  for (let i = 0; i < 20; i++) {
    const before = conn.text().length;
    const t = process.hrtime.bigint();
    conn.ws.send('x');
    await h.waitFor(async () => conn.text().length > before, 5000, 1, 'echo of a keystroke');
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  console.log(`keystroke round trip (emulated shell): median ${times[10].toFixed(2)} ms, max ${times[19].toFixed(2)} ms`);
  await end(s.SessionId);
  await conn.closed;
});

test('a wrong or missing token is refused at the upgrade; unknown sessions are 404', async () => {
  const s = await start(running);
  const base = s.WebSocketUrl.split('?')[0];
  await assert.rejects(open(`${base}?token=wrong`), (e) => e.status === 401);
  await assert.rejects(open(base), (e) => e.status === 401);
  await assert.rejects(open(`ws://${server.endpoint}/openecs/session/v1/s-nosuch?token=x`), (e) => e.status === 404);
  // A plain GET is no upgrade.
  const plain = await h.httpRequest({ port: server.port, path: `/openecs/session/v1/${s.SessionId}?token=${s.SecurityToken}` });
  assert.equal(plain.status, 400);
  // The right token still works after the refusals, once.
  const conn = await open(s.WebSocketUrl);
  await assert.rejects(open(s.WebSocketUrl), (e) => e.status === 409);
  conn.ws.send('echo still-here\r');
  await sawText(conn, /still-here\r\n/);
  await end(s.SessionId);
  await conn.closed;
});

test('refused: stopped instance, unknown instance, port forwarding, other users, unknown session', async () => {
  await h.expectError(start(stopped), 'IncorrectInstanceStatus', 403);
  await h.expectError(start('i-nosuch'), 'InvalidInstanceId.NotFound', 404);
  await h.expectError(start(running, { portNumber: 22 }), 'InvalidParameter', 400);
  await h.expectError(start(running, { targetServer: '10.0.0.1' }), 'InvalidParameter', 400);
  await h.expectError(start(running, { username: 'admin' }), 'InvalidParameter', 400);
  await h.expectError(end('s-nosuch'), 'InvalidSessionId.NotFound', 404);
  assert.deepEqual(await sessions({ sessionId: 's-nosuch' }), []);
});

test('DescribeTerminalSessions: by instance, newest first, paged with NextToken', async () => {
  const all = await sessions({ instanceId: running, maxResults: 100 });
  assert.ok(all.length >= 4);
  assert.ok(all.every((r) => r.Connections.Connection[0].InstanceId === running));
  const first = h.wire(await ecs.describeTerminalSessions(new Ecs.DescribeTerminalSessionsRequest({ regionId: REGION, maxResults: 2 })));
  assert.equal(first.Sessions.Session.length, 2);
  assert.ok(first.NextToken);
  const second = h.wire(await ecs.describeTerminalSessions(new Ecs.DescribeTerminalSessionsRequest({ regionId: REGION, maxResults: 2, nextToken: first.NextToken })));
  assert.notEqual(second.Sessions.Session[0].SessionId, first.Sessions.Session[0].SessionId);
  assert.ok(all[0].CreationTime >= all[all.length - 1].CreationTime);
});

test('a session whose instance stops is closed', async () => {
  const s = await start(running);
  const conn = await open(s.WebSocketUrl);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: running, forceStop: true }));
  const closed = await conn.closed;
  assert.ok([1000, 1006].includes(closed.code));
  await h.waitFor(async () => (await sessions({ sessionId: s.SessionId }))[0].Connections.Connection[0].Status === 'Closed',
    10000, 50, 'session closed');
});
