'use strict';
// `ecsd dev` checks at start every program its driver and network mode need (the list in
// scripts/host-programs) and refuses to start, naming the Debian package of each missing one:
// never a silent fallback from real guests to the emulator. The emulator (--driver fake) needs
// none of them.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync } = require('node:child_process');
const h = require('./helpers');

const ECSD = process.env.ECSD_BIN || path.resolve(__dirname, '../../build/bin/ecsd');

test('a host without QEMU refuses to start the qemu driver and says which packages to install', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-preflight-'));
  try {
    // An empty PATH: none of the host programs can be found.
    const r = spawnSync(ECSD, ['dev', '--data-dir', dir, '--listen', '127.0.0.1:0', '--network', 'user'],
      { env: { PATH: path.join(dir, 'no-bin') }, encoding: 'utf8', timeout: 20000 });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /this host cannot run real guests/);
    assert.match(r.stderr, /missing qemu-system-x86_64 \(Debian package qemu-system-x86\)/);
    assert.match(r.stderr, /missing qemu-img \(Debian package qemu-utils\)/);
    assert.match(r.stderr, /--driver fake/);
    assert.doesNotMatch(r.stdout, /listening on/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the emulator needs none of them', async () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-preflight-'));
  fs.chmodSync(top, 0o755);
  const dir = path.join(top, 'data');  // made by ecsd
  const ecsd = spawn(ECSD, ['dev', '--driver', 'fake', '--data-dir', dir, '--listen', '127.0.0.1:0'],
    { env: { PATH: path.join(top, 'no-bin') }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  ecsd.stdout.on('data', (d) => { out += d; });
  ecsd.stderr.on('data', (d) => { out += d; });
  try {
    await h.waitFor(async () => /listening on/.test(out) || ecsd.exitCode !== null, 20000, 50, 'the emulator to listen');
    assert.match(out, /driver fake \(emulator mode\)/);
    assert.match(out, new RegExp(`credentials: +${dir}/credentials`), 'an absolute data dir');
    // Secrets live there (root AccessKey, guest passwords): nobody else may read them.
    assert.equal(fs.statSync(dir).mode & 0o777, 0o700, 'data dir 0700');
    for (const f of ['openecs.db', 'credentials', 'agent-token'])
      assert.equal(fs.statSync(path.join(dir, f)).mode & 0o077, 0, `${f} is its owner's only`);
  } finally {
    ecsd.kill('SIGTERM');
    await new Promise((resolve) => (ecsd.exitCode !== null ? resolve() : ecsd.once('exit', resolve)));
    fs.rmSync(top, { recursive: true, force: true });
  }
});
