'use strict';
// System ring: Session Manager on a real guest of the built-in image: StartTerminalSession, a
// root shell on the guest's session console (/dev/hvc0, a virtconsole; image/rootfs/etc/inittab)
// through the WebSocketUrl, with no SSH and no public address; EndTerminalSession. Run by
// tests/system/run inside a network namespace it creates.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const WebSocket = require('../api/node_modules/ws');
const h = require('../api/helpers');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;  // TCG on a loaded 2-core machine
let server, ecs, net, id;
const wire = (res) => res.body.toMap();

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR} (scripts/build-image)`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR] });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server));
});
after(async () => { if (server) await server.destroy(); });

function open(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let out = '';
    const closed = new Promise((r) => ws.on('close', (code) => r(code)));
    ws.on('message', (data) => { out += data.toString(); });
    ws.on('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('open', () => resolve({ ws, text: () => out, closed }));
  });
}

const start = async () => wire(await ecs.startTerminalSession(new Ecs.StartTerminalSessionRequest({ regionId: h.REGION, instanceId: [id] })));
const end = (sessionId) => ecs.endTerminalSession(new Ecs.EndTerminalSessionRequest({ regionId: h.REGION, sessionId }));

test('a root shell in a real guest over the WebSocket: hostname; echo $((6*7)) reads 42', async () => {
  [id] = await h.runRunning(ecs, net, { hostName: 'sm-a' }, BOOT_MS);
  await h.waitBooted(ecs, [id], BOOT_MS);
  const t0 = Date.now();
  const s = await start();
  const conn = await open(s.WebSocketUrl);
  console.log(`# StartTerminalSession to open WebSocket: ${Date.now() - t0} ms`);
  // The shell may still be starting right after boot: type until it answers (2 s on an idle
  // machine; 40 s and more seen with the sanitizer ring running beside it).
  await h.waitFor(async () => {
    conn.ws.send('hostname; echo $((6*7))\n');
    await h.sleep(1000);
    return /sm-a\r?\n42\r?\n/.test(conn.text());
  }, BOOT_MS, 0, `the guest's shell answered (got ${JSON.stringify(conn.text().slice(-300))})`);
  console.log(`# StartTerminalSession to the first answer: ${Date.now() - t0} ms`);

  // Keystroke round trip: one character typed, its echo back from the guest's tty.
  const times = [];
  for (let i = 0; i < 10; i++) {
    const before = conn.text().length;
    const t = process.hrtime.bigint();
    conn.ws.send('x');
    await h.waitFor(async () => conn.text().length > before, 10000, 1, 'echo of a keystroke');
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  conn.ws.send('\x15');  // Ctrl-U: the x's go
  times.sort((a, b) => a - b);
  console.log(`# keystroke round trip on a TCG guest: median ${times[5].toFixed(1)} ms, max ${times[9].toFixed(1)} ms`);

  // Ctrl-C reaches what runs in the shell (hvc0 is its controlling terminal).
  conn.ws.send('sleep 100; echo slept\n');
  await h.sleep(500);
  conn.ws.send('\x03');
  conn.ws.send('echo after-ctrl-c\n');
  await h.waitFor(async () => /after-ctrl-c\r?\n/.test(conn.text().split('echo after-ctrl-c').slice(1).join('')), 20000, 100, 'Ctrl-C ended sleep');
  assert.ok(!/slept/.test(conn.text().replace('echo slept', '')));

  await end(s.SessionId);
  assert.equal(await conn.closed, 1000);
});

test('a second session after the first ended gets the console again', async () => {
  const s = await start();
  const conn = await open(s.WebSocketUrl);
  await h.waitFor(async () => {
    conn.ws.send('echo second-$((1+1))\n');
    await h.sleep(1000);
    return /second-2\r?\n/.test(conn.text());
  }, 120000, 0, `second session answered (got ${JSON.stringify(conn.text().slice(-300))})`);
  conn.ws.close();
  await conn.closed;
  await h.waitFor(async () => {
    const row = wire(await ecs.describeTerminalSessions(new Ecs.DescribeTerminalSessionsRequest({ regionId: h.REGION, sessionId: s.SessionId }))).Sessions.Session[0];
    return row.Connections.Connection[0].Status === 'Closed';
  }, 10000, 100, 'session closed');
});
