'use strict';
// `ecsd agent --server URL`: a host agent in its own process joins a server that has no local
// agent (`ecsd dev --no-local-agent`) over the HTTP agent protocol. Through the official SDK:
// no host → NoStock; the agent registers and instances run, stop, start and release on it;
// kill -9 of the agent (guests adopted) and of the server (the agent reconnects) lose nothing;
// the agent routes refuse a wrong token.
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

  start(extraEnv = {}) {
    const args = ['agent', '--server', `http://${this.server.endpoint}`,
      '--token-file', path.join(this.server.dataDir, 'agent-token'), '--zone', h.ZONE_A,
      '--name', this.name, '--driver', 'fake', '--fake-delay-ms', '50', '--data-dir', this.dataDir];
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
