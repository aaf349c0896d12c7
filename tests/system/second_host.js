'use strict';
// A second host for the system tests that need two (multihost.test.js, rbd.test.js): host 1 is
// the server's embedded agent in the test's namespace; host 2 is an `ecsd agent` in a network
// namespace of its own, with its own /run/netns (a private mount namespace), so the two hosts
// share nothing but a veth pair that plays the underlay (U1 and U2). Host 2 joins over TLS,
// pinning the server's certificate.
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');

const U1 = '192.168.252.1', U2 = '192.168.252.2';

class SecondHost {
  constructor() {
    this.ns = `openecs-h2-${process.pid}`;
  }

  // The underlay: U1 on this namespace's end of the veth, U2 on host 2's.
  addUnderlay() {
    execFileSync('ip', ['netns', 'add', this.ns]);
    execFileSync('ip', ['link', 'add', 'oetest-u1', 'type', 'veth', 'peer', 'name', 'u2', 'netns', this.ns]);
    execFileSync('ip', ['addr', 'add', `${U1}/24`, 'dev', 'oetest-u1']);
    execFileSync('ip', ['link', 'set', 'oetest-u1', 'up']);
    for (const args of [['addr', 'add', `${U2}/24`, 'dev', 'u2'], ['link', 'set', 'u2', 'up'], ['link', 'set', 'lo', 'up']])
      execFileSync('ip', ['-n', this.ns, ...args]);
  }

  // What host 1's server needs to take host 2: listen on every address, TLS for the agent link.
  async serverOptions(extraArgs) {
    this.tlsPort = await h.freePort();
    return { driver: 'qemu', listenHost: '0.0.0.0',
      extraArgs: [...extraArgs, '--network', 'vpc', '--underlay-ip', U1, '--tls-listen', `0.0.0.0:${this.tlsPort}`] };
  }

  // Starts host 2's agent (named `name`, in `zone`, with `extraArgs`), joined to `server`.
  start(server, { name = 'host2', zone = h.ZONE_B, extraArgs = [] } = {}) {
    const pin = fs.readFileSync(path.join(server.dataDir, 'tls', 'server.fingerprint'), 'utf8').trim();
    this.dataDir = path.join(server.root, name);
    const log = fs.openSync(path.join(server.root, `${name}.log`), 'a');
    this.agent = spawn('ip', ['netns', 'exec', this.ns, 'unshare', '--mount', '--propagation', 'private',
      'sh', '-c', 'mount -t tmpfs tmpfs /run/netns && exec "$0" "$@"',
      h.BIN, 'agent', '--server', `https://${U1}:${this.tlsPort}`, '--server-fingerprint', pin,
      '--token-file', path.join(server.dataDir, 'agent-token'),
      '--zone', zone, '--name', name, '--driver', 'qemu', '--network', 'vpc',
      '--underlay-ip', U2, '--data-dir', this.dataDir, ...extraArgs], { stdio: ['ignore', log, log] });
    fs.closeSync(log);
  }

  // True if the guest's QEMU runs on host 2 (its command line names host 2's data dir).
  runs(instanceId) {
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmd = '';
      try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
      if (cmd.includes(`process=openecs-${instanceId}`)) return !!this.dataDir && cmd.includes(`${this.dataDir}/`);
    }
    return false;
  }

  // The data dirs of the hosts running the guest's QEMU now (one per QEMU process).
  qemuDirs(instanceId) {
    const out = [];
    for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let cmd = '';
      try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8'); } catch { continue; }
      if (cmd.includes(`process=openecs-${instanceId}`)) out.push(this.dataDir && cmd.includes(`${this.dataDir}/`) ? 'host2' : 'host1');
    }
    return out.sort();
  }

  // Host 2's agent alone, as a crash would take it: its guests and dnsmasq keep running.
  killAgent() {
    if (this.agent) this.agent.kill('SIGKILL');
    this.agent = null;
  }

  // Host 2's agent, guests and dnsmasq, then the underlay; its namespaces go with its mount
  // namespace.
  stop() {
    if (this.agent) this.agent.kill('SIGKILL');
    if (this.dataDir) {
      spawnSync('pkill', ['-KILL', '-f', `qemu-system.*${this.dataDir}/`]);
      spawnSync('pkill', ['-f', `dnsmasq --conf-file=${this.dataDir}/`]);
    }
  }

  removeUnderlay() {
    spawnSync('ip', ['netns', 'del', this.ns]);
    spawnSync('ip', ['link', 'del', 'oetest-u1']);
  }
}

module.exports = { U1, U2, SecondHost };
