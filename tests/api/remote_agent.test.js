'use strict';
// `ecsd agent --server URL`: a host agent in its own process joins a server that has no local
// agent (`ecsd dev --no-local-agent`) over the HTTP agent protocol. Through the official SDK:
// no host → NoStock; the agent registers and instances run, stop, start and release on it;
// kill -9 of the agent (guests adopted) and of the server (the agent reconnects) lose nothing;
// the agent routes refuse a wrong token; each host enrols with its own credential, which nobody
// else (the shared agent token included) can use to register as it, pull its work or report
// about its guests (issue 13's H4). Over TLS (`--tls-listen`): the agent trusts the server by its
// pinned certificate, refuses one that does not match, and the plain listener refuses agents.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server;
let ecs;
let vpc;
let net;

// One `ecsd agent` process with the fake driver and its own data dir (its "host").
class AgentProcess {
  constructor(srv, name) {
    this.server = srv;
    this.name = name;
    this.dataDir = path.join(srv.root, `agent-${name}`);
    this.logFile = path.join(srv.root, `agent-${name}.log`);
    this.child = null;
  }

  // `url` and `extraArgs`: an https:// server and how to trust it.
  start(extraEnv = {}, url = `http://${this.server.endpoint}`, extraArgs = []) {
    const args = ['agent', '--server', url,
      '--token-file', path.join(this.server.dataDir, 'agent-token'), '--zone', h.ZONE_A,
      '--name', this.name, '--driver', 'fake', '--fake-delay-ms', '50', '--data-dir', this.dataDir, ...extraArgs];
    const log = fs.openSync(this.logFile, 'a');
    this.child = spawn(h.BIN, args, { stdio: ['ignore', log, log], env: { ...process.env, ...extraEnv } });
    fs.closeSync(log);
    this.child.exitPromise = new Promise((resolve) => this.child.on('exit', resolve));
    return this;
  }

  async kill9() {
    if (!this.child) return;
    this.child.kill('SIGKILL');
    await this.child.exitPromise;
    this.child = null;
  }

  async stop() {
    if (!this.child) return;
    this.child.kill('SIGTERM');
    await this.child.exitPromise;
    this.child = null;
  }

  log() { try { return fs.readFileSync(this.logFile, 'utf8'); } catch { return ''; } }
}

let agent;
const reconnect = () => { ecs = h.ecsClient(server); vpc = h.vpcClient(server); };

before(async () => {
  server = await h.startServer({ extraArgs: ['--no-local-agent'] });
  reconnect();
  net = await h.createNetwork(ecs, vpc, { name: 'remote' });
});
after(async () => {
  if (agent) await agent.stop();
  if (server) await server.destroy();
});

describe('remote host agent', () => {
  test('without any host, RunInstances says NoStock and leaves nothing behind', async () => {
    await expectError(h.runInstances(ecs, net), 'OperationDenied.NoStock', 403);
    const all = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION })));
    assert.equal(all.TotalCount, 0);
  });

  test('the agent routes refuse a missing or wrong token', async () => {
    const body = JSON.stringify({ name: 'intruder', zone_id: h.ZONE_A, vcpus: 1000, memory_mb: 1 << 20 });
    for (const headers of [{}, { Authorization: 'Bearer not-the-token' }]) {
      const r = await h.httpRequest({ port: server.port, method: 'POST', path: '/openecs/agent/v1/register', headers, body });
      assert.equal(r.status, 401, r.body);
    }
    // Nothing registered: still no capacity.
    await expectError(h.runInstances(ecs, net), 'OperationDenied.NoStock', 403);
  });

  test('an agent joins; instances run, stop, start and release on it', { timeout: 60000 }, async () => {
    agent = new AgentProcess(server, 'remote-1').start();
    // Registration makes capacity appear.
    const ids = await h.waitFor(async () => {
      try { return await h.runInstances(ecs, net, { amount: 2 }); } catch (e) {
        if (String(e.message).includes('NoStock')) return null;
        throw e;
      }
    }, 20000, 200, 'the agent to register');
    await h.waitStatus(ecs, ids, 'Running', 20000);
    assert.match(agent.log(), /host remote-1 in local-a, driver fake/);
    await ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [ids[0]] }));
    await h.waitStatus(ecs, [ids[0]], 'Stopped', 20000);
    await ecs.startInstances(new Ecs.StartInstancesRequest({ regionId: REGION, instanceId: [ids[0]] }));
    await h.waitStatus(ecs, [ids[0]], 'Running', 20000);
    await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [ids[1]], force: true }));
    await h.waitGone(ecs, [ids[1]], 20000);
    // The agent's own (fake) hypervisor carried it all out: the released guest is erased there,
    // the other one is running.
    const last = (id) => fs.readFileSync(path.join(agent.dataDir, 'fake-hypervisor.journal'), 'utf8')
      .split('\n').filter((l) => l.startsWith(`${id} `)).pop();
    assert.match(last(ids[1]), / erased /);
    assert.match(last(ids[0]), / running /);
  });

  test('kill -9 of the agent: its guests are adopted, not duplicated, and stay controllable', { timeout: 60000 }, async () => {
    const running = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, status: 'Running' })));
    assert.equal(running.TotalCount, 1);
    const id = running.Instances.Instance[0].InstanceId;
    await agent.kill9();
    // While the agent is away the API still answers and the instance is still Running.
    assert.equal((await h.describeInstance(ecs, id)).Status, 'Running');
    // A stop requested while no agent runs is carried out when it comes back.
    await ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [id] }));
    assert.equal((await h.describeInstance(ecs, id)).Status, 'Stopping');
    agent.start();
    await h.waitStatus(ecs, [id], 'Stopped', 20000);
    await ecs.startInstances(new Ecs.StartInstancesRequest({ regionId: REGION, instanceId: [id] }));
    await h.waitStatus(ecs, [id], 'Running', 20000);
  });

  test('a host\'s own credential: kept 0600 by its agent, needed to pull, report and register again', async () => {
    const keyFile = path.join(agent.dataDir, 'host-key');
    const key = fs.readFileSync(keyFile, 'utf8').trim();
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    const token = fs.readFileSync(path.join(server.dataDir, 'agent-token'), 'utf8').trim();
    const call = (method, target, body, extra = {}) => h.httpRequest({ port: server.port, method, path: target,
      headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra }, body });
    // Holding the shared token is not enough to take the host's name over.
    const info = JSON.stringify({ name: 'remote-1', zone_id: h.ZONE_A, vcpus: 100000, memory_mb: 1 << 20, driver: 'fake' });
    let r = await call('POST', '/openecs/agent/v1/register', info);
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /enrolled with another credential/);
    r = await call('POST', '/openecs/agent/v1/register', info, { 'x-openecs-host-key': 'f'.repeat(64) });
    assert.equal(r.status, 403, r.body);
    // Its own key registers it again (same id).
    r = await call('POST', '/openecs/agent/v1/register', info, { 'x-openecs-host-key': key });
    assert.equal(r.status, 200, r.body);
    const hostId = JSON.parse(r.body).host_id;
    assert.equal(JSON.parse(r.body).host_key, key);
    // Pull and report need it.
    for (const extra of [{}, { 'x-openecs-host-key': 'f'.repeat(64) }]) {
      r = await call('GET', `/openecs/agent/v1/desired?host_id=${hostId}&since=0&wait_ms=0`, undefined, extra);
      assert.equal(r.status, 403, r.body);
      r = await call('POST', `/openecs/agent/v1/report?host_id=${hostId}`, JSON.stringify({ observations: [] }), extra);
      assert.equal(r.status, 403, r.body);
    }
    r = await call('GET', `/openecs/agent/v1/desired?host_id=${hostId}&since=0&wait_ms=0`, undefined, { 'x-openecs-host-key': key });
    assert.equal(r.status, 200, r.body);
    // A host the server does not know (its database was reset, say) is told so with 409: the
    // agent's cue to register again.
    r = await call('GET', '/openecs/agent/v1/desired?host_id=h-unknown&since=0&wait_ms=0', undefined, { 'x-openecs-host-key': key });
    assert.equal(r.status, 409, r.body);
    assert.match(r.body, /unknown host h-unknown/);
    // A new host enrols with the shared token and gets its own key; with it, it cannot report
    // about remote-1's guest (a forged "shut off" is refused whole, and the guest stays Running).
    r = await call('POST', '/openecs/agent/v1/register', JSON.stringify({ name: 'intruder', zone_id: h.ZONE_A, vcpus: 0, memory_mb: 0, driver: 'fake' }));
    assert.equal(r.status, 200, r.body);
    const intruder = JSON.parse(r.body);
    assert.notEqual(intruder.host_key, key);
    const [victim] = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, status: 'Running' }))).Instances.Instance;
    r = await call('POST', `/openecs/agent/v1/report?host_id=${intruder.host_id}`,
      JSON.stringify({ observations: [{ instance_id: victim.InstanceId, power: 'shutoff', console: 'forged' }] }),
      { 'x-openecs-host-key': intruder.host_key });
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /is not on host/);
    await h.sleep(300);
    assert.equal((await h.describeInstance(ecs, victim.InstanceId)).Status, 'Running');
  });

  test('a full sync of a state the server built for the host lately is an empty delta of it, not built again', async () => {
    const token = fs.readFileSync(path.join(server.dataDir, 'agent-token'), 'utf8').trim();
    const call = (method, target, body, extra = {}) => h.httpRequest({ port: server.port, method, path: target,
      headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra }, body });
    let r = await call('POST', '/openecs/agent/v1/register',
      JSON.stringify({ name: 'quiet-host', zone_id: h.ZONE_A, vcpus: 0, memory_mb: 0, driver: 'fake' }));
    assert.equal(r.status, 200, r.body);
    const { host_id: id, host_key: hostKey } = JSON.parse(r.body);
    const pull = async (base) => {
      const got = await call('GET', `/openecs/agent/v1/desired?host_id=${id}&since=0&wait_ms=0&base=${base}`,
        undefined, { 'x-openecs-host-key': hostKey });
      assert.equal(got.status, 200, got.body);
      return JSON.parse(got.body);
    };
    const heldSyncs = async () => {
      const m = await h.httpRequest({ port: server.port, method: 'GET', path: '/metrics' });
      return Number((/^openecs_agent_held_syncs_total (\S+)$/m.exec(m.body) || [0, 0])[1]);
    };
    const whole = await pull(0);
    assert.equal(whole.changed, true);
    assert.ok(Array.isArray(whole.vms) && whole.revision > 0, JSON.stringify(whole));
    const before = await heldSyncs();
    // Nothing new for the host since: the state it holds, as an empty delta the agent applies
    // and re-checks its guests against.
    assert.deepEqual(await pull(whole.revision),
      { revision: whole.revision, changed: true, delta_from: whole.revision, delta: {} });
    assert.equal(await heldSyncs(), before + 1);
    // A state the server did not answer it: built, and answered whole.
    const other = await pull(whole.revision + 1000);
    assert.equal(other.delta_from, undefined);
    assert.deepEqual(other.vms, whole.vms);
    assert.equal(await heldSyncs(), before + 1);
  });

  test('kill -9 of the server: the agent reconnects and keeps serving at once', { timeout: 60000 }, async () => {
    await server.restart({ kill: true });
    reconnect();
    const ids = await h.runInstances(ecs, net, { amount: 1 });
    // Well inside the agent's 10 s full sync: the long-poll itself sees the new work (revisions
    // keep growing across a server restart).
    await h.waitStatus(ecs, ids, 'Running', 5000);
    const all = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION })));
    assert.equal(all.TotalCount, 2, 'the adopted one and the new one');
    assert.ok(all.Instances.Instance.every((i) => i.Status === 'Running'));
  });
});

// What an agent does with a delta (model/state_delta.h): the state it holds with the delta
// applied.
function applyDelta(before, delta) {
  const out = { ...before };
  for (const [k, v] of Object.entries(delta.set || {})) {
    if (v === null) delete out[k]; else out[k] = v;
  }
  for (const [k, change] of Object.entries(delta.lists || {})) {
    const byId = new Map(out[k].map((e) => [e[change.key], e]));
    for (const e of change.upsert) byId.set(e[change.key], e);
    out[k] = change.order.map((id) => {
      assert.ok(byId.has(id), `${k}: ${id} is neither held nor sent`);
      return byId.get(id);
    });
  }
  return out;
}

describe('a pull since the state a host holds', () => {
  let srv;
  let c;
  let n;
  before(async () => {
    srv = await h.startServer({ extraArgs: ['--no-local-agent'] });
    c = h.ecsClient(srv);
    n = await h.createNetwork(c, h.vpcClient(srv), { name: 'held' });
  });
  after(async () => { if (srv) await srv.destroy(); });

  test('builds only the guests whose records changed, and its delta gives the state built whole', async () => {
    const token = fs.readFileSync(path.join(srv.dataDir, 'agent-token'), 'utf8').trim();
    const call = (method, target, body, extra = {}) => h.httpRequest({ port: srv.port, method, path: target,
      headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json', ...extra }, body });
    let r = await call('POST', '/openecs/agent/v1/register',
      JSON.stringify({ name: 'by-hand', zone_id: h.ZONE_A, vcpus: 64, memory_mb: 1 << 17, driver: 'fake' }));
    assert.equal(r.status, 200, r.body);
    const { host_id: id, host_key: key } = JSON.parse(r.body);
    const pull = async (query) => {
      const got = await call('GET', `/openecs/agent/v1/desired?host_id=${id}&wait_ms=0&${query}`, undefined,
        { 'x-openecs-host-key': key });
      assert.equal(got.status, 200, got.body);
      return JSON.parse(got.body);
    };
    const guestStates = async () => {
      const m = (await h.httpRequest({ port: srv.port, method: 'GET', path: '/metrics' })).body;
      const of = (how) => Number((new RegExp(`^openecs_agent_guest_states_total\\{how="${how}"\\} (\\S+)$`, 'm').exec(m) || [0, 0])[1]);
      return { built: of('built'), held: of('held') };
    };
    const [a, b, cc] = await h.runInstances(c, n, { amount: 3 });
    // The host says its guests run (what its agent would report after spawning them).
    r = await call('POST', `/openecs/agent/v1/report?host_id=${id}`, JSON.stringify({
      observations: [a, b, cc].map((i) => ({ instance_id: i, power: 'running', operation: 'spawn' })),
    }), { 'x-openecs-host-key': key });
    assert.equal(r.status, 200, r.body);
    await h.waitStatus(c, [a, b, cc], 'Running', 10000);

    // The host's whole state, then each change as a pull since the state it holds.
    let held = await pull('since=0&base=0');
    assert.deepEqual(held.vms.map((v) => v.instance_id), [a, b, cc].sort());
    const wholeNow = async () => {
      const w = await pull('since=0');  // no base: built whole, and kept nowhere
      assert.equal(w.delta_from, undefined);
      return w;
    };
    const step = async (change, expectBuilt, expectHeld, expectUpserts) => {
      await change();
      const before = await guestStates();
      const got = await pull(`since=${held.revision}&base=${held.revision}`);
      const after = await guestStates();
      assert.equal(got.changed, true);
      assert.equal(got.delta_from, held.revision);
      assert.deepEqual({ built: after.built - before.built, held: after.held - before.held },
        { built: expectBuilt, held: expectHeld });
      const upserts = ((got.delta.lists || {}).vms || { upsert: [] }).upsert.map((v) => v.instance_id);
      assert.deepEqual(upserts, typeof expectUpserts === 'function' ? expectUpserts() : expectUpserts);
      const applied = applyDelta(held, got.delta);
      const whole = await wholeNow();
      for (const k of Object.keys(whole)) {
        if (k === 'revision' || k === 'changed') continue;
        assert.deepEqual(applied[k], whole[k], `${k} after the delta`);
      }
      held = { ...applied, revision: got.revision };
    };
    // One guest's record: that guest is built, the other two are taken as the host holds them.
    await step(() => c.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: a, instanceName: 'renamed' })),
      1, 2, [a]);
    assert.equal(held.vms.find((v) => v.instance_id === a).instance_name, 'renamed');
    await step(() => c.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [b] })), 1, 2, [b]);
    // What every guest shares (the VPC's vSwitches, here): every guest is built again; none of
    // them differs, so none is sent.
    await step(() => h.createVSwitch(h.vpcClient(srv), n.vpcId, '192.168.2.0/24'), 3, 0, []);
    // A security group is read only for the merged rules, which a host that builds no VPC data
    // plane does not get: it does not concern this host at all.
    await c.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: n.vpcId }));
    assert.equal((await pull(`since=${held.revision}&base=${held.revision}`)).changed, false);
    await step(() => c.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [cc], force: true })),
      1, 2, [cc]);
    // A launch on the host: the new guest is built, and the order names it.
    let added;
    await step(async () => { [added] = await h.runInstances(c, n); }, 1, 3, () => [added]);
    assert.ok(held.vms.some((v) => v.instance_id === added));
  });
});

describe('the agent link over TLS', () => {
  let tlsServer;
  let tlsPort;
  const agents = [];
  before(async () => {
    tlsPort = await h.freePort();
    tlsServer = await h.startServer({ extraArgs: ['--no-local-agent', '--tls-listen', `127.0.0.1:${tlsPort}`] });
  });
  after(async () => {
    for (const a of agents) await a.stop();
    if (tlsServer) await tlsServer.destroy();
  });
  const tlsDir = () => path.join(tlsServer.dataDir, 'tls');
  const fingerprint = () => fs.readFileSync(path.join(tlsDir(), 'server.fingerprint'), 'utf8').trim();
  // The SDK over https, trusting the server's own certificate.
  const httpsEcs = () => new Ecs.default(new h.$OpenApiUtil.Config({
    accessKeyId: tlsServer.ak, accessKeySecret: tlsServer.secret, endpoint: `127.0.0.1:${tlsPort}`, protocol: 'HTTPS',
    readTimeout: 10000, connectTimeout: 10000, ca: fs.readFileSync(path.join(tlsDir(), 'server.crt'), 'utf8'),
  }));

  test('the server makes and keeps a certificate, prints its fingerprint and serves the API over https', async () => {
    assert.match(fingerprint(), /^sha256:[0-9a-f]{64}$/);
    // The log line may reach the file a moment after the server answers its first call.
    const line = new RegExp(`TLS \\(API and agents\\): https://127\\.0\\.0\\.1:${tlsPort}, certificate ${fingerprint()}`);
    await h.waitFor(async () => line.test(fs.readFileSync(tlsServer.logFile, 'utf8')), 10000, 100, 'the TLS line in the server\'s log');
    assert.equal(fs.statSync(path.join(tlsDir(), 'server.key')).mode & 0o077, 0, 'the key is its owner\'s only');
    const regions = wire(await httpsEcs().describeRegions(new Ecs.DescribeRegionsRequest({})));
    assert.ok(regions.Regions.Region.length >= 1);
    const before = fingerprint();
    await tlsServer.restart();
    assert.equal(fingerprint(), before, 'the same certificate after a restart (pins stay true)');
  });

  test('the plain listener refuses agents when TLS is on', async () => {
    const token = fs.readFileSync(path.join(tlsServer.dataDir, 'agent-token'), 'utf8').trim();
    const r = await h.httpRequest({ port: tlsServer.port, method: 'POST', path: '/openecs/agent/v1/register',
      headers: { Authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'plain', zone_id: h.ZONE_A, vcpus: 8, memory_mb: 8192, driver: 'fake' }) });
    assert.equal(r.status, 403, r.body);
    assert.match(r.body, /TLS only/);
  });

  test('an agent pinned to another certificate does not join; one pinned to the server\'s runs instances', { timeout: 60000 }, async () => {
    const ecsTls = h.ecsClient(tlsServer);
    const vpcTls = h.vpcClient(tlsServer);
    const tlsNet = await h.createNetwork(ecsTls, vpcTls, { name: 'tls' });
    const url = `https://127.0.0.1:${tlsPort}`;
    const wrong = new AgentProcess(tlsServer, 'tls-wrong').start({}, url, ['--server-fingerprint', `sha256:${'ab'.repeat(32)}`]);
    agents.push(wrong);
    await h.waitFor(async () => /certificate is sha256:[0-9a-f]{64}, not the pinned sha256:(ab){32}/.test(wrong.log()), 15000, 200, 'the agent to refuse the certificate');
    await expectError(h.runInstances(ecsTls, tlsNet), 'OperationDenied.NoStock', 403);
    await wrong.stop();
    // A pin written as OpenSSL prints it (upper case, colons) is the same pin.
    const openssl = fingerprint().slice(7).toUpperCase().match(/../g).join(':');
    const right = new AgentProcess(tlsServer, 'tls-right').start({}, url, ['--server-fingerprint', openssl]);
    agents.push(right);
    const ids = await h.waitFor(async () => {
      try { return await h.runInstances(ecsTls, tlsNet); } catch (e) {
        if (String(e.message).includes('NoStock')) return null;
        throw e;
      }
    }, 20000, 200, 'the agent to register over TLS');
    await h.waitStatus(ecsTls, ids, 'Running', 20000);
    assert.match(right.log(), new RegExp(`server ${url.replace(/\./g, '\\.')}`));
    // Trusting the server's certificate as a CA works as well (the name 127.0.0.1 is in it).
    await right.stop();
    right.start({}, url, ['--ca-file', path.join(tlsDir(), 'server.crt')]);
    await ecsTls.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: ids }));
    await h.waitStatus(ecsTls, ids, 'Stopped', 20000);
  });
});
