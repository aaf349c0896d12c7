'use strict';
// Shared harness for the OpenECS API tests and the bench scripts.
//
// - startServer(): run `ecsd dev` on a free loopback port with a fresh data dir; the returned
//   Server can stop(), kill9(), restart() (same data dir, same port) and inject fake faults.
// - ecsClient()/vpcClient()/popClient(): the official SDK clients pointed at that server.
// - waitFor(): generic poller; waitStatus()/waitGone(): instance helpers.
// - createNetwork(): VPC 192.168.0.0/16 + vSwitch 192.168.1.0/24 (local-a) + security group.
// - rawV1()/rawAcs3(): hand-signed HTTP requests (nonce replay, XML, tampering, benches).
//
// Responses are read in wire form (PascalCase) through `body.toMap()` so assertions use the
// same names as the API reference; the typed SDK has already validated the shapes (a JSON
// object where the model wants an array makes the SDK throw before we ever see the body).

const assert = require('node:assert/strict');
const { spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const Ecs = require('@alicloud/ecs20140526');
const Vpc = require('@alicloud/vpc20160428');
const ResourceManager = require('@alicloud/resourcemanager20200331');
const Sts = require('@alicloud/sts20150401');
const Ram = require('@alicloud/ram20150501');
const { $OpenApiUtil, OpenApiUtil } = require('@alicloud/openapi-core');
const { RPCClient } = require('@alicloud/pop-core');

const BIN = process.env.ECSD_BIN || path.resolve(__dirname, '../../build/bin/ecsd');
const AK = 'testAK';
const SECRET = 'testSecret';
const REGION = 'local';
const ZONE_A = 'local-a';
const ZONE_B = 'local-b';
const IMAGE = 'debian_12_tiny_x64_openecs';
const SMALL_TYPE = 'ecs.t5-lc2m1.nano';
const ECS_VERSION = '2014-05-26';
const VPC_VERSION = '2016-04-28';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Every server the tests and benches start gets quotas no workload reaches (ecsd's built-in
// defaults look like a real region's: 100 instances, 20 EIPs, ...; the benches make up to 100,000
// instances). A test of the quotas themselves passes its own `--quota` in extraArgs, which comes
// later and wins; `quotas: false` leaves the built-in defaults.
const GENEROUS_QUOTAS = ['max-instances', 'max-postpaid-instance-vcpu-count', 'max-disks', 'max-snapshots',
  'max-images', 'max-security-groups', 'max-eips', 'max-dedicated-hosts'].flatMap((q) => ['--quota', `${q}=1000000000`]);

// ---------------------------------------------------------------------------------------------
// The state store. OPENECS_TEST_STORE=postgres (scripts/test's second API pass) puts every
// server's state in PostgreSQL: a schema of its own in the database OPENECS_TEST_PG names
// (scripts/postgres), made when the Server is and dropped by destroy(). Otherwise SQLite in the
// data dir, as `ecsd dev` does by default.
const PG_BASE = process.env.OPENECS_TEST_STORE === 'postgres' ? process.env.OPENECS_TEST_PG : null;
if (process.env.OPENECS_TEST_STORE === 'postgres' && !PG_BASE) {
  throw new Error('OPENECS_TEST_STORE=postgres needs OPENECS_TEST_PG (scripts/postgres prints it)');
}
const STORE = PG_BASE ? 'postgres' : 'sqlite';
let schemaCount = 0;

function psql(uri, sql) {
  const r = spawnSync('psql', [uri, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${sql}: ${r.stderr || r.error}`);
  return r.stdout;
}

// ---------------------------------------------------------------------------------------------
// Server lifecycle

const liveChildren = new Set();
process.on('exit', () => {
  for (const c of liveChildren) {
    try { c.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

class Server {
  constructor(opts = {}) {
    this.bin = opts.bin || BIN;
    this.delayMs = opts.delayMs ?? 50;
    this.extraArgs = opts.extraArgs || [];
    this.quotaArgs = opts.quotas === false ? [] : GENEROUS_QUOTAS;
    this.driver = opts.driver || 'fake';
    this.ak = opts.ak || AK;
    this.secret = opts.secret || SECRET;
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-test-'));
    this.dataDir = path.join(this.root, 'data');
    fs.mkdirSync(this.dataDir);
    this.logFile = path.join(this.root, 'ecsd.log');
    this.port = opts.port || 0;
    this.listenHost = opts.listenHost || '127.0.0.1';  // '0.0.0.0' for agents in other namespaces
    this.child = null;
    this.starts = 0;
    this.storeUri = null;
    this.command = opts.command || 'dev';  // 'server': an API server without a host of its own
    if (opts.shareStoreOf) {
      // Another server of the same cloud (PostgreSQL only): its store, and the keys every
      // server of one cloud must share (the secrets' key, the agents' token).
      const first = opts.shareStoreOf;
      if (!first.storeUri) throw new Error('shareStoreOf needs a PostgreSQL store');
      this.storeUri = first.storeUri;
      for (const f of ['secrets.key', 'agent-token'])
        fs.copyFileSync(path.join(first.dataDir, f), path.join(this.dataDir, f));
    } else if ((PG_BASE && opts.store !== 'sqlite') || opts.store === 'postgres') {
      // A bench may ask for SQLite or PostgreSQL (OPENECS_TEST_PG) beside the other.
      this.pgBase = PG_BASE || process.env.OPENECS_TEST_PG;
      if (!this.pgBase) throw new Error("store: 'postgres' needs OPENECS_TEST_PG (scripts/postgres prints it)");
      this.schema = `t${process.pid}_${++schemaCount}_${crypto.randomBytes(3).toString('hex')}`;
      psql(this.pgBase, `CREATE SCHEMA ${this.schema}`);
      this.storeUri = `${this.pgBase}${this.pgBase.includes('?') ? '&' : '?'}options=-csearch_path%3D${this.schema}`;
    }
  }

  // The arguments that name this server's state to `ecsd account ...`.
  storeArgs() {
    return ['--data-dir', this.dataDir, ...(this.storeUri ? ['--store', this.storeUri] : [])];
  }

  // Every stored record as text ("kind id body" lines; with SQLite the raw bytes of the
  // database and its write-ahead log, as a reader of the files would see them).
  storedText() {
    if (this.storeUri) return psql(this.storeUri, "SELECT kind || ' ' || id || ' ' || body FROM docs");
    return Buffer.concat(['openecs.db', 'openecs.db-wal'].map((f) => path.join(this.dataDir, f))
      .filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f))).toString('latin1');
  }

  // Runs SQL on this server's stored records (table docs(kind, id, version, body)), in the
  // backend's dialect: {sqlite, postgres}. Returns what it printed.
  storeSql(dialects) {
    if (this.storeUri) return psql(this.storeUri, dialects.postgres);
    return require('node:child_process').execFileSync('sqlite3', [path.join(this.dataDir, 'openecs.db'), dialects.sqlite],
      { encoding: 'utf8' });
  }

  get endpoint() { return `127.0.0.1:${this.port}`; }
  get pid() { return this.child ? this.child.pid : undefined; }

  args() {
    return [this.command, '--listen', `${this.listenHost}:${this.port}`, '--data-dir', this.dataDir, '--driver', this.driver,
      ...(this.storeUri ? ['--store', this.storeUri] : []), '--region', REGION, '--fake-delay-ms', String(this.delayMs), ...this.quotaArgs, ...this.extraArgs];
  }

  async start(timeoutMs = 20000) {
    if (!fs.existsSync(this.bin)) throw new Error(`ecsd binary not found at ${this.bin} (set ECSD_BIN)`);
    if (!this.port) this.port = await freePort();
    const log = fs.openSync(this.logFile, 'a');
    fs.writeSync(log, `\n==== start #${++this.starts}: ${this.bin} ${this.args().join(' ')}\n`);
    const child = spawn(this.bin, this.args(), {
      env: { ...process.env, OPENECS_ACCESS_KEY_ID: this.ak, OPENECS_ACCESS_KEY_SECRET: this.secret },
      stdio: ['ignore', log, log],
    });
    fs.closeSync(log);
    this.child = child;
    liveChildren.add(child);
    let exited = null;
    child.exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
      exited = { code, signal };
      liveChildren.delete(child);
      resolve(exited);
    }));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`ecsd exited during startup (${JSON.stringify(exited)}):\n${this.logTail()}`);
      if (Date.now() > deadline) {
        await this.kill9();
        throw new Error(`ecsd did not answer DescribeRegions within ${timeoutMs} ms:\n${this.logTail()}`);
      }
      try {
        const r = await rawV1(this, 'DescribeRegions', {}, { timeoutMs: 1000 });
        if (r.status === 200) return this;
      } catch { /* not listening yet */ }
      await sleep(100);
    }
  }

  // Graceful stop: SIGTERM, then SIGKILL after graceMs.
  async stop(graceMs = 5000) {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => { try { child.kill('SIGKILL'); } catch { /* gone */ } }, graceMs);
    await child.exitPromise;
    clearTimeout(t);
  }

  async kill9() {
    const child = this.child;
    if (!child) return;
    this.child = null;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await child.exitPromise;
  }

  // Restart on the same data dir and port. {kill: true} uses SIGKILL instead of SIGTERM.
  async restart({ kill = false } = {}) {
    if (kill) await this.kill9(); else await this.stop();
    await this.start();
    return this;
  }

  // Stop and delete the temp dir (kept when KEEP_TEST_DATA is set, for post-mortems). Guests
  // outlive ecsd by design, so whatever this server left running (a test that did not get to
  // release its instances) is stopped here: its QEMU processes and its VPC namespaces.
  async destroy() {
    await this.stop();
    this.reapGuests();
    if (this.schema && !process.env.KEEP_TEST_DATA) psql(this.pgBase, `DROP SCHEMA ${this.schema} CASCADE`);
    if (!process.env.KEEP_TEST_DATA) fs.rmSync(this.root, { recursive: true, force: true });
    else console.log(`# ecsd data kept in ${this.root}`);
  }

  reapGuests() {
    const { spawnSync } = require('node:child_process');
    spawnSync('pkill', ['-KILL', '-f', `qemu-system.*${this.dataDir}/`]);
    const netDir = path.join(this.dataDir, 'net');
    const vpcs = fs.existsSync(netDir) ? fs.readdirSync(netDir) : [];
    for (const v of vpcs) spawnSync('ip', ['netns', 'del', `oe-${v}`]);
    for (const v of vpcs) spawnSync('pkill', ['-f', `dnsmasq --conf-file=${path.join(netDir, v)}/`]);
  }

  logTail(lines = 40) {
    try {
      return fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch { return '(no log)'; }
  }

  // Emulator-only fault injection: the next `count` driver operations `op` fail.
  async injectFault(op, count = 1) {
    const r = await httpRequest({
      port: this.port, method: 'POST', path: `/openecs/fake/faults?op=${encodeURIComponent(op)}&count=${count}`,
    });
    assert.ok(r.status >= 200 && r.status < 300, `fault injection ${op} failed: ${r.status} ${r.body}`);
    return r;
  }

  rssKb() {
    if (!this.child) return undefined;
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  }
}

async function startServer(opts = {}) {
  const s = new Server(opts);
  try {
    await s.start();
  } catch (e) {
    await s.kill9();
    if (!process.env.KEEP_TEST_DATA) {
      if (s.schema) psql(s.pgBase, `DROP SCHEMA ${s.schema} CASCADE`);
      fs.rmSync(s.root, { recursive: true, force: true });
    }
    throw e;
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// Clients

function sdkConfig(server, opts = {}) {
  return new $OpenApiUtil.Config({
    accessKeyId: opts.ak || server.ak,
    accessKeySecret: opts.secret || server.secret,
    endpoint: server.endpoint,
    protocol: 'HTTP',
    readTimeout: opts.readTimeout || 10000,
    connectTimeout: opts.connectTimeout || 10000,
    ...(opts.signatureAlgorithm ? { signatureAlgorithm: opts.signatureAlgorithm } : {}),
    ...(opts.securityToken ? { securityToken: opts.securityToken } : {}),
  });
}
const ecsClient = (server, opts) => new Ecs.default(sdkConfig(server, opts));
const vpcClient = (server, opts) => new Vpc.default(sdkConfig(server, opts));
const rmClient = (server, opts) => new ResourceManager.default(sdkConfig(server, opts));
const stsClient = (server, opts) => new Sts.default(sdkConfig(server, opts));
const ramClient = (server, opts) => new Ram.default(sdkConfig(server, opts));
function popClient(server, opts = {}) {
  return new RPCClient({
    accessKeyId: opts.ak || server.ak,
    accessKeySecret: opts.secret || server.secret,
    endpoint: `http://${server.endpoint}`,
    apiVersion: opts.apiVersion || ECS_VERSION,
  });
}
// Wire-form (PascalCase) body of a typed SDK response.
const wire = (res) => res.body.toMap();

// ---------------------------------------------------------------------------------------------
// Error assertions

// Await `promise`, require it to reject with a typed-SDK error of that code and HTTP status.
// `code` may be a string, a RegExp or an array of acceptable codes; `status` a number or array.
async function expectError(promise, code, status) {
  let err;
  try {
    const res = await promise;
    assert.fail(`expected error ${code} (${status}) but the call succeeded: ${JSON.stringify(res && res.body && res.body.toMap ? res.body.toMap() : res).slice(0, 500)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  const msg = String(err.message || '');
  const desc = `got ${err.name} code=${err.code} status=${err.statusCode} message=${msg.length > 300 ? `${msg.slice(0, 300)}…` : msg}`;
  assert.ok(matches(err.code, code), `error code should be ${code}; ${desc}`);
  if (status !== undefined) {
    assert.ok(Array.isArray(status) ? status.includes(err.statusCode) : err.statusCode === status,
      `HTTP status should be ${status}; ${desc}`);
    if (err.statusCode >= 400 && err.statusCode < 500) assert.equal(err.name, 'ClientError', desc);
  }
  return err;
}

// pop-core throws Error with .code (no status); see reference section 2.
async function expectPopError(promise, code) {
  let err;
  try {
    const res = await promise;
    assert.fail(`expected error ${code} but the call succeeded: ${JSON.stringify(res).slice(0, 500)}`);
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    err = e;
  }
  assert.ok(matches(err.code, code), `pop-core error code should be ${code}; got ${err.code}: ${err.message}`);
  return err;
}

// Run every check (async functions) even if some fail, then fail once listing all failures,
// so one wrong error code does not hide the next.
async function checkAll(checks) {
  const failures = [];
  for (const [name, fn] of Object.entries(checks)) {
    try { await fn(); } catch (e) { failures.push(`- ${name}: ${String(e.message).split('\n')[0].slice(0, 400)}`); }
  }
  if (failures.length) assert.fail(`${failures.length}/${Object.keys(checks).length} checks failed:\n${failures.join('\n')}`);
}

function matches(actual, expected) {
  if (expected instanceof RegExp) return expected.test(String(actual));
  if (Array.isArray(expected)) return expected.includes(actual);
  return actual === expected;
}

// ---------------------------------------------------------------------------------------------
// Polling

// Call fn until it returns a truthy value (returned), or throw after timeoutMs with the last
// value / error for context.
async function waitFor(fn, timeoutMs = 15000, intervalMs = 100, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  let last;
  let lastErr;
  for (;;) {
    try {
      last = await fn();
      lastErr = undefined;
      if (last) return last;
    } catch (e) {
      lastErr = e;
    }
    if (Date.now() > deadline) {
      const detail = lastErr ? `last error: ${lastErr.code || ''} ${lastErr.message}` : `last value: ${JSON.stringify(last)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; ${detail}`);
    }
    await sleep(intervalMs);
  }
}

// Instances (wire form) for the given ids, via DescribeInstances InstanceIds (JSON, ≤100 a call).
async function describeInstances(ecs, ids, extra = {}) {
  const out = [];
  for (let i = 0; i < ids.length; i += 100) {
    const chunk = ids.slice(i, i + 100);
    const res = await ecs.describeInstances(new Ecs.DescribeInstancesRequest({
      regionId: REGION, instanceIds: JSON.stringify(chunk), pageSize: 100, ...extra,
    }));
    out.push(...wire(res).Instances.Instance);
  }
  return out;
}

async function describeInstance(ecs, id) {
  const list = await describeInstances(ecs, [id]);
  return list.find((i) => i.InstanceId === id);
}

// Wait until every id reports `status` (string or array of acceptable statuses).
async function waitStatus(ecs, ids, status, timeoutMs = 20000) {
  const want = Array.isArray(status) ? status : [status];
  const list = Array.isArray(ids) ? ids : [ids];
  let seen = {};
  await waitFor(async () => {
    const inst = await describeInstances(ecs, list);
    seen = Object.fromEntries(inst.map((i) => [i.InstanceId, i.Status]));
    return list.every((id) => want.includes(seen[id]));
  }, timeoutMs, 100, `instances ${list.length > 5 ? list.length + ' instances' : list.join(',')} to be ${want.join('|')}`)
    .catch((e) => {
      const bad = list.filter((id) => !want.includes(seen[id])).slice(0, 10).map((id) => `${id}=${seen[id]}`);
      e.message += `; not yet: ${bad.join(', ')}`;
      throw e;
    });
}

// Wait until the instances are Running and their OS said it is up (DescribeInstancesFullStatus
// HealthStatus Ok): Running alone means the VM runs, not that the guest has booted.
async function waitBooted(ecs, ids, timeoutMs = 20000) {
  const list = Array.isArray(ids) ? ids : [ids];
  let seen = {};
  await waitFor(async () => {
    seen = {};
    for (let i = 0; i < list.length; i += 100) {
      const res = await ecs.describeInstancesFullStatus(new Ecs.DescribeInstancesFullStatusRequest({
        regionId: REGION, instanceId: list.slice(i, i + 100), pageSize: 100 }));
      for (const s of res.body.toMap().InstanceFullStatusSet.InstanceFullStatusType) seen[s.InstanceId] = `${s.Status.Name}/${s.HealthStatus.Name}`;
    }
    return list.every((id) => seen[id] === 'Running/Ok');
  }, timeoutMs, 250, `instances ${list.join(',')} to be Running with HealthStatus Ok`)
    .catch(async (e) => {
      const late = list.filter((id) => seen[id] !== 'Running/Ok');
      e.message += `; not yet: ${late.slice(0, 10).map((id) => `${id}=${seen[id]}`).join(', ')}`;
      // The first late one's console: why its OS never said it was up (for the post-mortem).
      try {
        const res = await ecs.getInstanceConsoleOutput(new Ecs.GetInstanceConsoleOutputRequest({ regionId: REGION, instanceId: late[0] }));
        const text = Buffer.from(res.body.toMap().ConsoleOutput || '', 'base64').toString('utf8');
        e.message += `\n${late[0]}'s console, its end:\n${text.slice(-2000)}`;
      } catch { /* no console to show */ }
      throw e;
    });
}

// Wait until none of the ids is listed any more.
async function waitGone(ecs, ids, timeoutMs = 20000) {
  const list = Array.isArray(ids) ? ids : [ids];
  await waitFor(async () => (await describeInstances(ecs, list)).length === 0, timeoutMs, 100,
    `instances ${list.join(',')} to disappear`);
}

// ---------------------------------------------------------------------------------------------
// Fixtures

// VPC + vSwitch (+ security group) ready for RunInstances.
async function createNetwork(ecs, vpc, opts = {}) {
  const vpcCidr = opts.vpcCidr || '192.168.0.0/16';
  const vswCidr = opts.vswCidr || '192.168.1.0/24';
  const zone = opts.zone || ZONE_A;
  const v = wire(await vpc.createVpc(new Vpc.CreateVpcRequest({
    regionId: REGION, cidrBlock: vpcCidr, vpcName: opts.name || 'test-vpc',
  })));
  const vpcId = v.VpcId;
  await waitFor(async () => {
    const d = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId })));
    return d.Vpcs.Vpc.length === 1 && d.Vpcs.Vpc[0].Status === 'Available';
  }, 10000, 100, `VPC ${vpcId} Available`);
  const vSwitchId = await createVSwitch(vpc, vpcId, vswCidr, zone, opts.name);
  let securityGroupId;
  if (opts.securityGroup !== false) {
    securityGroupId = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
      regionId: REGION, vpcId, securityGroupName: opts.name ? `${opts.name}-sg` : 'test-sg',
    }))).SecurityGroupId;
  }
  return { vpcId, vSwitchId, securityGroupId, vpcCidr, vswCidr, zone };
}

async function createVSwitch(vpc, vpcId, cidrBlock, zoneId = ZONE_A, name) {
  const vSwitchId = wire(await vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
    regionId: REGION, vpcId, cidrBlock, zoneId, vSwitchName: name ? `${name}-vsw` : 'test-vsw',
  }))).VSwitchId;
  await waitFor(async () => {
    const d = wire(await vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, vSwitchId })));
    return d.VSwitches.VSwitch.length === 1 && d.VSwitches.VSwitch[0].Status === 'Available';
  }, 10000, 100, `vSwitch ${vSwitchId} Available`);
  return vSwitchId;
}

// RunInstances with sensible defaults on `network`; returns the instance ids.
async function runInstances(ecs, network, overrides = {}) {
  const res = await ecs.runInstances(new Ecs.RunInstancesRequest({
    regionId: REGION,
    imageId: IMAGE,
    instanceType: SMALL_TYPE,
    vSwitchId: network.vSwitchId,
    securityGroupId: network.securityGroupId,
    amount: 1,
    ...overrides,
  }));
  const ids = wire(res).InstanceIdSets.InstanceIdSet;
  assert.ok(Array.isArray(ids), 'InstanceIdSets.InstanceIdSet must be an array');
  return ids;
}

async function runRunning(ecs, network, overrides = {}, timeoutMs = 20000) {
  const ids = await runInstances(ecs, network, overrides);
  await waitStatus(ecs, ids, 'Running', timeoutMs);
  return ids;
}

const privateIp = (inst) => inst.VpcAttributes && inst.VpcAttributes.PrivateIpAddress
  && inst.VpcAttributes.PrivateIpAddress.IpAddress && inst.VpcAttributes.PrivateIpAddress.IpAddress[0];

const tagsOf = (obj) => Object.fromEntries(((obj.Tags && obj.Tags.Tag) || []).map((t) => [t.TagKey ?? t.Key, t.TagValue ?? t.Value]));

// ---------------------------------------------------------------------------------------------
// Raw HTTP and hand signing

function pct(s) {
  return encodeURIComponent(s).replace(/!/g, '%21').replace(/'/g, '%27').replace(/\(/g, '%28')
    .replace(/\)/g, '%29').replace(/\*/g, '%2A');
}
const isoNow = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
const nonce = () => crypto.randomBytes(16).toString('hex');

// v1 (HMAC-SHA1) signed query string, exactly as pop-core builds it.
function v1Query(action, params = {}, opts = {}) {
  const p = {
    Action: action,
    Format: opts.format || 'JSON',
    Version: opts.version || ECS_VERSION,
    AccessKeyId: opts.ak || AK,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: opts.nonce || nonce(),
    Timestamp: opts.timestamp || isoNow(),
    ...params,
  };
  for (const k of Object.keys(p)) if (p[k] === undefined) delete p[k];
  const canon = Object.keys(p).sort().map((k) => `${pct(k)}=${pct(String(p[k]))}`).join('&');
  const sts = `${opts.method || 'GET'}&${pct('/')}&${pct(canon)}`;
  const sig = crypto.createHmac('sha1', `${opts.secret || SECRET}&`).update(sts).digest('base64');
  return `${canon}&Signature=${pct(sig)}`;
}

function httpRequest({ port, host = '127.0.0.1', method = 'GET', path: p = '/', headers = {}, body, timeoutMs = 10000, agent }) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path: p, headers, agent: agent || false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    if (body) req.write(body);
    req.end();
  });
}

// Send a v1-signed request (GET with query, or POST with form body).
async function rawV1(server, action, params = {}, opts = {}) {
  const method = opts.method || 'GET';
  const q = v1Query(action, params, { ak: server.ak, secret: server.secret, ...opts, method });
  const headers = { host: server.endpoint, 'x-acs-action': action, 'x-acs-version': opts.version || ECS_VERSION };
  if (method === 'GET') {
    return httpRequest({ port: server.port, method, path: `/?${q}`, headers, timeoutMs: opts.timeoutMs });
  }
  return httpRequest({
    port: server.port, method, path: '/', body: q, timeoutMs: opts.timeoutMs,
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(q) },
  });
}

// Hand-made ACS3-HMAC-SHA256 request (what the typed SDK sends), signed with the SDK's own
// OpenApiUtil.getAuthorization. opts: ak, secret, date, nonce, version, tamper(query) hook.
async function rawAcs3(server, action, query = {}, opts = {}) {
  const emptySha = crypto.createHash('sha256').update('').digest('hex');
  const headers = {
    host: server.endpoint,
    'x-acs-action': action,
    'x-acs-version': opts.version || ECS_VERSION,
    'x-acs-date': opts.date || isoNow(),
    'x-acs-signature-nonce': opts.nonce || crypto.randomBytes(32).toString('hex'),
    'x-acs-content-sha256': emptySha,
    accept: 'application/json',
  };
  const req = { method: 'POST', pathname: '/', query: { ...query }, headers };
  headers.authorization = OpenApiUtil.getAuthorization(req, 'ACS3-HMAC-SHA256', emptySha,
    opts.ak || server.ak, opts.secret || server.secret);
  const sendQuery = opts.tamper ? opts.tamper({ ...query }) : query;
  const qs = Object.keys(sendQuery).map((k) => `${pct(k)}=${pct(String(sendQuery[k]))}`).join('&');
  // opts.unsignedHeaders: added after signing (a proxy's or an attacker's additions).
  return httpRequest({ port: server.port, method: 'POST', path: qs ? `/?${qs}` : '/', headers: { ...headers, ...(opts.unsignedHeaders || {}), 'content-length': 0 } });
}

// An operator route (api/operator_endpoint.h: clock, accounts, locks) of `server`, with its
// operator token; asserts a 200 and returns the JSON answer.
async function operatorCall(server, method, route) {
  const token = fs.readFileSync(path.join(server.dataDir, 'operator-token'), 'utf8').trim();
  const r = await httpRequest({
    port: server.port, method, path: `/openecs/operator/v1/${route}`,
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(r.status, 200, `${route}: ${r.status} ${r.body}`);
  return JSON.parse(r.body);
}

// Emulator monitoring (a server started with --test-clock and a short --metrics-interval-ms):
// sets a fake guest's CPU load and returns the DescribeInstanceMonitorData point of a whole
// minute sampled at it. The minute the load changed in mixes both loads, and a loaded machine
// (the sanitizer ring) may take any wall-clock sleep late, so a minute that still mixes them is
// closed and another tried. Afterwards every new sample of the guest is at `load`.
async function minuteAt(server, ecs, instanceId, load) {
  const r = await httpRequest({
    port: server.port, method: 'POST', path: `/openecs/fake/faults?instance=${instanceId}&cpu_load=${load}`,
  });
  assert.equal(r.status, 200, r.body);
  const iso = (ms) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
  const seen = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    await sleep(500);
    await operatorCall(server, 'POST', 'clock/advance?seconds=60');  // ends the mixed minute
    await sleep(1500);
    await operatorCall(server, 'POST', 'clock/advance?seconds=60');  // this one is written
    const now = Date.parse((await operatorCall(server, 'GET', 'clock')).Now);
    const points = wire(await ecs.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
      instanceId, startTime: iso(now - 600000), endTime: iso(now), period: 60,
    }))).MonitorData.InstanceMonitorData;
    const p = points[points.length - 1];
    if (p && Math.abs(p.CPU - load) <= 1.5) return p;
    seen.push(p ? `${p.TimeStamp} CPU ${p.CPU}` : 'no point');
  }
  assert.fail(`no minute at ${load} % CPU: ${seen.join(', ')}`);
}

// One `ecsd agent` process with the fake driver and its own data dir (its "host"), in zone
// local-a, joined to `srv` (a server started with --no-local-agent, or beside its own agent).
class AgentProcess {
  // `srv`: a Server, or several servers of one cloud (the agent's --server lists them in that
  // order; the first one's directories are used).
  constructor(srv, name, extraArgs = []) {
    const servers = Array.isArray(srv) ? srv : [srv];
    srv = servers[0];
    this.name = name;
    this.dataDir = path.join(srv.root, `agent-${name}`);
    this.logFile = path.join(srv.root, `agent-${name}.log`);
    const args = ['agent', '--server', servers.map((x) => `http://${x.endpoint}`).join(','),
      '--token-file', path.join(srv.dataDir, 'agent-token'), '--zone', ZONE_A,
      '--name', name, '--driver', 'fake', '--data-dir', this.dataDir, ...extraArgs];
    if (!extraArgs.includes('--fake-delay-ms')) args.push('--fake-delay-ms', '20');
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(BIN, args, { stdio: ['ignore', log, log] });
    fs.closeSync(log);
    this.child.exitPromise = new Promise((resolve) => this.child.on('exit', resolve));
  }

  async stop() {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    await this.child.exitPromise;
    this.child = null;
  }

  // The guests this host's fake hypervisor holds now (last journal line of each is not "erased").
  guests() {
    let text = '';
    try { text = fs.readFileSync(path.join(this.dataDir, 'fake-hypervisor.journal'), 'utf8'); } catch { return new Set(); }
    const last = new Map();
    for (const line of text.split('\n')) {
      const id = line.split(' ')[0];
      if (id.startsWith('i-')) last.set(id, line);
    }
    return new Set([...last].filter(([, l]) => !/ erased /.test(l)).map(([id]) => id));
  }
}

module.exports = {
  AgentProcess,
  ResourceManager, rmClient, Sts, stsClient, Ram, ramClient,
  Ecs, Vpc, RPCClient, OpenApiUtil, $OpenApiUtil,
  BIN, STORE, AK, SECRET, REGION, ZONE_A, ZONE_B, IMAGE, SMALL_TYPE, ECS_VERSION, VPC_VERSION,
  sleep, freePort, Server, startServer,
  ecsClient, vpcClient, popClient, wire,
  expectError, expectPopError, checkAll, waitFor, describeInstances, describeInstance, waitStatus, waitBooted, waitGone,
  createNetwork, createVSwitch, runInstances, runRunning, privateIp, tagsOf,
  pct, isoNow, nonce, v1Query, httpRequest, rawV1, rawAcs3, operatorCall, minuteAt,
};
