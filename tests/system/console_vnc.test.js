'use strict';
// System ring: the web console's VNC socket (api/console_endpoint.h) on a real guest of the
// built-in image. A console login (the root AccessKey), the WebSocket to the guest's screen
// (QEMU's password-less second VNC display, spliced by the host agent and the session hub),
// RFB spoken by hand: ServerInit and a framebuffer update arrive, then keys typed on the screen
// log in on tty1 (the image's getty) and run a command whose output lands on the serial
// console, where GetInstanceConsoleOutput reads it. tests/browser does it again through noVNC
// in chromium. Run by tests/system/run inside a network namespace it creates.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const WebSocket = require('../api/node_modules/ws');
const h = require('../api/helpers');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;  // TCG on a loaded 2-core machine
const PASSWORD = 'Vnc-Console-42';
let server, ecs, net;

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR} (scripts/build-image)`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR] });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server));
});
after(async () => { if (server) await server.destroy(); });

async function consoleCookie() {
  const body = JSON.stringify({ AccessKeyId: server.ak, AccessKeySecret: server.secret });
  const r = await h.httpRequest({ port: server.port, method: 'POST', path: '/console/api/login', body,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
  assert.equal(r.status, 200, r.body);
  return r.headers['set-cookie'][0].split(';')[0];
}

// X keysyms for what we type; the shifted ones are sent inside Shift_L down/up, as a keyboard
// would (QEMU maps keysyms to scancodes with a US layout).
const SHIFTED = '~!@#$%^&*()_+{}|:"<>?';
const keysym = (ch) => (ch === '\n' ? 0xff0d : ch.charCodeAt(0));
function keyEvents(text) {
  const out = [];
  const key = (down, sym) => {
    const b = Buffer.alloc(8);
    b[0] = 4; b[1] = down ? 1 : 0; b.writeUInt32BE(sym, 4);
    out.push(b);
  };
  for (const ch of text) {
    const shift = SHIFTED.includes(ch) || (ch >= 'A' && ch <= 'Z');
    if (shift) key(true, 0xffe1);
    key(true, keysym(ch));
    key(false, keysym(ch));
    if (shift) key(false, 0xffe1);
  }
  return Buffer.concat(out);
}

test('the console\'s VNC socket shows a real guest\'s screen and types into it: a login on tty1 runs a command', async () => {
  const [id] = await h.runRunning(ecs, net, { hostName: 'vnc-a', password: PASSWORD }, BOOT_MS);
  await h.waitBooted(ecs, [id], BOOT_MS);
  const cookie = await consoleCookie();
  const t0 = Date.now();
  const ws = new WebSocket(`ws://${server.endpoint}/console/api/vnc?InstanceId=${id}`, { headers: { cookie, origin: `http://${server.endpoint}` } });
  let bytes = Buffer.alloc(0);
  ws.on('message', (d) => { bytes = Buffer.concat([bytes, Buffer.from(d)]); });
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });
  await h.waitFor(async () => bytes.length >= 12, 30000, 20, 'the RFB greeting');
  assert.equal(bytes.subarray(0, 12).toString(), 'RFB 003.008\n');
  ws.send(Buffer.from('RFB 003.008\n'));
  await h.waitFor(async () => bytes.length >= 14, 10000, 20, 'security types');
  assert.deepEqual([...bytes.subarray(12, 14)], [1, 1], 'security None only: the console session is the credential');
  ws.send(Buffer.from([1]));
  await h.waitFor(async () => bytes.length >= 18, 10000, 20, 'SecurityResult');
  assert.equal(bytes.readUInt32BE(14), 0);
  ws.send(Buffer.from([1]));  // ClientInit: shared
  await h.waitFor(async () => bytes.length >= 18 + 24 && bytes.length >= 18 + 24 + bytes.readUInt32BE(18 + 20), 10000, 20, 'ServerInit');
  const width = bytes.readUInt16BE(18), height = bytes.readUInt16BE(20);
  const nameLength = bytes.readUInt32BE(18 + 20);
  console.log(`# console VNC on a TCG guest: ServerInit ${width}x${height} "${bytes.subarray(42, 42 + nameLength)}" ${Date.now() - t0} ms after the upgrade`);
  assert.ok(width >= 320 && height >= 200);
  const initEnd = 18 + 24 + nameLength;
  // A whole-screen update request: a FramebufferUpdate (type 0) comes back.
  const request = Buffer.alloc(10);
  request[0] = 3; request[1] = 0; request.writeUInt16BE(width, 6); request.writeUInt16BE(height, 8);
  ws.send(request);
  await h.waitFor(async () => bytes.length > initEnd + 4, 30000, 20, 'a framebuffer update');
  assert.equal(bytes[initEnd], 0, 'FramebufferUpdate');

  const consoleText = async () => Buffer.from(h.wire(await ecs.getInstanceConsoleOutput(
    new Ecs.GetInstanceConsoleOutputRequest({ regionId: h.REGION, instanceId: id }))).ConsoleOutput, 'base64').toString();
  // getty may still be starting on tty1 right after boot: log in until the command's line shows.
  await h.waitFor(async () => {
    ws.send(keyEvents('\n'));
    await h.sleep(1500);
    ws.send(keyEvents('root\n'));
    await h.sleep(2500);
    ws.send(keyEvents(`${PASSWORD}\n`));
    await h.sleep(3000);
    ws.send(keyEvents('echo vnc-typed-$((6*7)) >/dev/ttyS0\n'));
    await h.sleep(2000);
    return /vnc-typed-42/.test(await consoleText());
  }, BOOT_MS, 0, 'the command typed over VNC wrote vnc-typed-42 on the serial console');
  console.log(`# console VNC: logged in and ran a command by keystrokes ${Date.now() - t0} ms after the upgrade`);
  ws.close();
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
});
