'use strict';
// scale.js — the control plane's figures at scale (issue 20), side by side on this machine:
//   sqlite1   `ecsd dev` on SQLite with its embedded host (the single-server run);
//   sqlite    `ecsd dev --no-local-agent` on SQLite, N hosts simulated by one
//             `ecsd agent --simulate-hosts N` process;
//   postgres  the same on PostgreSQL (needs OPENECS_TEST_PG: scripts/postgres prints it).
//
// Usage: node bench/scale.js [--hosts 1000] [--instances 10000] [--sides sqlite1,sqlite,postgres]
//                            [--batch 1000] [--describe-calls 200] [--host-vcpus N] [--bin PATH]
//                            [--settle 120]
//
// Each side, on a fresh server:
//  1. launches: `batch` instances as RunInstances Amount=100, sequential calls and then all at
//     once, with the fake hypervisor's delay at 0 and then at 50 ms per step (the server, and
//     the simulating agent, restarted with it): instances/s from the first call until all are
//     Running, and every RunInstances' accept time;
//  2. the scheduler's decision time per instance placed (openecs_scheduler_seconds_total over
//     openecs_scheduler_placements_total: the capacity snapshot, the filters and the weigher);
//  3. grows the cloud to `instances` (RunInstances Amount=100, four calls in flight, a /16
//     vSwitch per 60,000), waits until all are Running and prints the rate every 10,000;
//  4. DescribeInstances PageSize=100 over every page: pre-signed v1 GETs on one keep-alive
//     connection (the server's time plus loopback), and the typed SDK (ACS3: signing, parsing);
//     then the raw GETs again (five times as many) after `settle` seconds without calls;
//  5. ecsd's VmRSS per 10,000 instances (what it grew by from the empty cloud); 200
//     RunInstances Amount=1 one at a time (a user's usual call: its accept time, and the
//     server's part of it); a restart:
//     how long the server takes to load the cloud and answer again;
//  6. on the quiet cloud, three StopInstance calls 2 s apart: ms until Stopped (how long a host
//     agent takes to hear of a change) and the "changed" pulls each cost; and from the delay-0
//     rows, the pulls, desired-state bytes and state commits per instance, and a commit's time
//     (and the lock's) on average.
// Hosts get --host-vcpus vCPUs each (default: room for twice the instances); the embedded host
// gets the room of all of them. Prints figures; asserts nothing (bench/README.md).
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { h, parseArgs, summary, fmt, rssOf, nowMs, startEcsd } = require('./common');

const { Ecs, Vpc, REGION, wire } = h;
const { RuntimeOptions } = require(path.join(__dirname, '..', 'tests', 'api', 'node_modules', '@darabonba', 'typescript'));
const SINGLES = 200;  // RunInstances Amount=1 calls on the grown cloud
const SIDES = {
  sqlite1: { label: 'SQLite, 1 host', store: 'sqlite', simulate: false },
  sqlite: { label: 'SQLite, N hosts', store: 'sqlite', simulate: true },
  postgres: { label: 'PostgreSQL, N hosts', store: 'postgres', simulate: true },
};

// The server's counters named in `names` (summed over labels).
async function counters(server, names) {
  const r = await h.httpRequest({ port: server.port, method: 'GET', path: '/metrics' });
  const out = {};
  for (const line of r.body.split('\n')) {
    const m = /^([a-z_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m || !names.includes(m[1])) continue;
    const key = m[1] + (m[2] ? m[2].replace(/[^a-z=]/g, '').replace(/^[a-z]+=/, ':') : '');
    out[key] = (out[key] || 0) + Number(m[3]);
  }
  return out;
}
const METRICS = ['openecs_scheduler_seconds_total', 'openecs_scheduler_placements_total',
  'openecs_agent_pull_requests_total', 'openecs_agent_desired_bytes_total',
  'openecs_state_commit_seconds_count', 'openecs_state_commit_seconds_sum', 'openecs_state_write_lock_seconds_sum',
  'openecs_state_write_lock_seconds_count'];
const diff = (a, b) => Object.fromEntries(Object.keys(b).map((k) => [k, b[k] - (a[k] || 0)]));

function cpuOf(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

// One v1 GET on a keep-alive agent: { ms, status, bytes }.
function rawGet(server, agent, path) {
  const s = nowMs();
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: server.port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c) => { bytes += c.length; });
      res.on('end', () => resolve({ ms: nowMs() - s, status: res.statusCode, bytes }));
    });
    req.on('error', reject);
  });
}

class Side {
  constructor(opt, key) {
    this.opt = opt;
    this.key = key;
    this.def = SIDES[key];
    this.hosts = this.def.simulate ? Number(opt.hosts) : 1;
    this.out = { label: this.def.label.replace('N hosts', `${this.hosts} hosts`), launches: {} };
    this.server = null;
    this.agents = null;
  }

  // The server (and the simulating agent) with the fake hypervisor's delay at `delayMs`.
  async start(delayMs) {
    const o = this.opt;
    if (!this.server) {
      const extraArgs = this.def.simulate ? ['--no-local-agent']
        : ['--fake-host-vcpus', String(o.hostVcpus * Number(o.hosts))];
      this.server = await startEcsd({ bin: o.bin, delayMs, extraArgs, store: this.def.store });
    } else {
      this.server.delayMs = delayMs;
      const t = nowMs();
      await this.server.restart();
      this.restartMs = nowMs() - t;
    }
    if (this.def.simulate) {
      if (this.agents) await this.agents.stop();
      const t = nowMs();
      this.agents = new h.AgentProcess(this.server, 'sim', ['--simulate-hosts', String(this.hosts),
        '--fake-host-vcpus', String(o.hostVcpus), '--fake-delay-ms', String(delayMs)]);
      this.agentStarts = (this.agentStarts || 0) + 1;
      // Every host registered by this agent process (it prints a line when all are), and up.
      const started = () => (fs.readFileSync(this.agents.logFile, 'utf8').match(/^OpenECS agent: /gm) || []).length;
      await h.waitFor(async () => started() >= this.agentStarts, 1800000, 250, `${this.hosts} hosts registered`);
      await h.waitFor(async () => {
        const hosts = (await h.operatorCall(this.server, 'GET', 'hosts')).Hosts || [];
        return hosts.length === this.hosts && hosts.every((x) => x.State === 'Up');
      }, 600000, 250, `${this.hosts} hosts up`);
      if (this.out.registered === undefined) this.out.registered = nowMs() - t;
      else this.out.reregistered = nowMs() - t;
    }
    this.ecs = h.ecsClient(this.server, { readTimeout: 300000, connectTimeout: 60000 });
  }

  async stop() {
    if (this.agents) await this.agents.stop();
    if (this.server) await this.server.destroy();
  }

  async network() {
    const vpc = h.vpcClient(this.server);
    this.net = await h.createNetwork(this.ecs, vpc, { vpcCidr: '10.0.0.0/8', vswCidr: '10.0.0.0/16', name: 'scale' });
    this.vswitches = [this.net.vSwitchId];
    this.sgs = [this.net.securityGroupId];
    this.vpc = vpc;
  }

  // Where the next 100 go: a vSwitch per 60,000 instances, a security group per 2,000.
  async placeFor(made) {
    const v = Math.floor(made / 60000), g = Math.floor(made / 2000);
    while (this.vswitches.length <= v) {
      this.vswitches.push(await h.createVSwitch(this.vpc, this.net.vpcId, `10.${this.vswitches.length}.0.0/16`));
    }
    while (this.sgs.length <= g) {
      this.sgs.push(wire(await this.ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
        regionId: REGION, vpcId: this.net.vpcId }))).SecurityGroupId);
    }
    return { vSwitchId: this.vswitches[v], securityGroupId: this.sgs[g] };
  }

  async running(tag) {
    return wire(await this.ecs.describeInstances(new Ecs.DescribeInstancesRequest({
      regionId: REGION, status: 'Running', pageSize: 1, ...(tag ? { tag } : {}) }))).TotalCount;
  }

  // `batch` instances, 100 per call, one call after another or all at once.
  async launch(name, parallel) {
    const tag = [{ key: 'phase', value: name }];
    const calls = Math.ceil(Number(this.opt.batch) / 100);
    const lat = [];
    const where = await this.placeFor(this.made);
    const one = async () => {
      const s = nowMs();
      await h.runInstances(this.ecs, where, { amount: 100, tag });
      lat.push(nowMs() - s);
    };
    const t0 = nowMs();
    if (parallel) await Promise.all(Array.from({ length: calls }, one));
    else for (let i = 0; i < calls; i++) await one();
    await h.waitFor(async () => (await this.running(tag)) >= calls * 100, 1800000, 50, `${name}: ${calls * 100} Running`);
    this.made += calls * 100;
    this.out.launches[name] = { perSec: (calls * 100) / ((nowMs() - t0) / 1000), lat: summary(lat) };
    this.accepts.push(...lat);
  }

  // Up to `instances`, four calls in flight; progress every 10,000.
  async grow() {
    const n = Number(this.opt.instances);
    const lat = [];
    let mark = { made: this.made, at: nowMs() };
    const t0 = nowMs();
    while (this.made < n) {
      const wave = [];
      for (let k = 0; k < 4 && this.made < n; k++) {
        const amount = Math.min(100, n - this.made);
        const where = await this.placeFor(this.made);
        this.made += amount;
        wave.push((async () => {
          const s = nowMs();
          await h.runInstances(this.ecs, where, { amount });
          lat.push(nowMs() - s);
        })());
      }
      await Promise.all(wave);
      if (Math.floor(this.made / 10000) > Math.floor(mark.made / 10000) || this.made === n) {
        const secs = (nowMs() - mark.at) / 1000;
        console.error(`  [${this.key}] ${this.made} accepted, ${fmt((this.made - mark.made) / secs)} /s over the last ${this.made - mark.made}; RSS ${fmt(rssOf(this.server.pid).rssKb / 1024)} MiB`);
        mark = { made: this.made, at: nowMs() };
      }
    }
    await h.waitFor(async () => (await this.running()) >= n, 3600000, 500, `${n} Running`);
    // Nothing to grow (--instances at most 4 x --batch): the rows say '-', not 0 or NaN.
    this.out.grow = lat.length ? { perSec: (n - 4 * Number(this.opt.batch)) / ((nowMs() - t0) / 1000), lat: summary(lat) }
      : { perSec: '-', lat: { p99: '-' } };
    this.accepts.push(...lat);
  }

  // `calls` pre-signed v1 GETs over every page, on one keep-alive connection.
  async rawDescribe(calls) {
    const pages = Math.ceil(Number(this.opt.instances) / 100);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const raw = [];
    let bytes = 0;
    for (let i = 0; i < calls; i++) {
      const page = Math.floor((i * pages) / calls) + 1;
      const r = await rawGet(this.server, agent, `/?${h.v1Query('DescribeInstances',
        { RegionId: REGION, PageSize: 100, PageNumber: page }, { ak: this.server.ak, secret: this.server.secret })}`);
      if (r.status !== 200) throw new Error(`DescribeInstances: HTTP ${r.status}`);
      raw.push(r.ms);
      bytes += r.bytes;
    }
    agent.destroy();
    return { raw, bytes };
  }

  async describe() {
    const n = Number(this.opt.instances), calls = Number(this.opt.describeCalls);
    const pages = Math.ceil(n / 100);
    const { raw, bytes } = await this.rawDescribe(calls);
    const sdk = [];
    for (let i = 0; i < calls; i++) {
      const s = nowMs();
      await this.ecs.describeInstances(new Ecs.DescribeInstancesRequest({
        regionId: REGION, pageSize: 100, pageNumber: Math.floor((i * pages) / calls) + 1 }));
      sdk.push(nowMs() - s);
    }
    this.out.describe = { raw: summary(raw), sdk: summary(sdk), kib: bytes / calls / 1024 };
  }

  // The raw calls again once the cloud has been left alone `settle` seconds: the row above is
  // taken just after 100,000 guests came up (their first consoles, OS-up news and metrics
  // samples still arriving); this is the cloud as it runs.
  async describeSettled() {
    await new Promise((r) => setTimeout(r, Number(this.opt.settle) * 1000));
    this.out.settled = summary((await this.rawDescribe(5 * Number(this.opt.describeCalls))).raw);
  }

  // RunInstances Amount=1, one call after another, on the grown cloud: the accept time of the
  // call a user makes most, and the part of it the server spent (x-openecs-handler-us).
  async singles() {
    const lat = [], handler = [];
    const where = await this.placeFor(this.made);
    const runtime = new RuntimeOptions({});
    for (let i = 0; i < SINGLES; i++) {
      const s = nowMs();
      const res = await this.ecs.runInstancesWithOptions(new Ecs.RunInstancesRequest({
        regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, amount: 1, ...where }), runtime);
      lat.push(nowMs() - s);
      handler.push(Number(res.headers['x-openecs-handler-us']) / 1000);
    }
    this.made += lat.length;
    this.out.singles = summary(lat);
    this.out.singlesHandler = summary(handler);
  }

  // Three StopInstance calls on the quiet cloud, one at a time.
  async quietStops() {
    const body = wire(await this.ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 3 })));
    const stops = [];
    const before = await counters(this.server, METRICS);
    for (const i of body.Instances.Instance) {
      await h.sleep(2000);
      const s = nowMs();
      await this.ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: i.InstanceId, forceStop: true }));
      await h.waitStatus(this.ecs, [i.InstanceId], 'Stopped', 600000);
      stops.push(nowMs() - s);
    }
    // The state answers ("changed" pulls) the stops cost: news, then the host's report, whose
    // echo rides in the next answer rather than being one.
    await h.sleep(2000);
    const pulls = diff(before, await counters(this.server, METRICS));
    this.out.stopPulls = (pulls['openecs_agent_pull_requests_total:changed'] || 0) / stops.length;
    this.out.stops = summary(stops);
  }

  async run() {
    const o = this.opt;
    this.made = 0;
    this.accepts = [];
    await this.start(0);
    await this.network();
    const m0 = await counters(this.server, METRICS);
    const cpu0 = cpuOf(this.server.pid);
    const agentCpu0 = this.agents ? cpuOf(this.agents.child.pid) : 0;
    const loadCpu0 = process.cpuUsage();
    await this.launch('delay 0, sequential', false);
    await this.launch('delay 0, parallel', true);
    const m1 = await counters(this.server, METRICS);
    this.out.cpuPer1000 = ((cpuOf(this.server.pid) - cpu0) * 1000) / (2 * Number(o.batch));
    if (this.agents) this.out.agentCpuPer1000 = ((cpuOf(this.agents.child.pid) - agentCpu0) * 1000) / (2 * Number(o.batch));
    const load = process.cpuUsage(loadCpu0);
    this.out.loadCpuPer1000 = ((load.user + load.system) / 1e6 * 1000) / (2 * Number(o.batch));
    this.out.pulls = diff(m0, m1);
    this.out.launched = 2 * Number(o.batch);
    await this.start(50);
    await this.launch('delay 50, sequential', false);
    await this.launch('delay 50, parallel', true);
    await this.start(0);
    const m2 = await counters(this.server, METRICS);  // a new process: its counters start at 0
    // What the server holds with the launches' instances, the baseline of the growth's RSS.
    const rss0 = rssOf(this.server.pid).rssKb;
    const made0 = this.made;
    await this.grow();
    const m3 = await counters(this.server, METRICS);
    // The placements of the delay-0 rows and of the growth (each a process of its own).
    const spent = (k) => (m1[k] || 0) - (m0[k] || 0) + (m3[k] || 0) - (m2[k] || 0);
    this.out.schedUs = (1e6 * spent('openecs_scheduler_seconds_total')) / spent('openecs_scheduler_placements_total');
    await this.describe();
    await this.describeSettled();
    const rss1 = rssOf(this.server.pid);
    this.out.rssPer10k = this.made > made0 ? ((rss1.rssKb - rss0) / 1024) * (10000 / (this.made - made0)) : '-';
    this.out.rss = rss1.rssKb / 1024;
    this.out.agentRss = this.agents ? rssOf(this.agents.child.pid).rssKb / 1024 : NaN;
    await this.singles();
    await this.start(0);  // a restart with the whole cloud: this.restartMs
    this.out.restartMs = this.restartMs;
    await h.waitFor(async () => (await this.running()) >= this.made, 600000, 500, 'all Running again');
    await this.quietStops();
    return this.out;
  }
}

async function main() {
  const opt = parseArgs({ hosts: 1000, instances: 10000, sides: 'sqlite1,sqlite,postgres', batch: 1000,
    describeCalls: 200, hostVcpus: 0, settle: 120 });
  opt.instances = Math.max(Number(opt.instances), 4 * Number(opt.batch));
  opt.hostVcpus = Number(opt.hostVcpus) || Math.max(4, 2 * Math.ceil(Number(opt.instances) / Number(opt.hosts)));
  const rows = [];
  for (const key of String(opt.sides).split(',')) {
    if (!SIDES[key]) throw new Error(`unknown side ${key}: one of ${Object.keys(SIDES).join(', ')}`);
    if (SIDES[key].store === 'postgres' && !process.env.OPENECS_TEST_PG) {
      console.error(`# side ${key} skipped: set OPENECS_TEST_PG (scripts/postgres prints it)`);
      continue;
    }
    console.error(`# side ${key}`);
    const side = new Side(opt, key);
    try {
      rows.push(await side.run());
    } finally {
      await side.stop();
    }
  }
  const n = opt.instances;
  console.log(`ecsd --driver fake; ${opt.batch} instances per launch row (RunInstances Amount=100); then ${n} instances in all`);
  const line = (label, f) => console.log(`${label.padEnd(44)}${rows.map((r) => String(f(r)).padStart(24)).join('')}`);
  line('', (r) => r.label);
  line('hosts registered after (s)', (r) => (r.registered === undefined ? '-' : fmt(r.registered / 1000)));
  line(`  again, agent restarted at ${n} instances (s)`, (r) => (r.reregistered === undefined ? '-' : fmt(r.reregistered / 1000)));
  for (const phase of Object.keys(rows[0].launches)) {
    line(`launches to Running /s, ${phase}`, (r) => fmt(r.launches[phase].perSec));
  }
  for (const phase of Object.keys(rows[0].launches)) {
    line(`RunInstances(100) p50 / p99 ms, ${phase}`, (r) => `${fmt(r.launches[phase].lat.p50)} / ${fmt(r.launches[phase].lat.p99)}`);
  }
  line(`RunInstances(100) p99 ms, growing to ${n}`, (r) => fmt(r.grow.lat.p99));
  line(`accepted /s growing to ${n} (to Running)`, (r) => fmt(r.grow.perSec));
  line(`RunInstances(1) p50 / p99 / max ms, ${SINGLES} at ${n}`, (r) => `${fmt(r.singles.p50)} / ${fmt(r.singles.p99)} / ${fmt(r.singles.max)}`);
  line('  of which in the server p50 / p99 / max', (r) => `${fmt(r.singlesHandler.p50)} / ${fmt(r.singlesHandler.p99)} / ${fmt(r.singlesHandler.max)}`);
  line('scheduler decision per instance (us)', (r) => fmt(r.schedUs));
  line('ecsd CPU s per 1000 launched (delay 0)', (r) => fmt(r.cpuPer1000));
  line('  simulating agent / this load (delay 0)', (r) => `${r.agentCpuPer1000 === undefined ? '-' : fmt(r.agentCpuPer1000)} / ${fmt(r.loadCpuPer1000)}`);
  line(`DescribeInstances 100/page p50 / p99 ms`, (r) => `${fmt(r.describe.raw.p50)} / ${fmt(r.describe.raw.p99)}`);
  line('  the same through the SDK (ACS3)', (r) => `${fmt(r.describe.sdk.p50)} / ${fmt(r.describe.sdk.p99)}`);
  line(`  raw, ${5 * Number(opt.describeCalls)} calls after ${opt.settle} s quiet`, (r) => `${fmt(r.settled.p50)} / ${fmt(r.settled.p99)}`);
  line('ecsd VmRSS MiB (at the end)', (r) => fmt(r.rss));
  line('ecsd VmRSS MiB per 10,000 instances', (r) => fmt(r.rssPer10k));
  line('agent process VmRSS MiB', (r) => (Number.isFinite(r.agentRss) ? fmt(r.agentRss) : 'embedded'));
  line(`restart with ${n} instances, to answering (s)`, (r) => fmt(r.restartMs / 1000));
  line('quiet StopInstance to Stopped p50 / max ms', (r) => `${fmt(r.stops.p50)} / ${fmt(r.stops.max)}`);
  line('state answers per quiet StopInstance', (r) => fmt(r.stopPulls));
  const pull = (r, k) => r.pulls[`openecs_agent_pull_requests_total:${k}`] || 0;
  line('pulls changed per instance (delay 0)', (r) => fmt(pull(r, 'changed') / r.launched));
  const st = (r, k) => r.pulls[`openecs_state_${k}`] || 0;
  line('state commits per instance (delay 0)', (r) => fmt(st(r, 'commit_seconds_count') / r.launched));
  line('  state changes per instance (empty ones too)', (r) => fmt(st(r, 'write_lock_seconds_count') / r.launched));
  line('  ms per commit / lock held per change (mean)', (r) => `${fmt((1000 * st(r, 'commit_seconds_sum')) / st(r, 'commit_seconds_count'))} / ${fmt((1000 * st(r, 'write_lock_seconds_sum')) / st(r, 'write_lock_seconds_count'))}`);
  line('desired KiB whole / delta (delay 0)', (r) => `${fmt((r.pulls['openecs_agent_desired_bytes_total:whole'] || 0) / 1024)} / ${fmt((r.pulls['openecs_agent_desired_bytes_total:delta'] || 0) / 1024)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
