'use strict';
// A minimal noVNC-style client for the system tests: opens a VNC-over-websocket URL (as
// DescribeInstanceVncUrl returns it), speaks RFB 3.8 with VNC password authentication, and
// reads the ServerInit (screen size and desktop name). DES for the VNC challenge comes from the
// openssl command (OpenSSL 3 keeps DES in its legacy provider, which Node does not load).
const crypto = require('node:crypto');
const net = require('node:net');
const { execFileSync } = require('node:child_process');

function vncDes(password, challenge) {
  const key = Buffer.alloc(8);
  Buffer.from(password, 'latin1').copy(key, 0, 0, 8);
  for (let i = 0; i < 8; i++) {  // VNC reverses the bits of every key byte
    let b = key[i], r = 0;
    for (let j = 0; j < 8; j++) { r = (r << 1) | (b & 1); b >>= 1; }
    key[i] = r;
  }
  return execFileSync('openssl', ['enc', '-des-ecb', '-nopad', '-K', key.toString('hex'),
    '-provider', 'legacy', '-provider', 'default'], { input: challenge });
}

// Returns { securityTypes, authResult, width, height, name }; authResult 0 means accepted.
function vncLogin(url, password, timeoutMs = 10000) {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('VNC timeout')); }, timeoutMs);
    let raw = Buffer.alloc(0);   // bytes off the socket
    let data = Buffer.alloc(0);  // websocket payload bytes
    let upgraded = false;
    let waiter = null;
    const out = {};
    const send = (payload) => {  // one masked binary frame
      const mask = crypto.randomBytes(4);
      const masked = Buffer.from(payload).map((b, i) => b ^ mask[i % 4]);
      sock.write(Buffer.concat([Buffer.from([0x82, 0x80 | masked.length]), mask, masked]));
    };
    const need = (n) => new Promise((res) => { waiter = { n, res }; pump(); });
    function pump() {
      if (!upgraded) {
        const end = raw.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = raw.subarray(0, end).toString('latin1');
        if (!/^HTTP\/1\.1 101/.test(head)) { clearTimeout(timer); sock.destroy(); reject(new Error(`no websocket upgrade: ${head}`)); return; }
        raw = raw.subarray(end + 4);
        upgraded = true;
      }
      for (;;) {  // unwrap complete server frames (never masked)
        if (raw.length < 2) break;
        let len = raw[1] & 0x7f, off = 2;
        if (len === 126) { if (raw.length < 4) break; len = raw.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (raw.length < 10) break; len = Number(raw.readBigUInt64BE(2)); off = 10; }
        if (raw.length < off + len) break;
        data = Buffer.concat([data, raw.subarray(off, off + len)]);
        raw = raw.subarray(off + len);
      }
      if (waiter && data.length >= waiter.n) {
        const chunk = data.subarray(0, waiter.n);
        data = data.subarray(waiter.n);
        const w = waiter; waiter = null; w.res(chunk);
      }
    }
    sock.on('data', (d) => { raw = Buffer.concat([raw, d]); pump(); });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
    sock.on('connect', async () => {
      sock.write(`GET ${u.pathname || '/'} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n` +
        'Sec-WebSocket-Protocol: binary\r\n\r\n');
      try {
        out.version = (await need(12)).toString('latin1');
        send(Buffer.from('RFB 003.008\n'));
        const n = (await need(1))[0];
        out.securityTypes = [...(await need(n))];
        if (!out.securityTypes.includes(2)) throw new Error(`no VNC auth offered: ${out.securityTypes}`);
        send(Buffer.from([2]));
        send(vncDes(password, await need(16)));
        out.authResult = (await need(4)).readUInt32BE(0);
        if (out.authResult === 0) {
          send(Buffer.from([1]));  // ClientInit, shared
          const init = await need(24);
          out.width = init.readUInt16BE(0);
          out.height = init.readUInt16BE(2);
          out.name = (await need(init.readUInt32BE(20))).toString('utf8');
        }
        clearTimeout(timer);
        sock.destroy();
        resolve(out);
      } catch (e) { clearTimeout(timer); sock.destroy(); reject(e); }
    });
  });
}

module.exports = { vncLogin };
