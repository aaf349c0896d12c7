'use strict';
// Several API servers on one PostgreSQL store (issue 20; service/cloud.h "Several servers"):
// two `ecsd server`s, two agents that know both (`--server a,b`), and a kill -9 of one server
// in the middle of 1,000 mixed operations. Every operation is sent to one server and, when that
// one cannot answer, retried on the other as a client of a real cloud would (creations carry a
// ClientToken). Nothing may be lost or made twice, the background work and the agents move to
// the server left, and everything converges; the killed server, started again, agrees.
// PostgreSQL only (OPENECS_TEST_STORE=postgres, scripts/test's second API pass): SQLite takes one
// server.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const h = require('./helpers');
const { Ecs } = h;

const skip = h.STORE !== 'postgres' && 'several servers need the PostgreSQL store (OPENECS_TEST_STORE=postgres)';
let a, b, agents = [], net;

const client = (s) => ({ server: s, ecs: h.ecsClient(s, { readTimeout: 20000 }) });

// A call sent to `first` and, when a server cannot answer (refused, reset, ServiceUnavailable,
// a token still in flight), to the other one, until one answers. `retried`: an earlier attempt
// reached a server that may have done it before it died (not a refused connection), so that
// "already done" answers count.
async function call(first, fn) {
  let at = first, maybeDone = false;
  for (let attempt = 0; ; attempt++) {
    const c = at === 0 ? A : B;
    try {
      return { res: await fn(c.ecs), retried: maybeDone };
    } catch (e) {
      const text = `${e.code} ${e.message}`;
      const refused = /ECONNREFUSED/.test(text);
      const down = refused || /ECONNRESET|socket hang up|EPIPE|timeout/i.test(text)
        || e.statusCode === 503 || ['ServiceUnavailable', 'LastTokenProcessing'].includes(e.code);
      if (!down || attempt > 60) {
        e.retried = maybeDone;
        throw e;
      }
      maybeDone ||= !refused;
      at = 1 - at;
      await h.sleep(50);
    }
  }
}
let A, B;

before(async () => {
  if (skip) return;
  a = await h.startServer({ command: 'server', delayMs: 20 });
  b = await h.startServer({ command: 'server', delayMs: 20, shareStoreOf: a });
  A = client(a);
  B = client(b);
  // h1 talks to a first, h2 to b: both servers have an agent, until a dies.
  agents = [new h.AgentProcess([a, b], 'h1', ['--fake-host-vcpus', '128', '--fake-host-memory-mb', '262144']),
    new h.AgentProcess([b, a], 'h2', ['--fake-host-vcpus', '128', '--fake-host-memory-mb', '262144'])];
  await h.waitFor(async () => ((await h.operatorCall(b, 'GET', 'hosts')).Hosts || []).length === 2,
    20000, 100, 'two hosts registered');
  net = await h.createNetwork(A.ecs, h.vpcClient(a), { name: 'multi' });
});
after(async () => {
  for (const ag of agents) await ag.stop();
  if (b) await b.destroy();
  if (a) await a.destroy();
});

test('a write on one server is read on the other at once', { skip }, async () => {
  // The network made on a is on b.
  const vpcs = h.wire(await h.vpcClient(b).describeVpcs(new h.Vpc.DescribeVpcsRequest({ regionId: h.REGION, vpcId: net.vpcId })));
  assert.equal(vpcs.TotalCount, 1);
  // Twenty security groups made on one server, each looked up on the other until seen.
  const lags = [];
  for (let i = 0; i < 20; i++) {
    const [from, to] = i % 2 ? [B, A] : [A, B];
    const made = h.wire(await from.ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
      regionId: h.REGION, vpcId: net.vpcId, securityGroupName: `lag-${i}`,
    }))).SecurityGroupId;
    const t0 = Date.now();
    await h.waitFor(async () => h.wire(await to.ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({
      regionId: h.REGION, securityGroupId: made,
    }))).TotalCount === 1, 2000, 2, `${made} on the other server`);
    lags.push(Date.now() - t0);
    await from.ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: h.REGION, securityGroupId: made }));
  }
  lags.sort((x, y) => x - y);
  console.log(`# seen on the other server after p50 ${lags[10]} ms, max ${lags[19]} ms`);

  // What a host's agent reports to its server and no server stores, its guests' consoles,
  // each server answers: two guests, one on a host that talks to a and one on b's (the
  // scheduler spreads them; the check holds for either placement).
  const ids = await h.runRunning(B.ecs, net, { amount: 2 });
  for (const id of ids) {
    for (const c of [A, B]) {
      await h.waitFor(async () => {
        const out = h.wire(await c.ecs.getInstanceConsoleOutput(new Ecs.GetInstanceConsoleOutputRequest({ regionId: h.REGION, instanceId: id })));
        return Buffer.from(out.ConsoleOutput || '', 'base64').toString().length > 0;
      }, 5000, 100, `${id}'s console on ${c.server.endpoint}`);
    }
  }
  await B.ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: h.REGION, instanceId: ids, force: true }));
  await h.waitFor(async () => (await h.describeInstances(A.ecs, ids)).length === 0, 10000, 100, 'the two released');
});

test('kill -9 of one server during 1,000 mixed operations: nothing lost or made twice, all converges', { skip, timeout: 300000 }, async () => {
  const RUNS = 100, GROUPS = 300, DELETED = 100, STOPPED = 50;
  let done = 0, killedAt = null;
  const stats = { retried: 0, ops: 0 };
  // Runs `ops` (functions of an index) with 8 at a time; each op's server alternates.
  async function phase(n, op) {
    let next = 0;
    async function worker() {
      while (next < n) {
        const k = next++;
        const r = await op(k, k % 2);
        if (r && r.retried) stats.retried++;
        stats.ops++;
        if (++done === 350 && !killedAt) {
          killedAt = Date.now();
          await a.kill9();  // in the middle of the security groups, with calls in flight
        }
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker));
  }
  const token = `ms-${Date.now()}`;
  // 100 launches, each with its own ClientToken.
  const made = new Map();
  await phase(RUNS, async (k, s) => {
    const r = await call(s, (ecs) => ecs.runInstances(new Ecs.RunInstancesRequest({
      regionId: h.REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
      securityGroupId: net.securityGroupId, amount: 1, clientToken: `${token}-run-${k}`,
    })));
    made.set(k, h.wire(r.res).InstanceIdSets.InstanceIdSet);
    return r;
  });
  // 300 security groups (ClientToken), 100 of them deleted, 200 described anew; the server is
  // killed in here.
  const groups = new Map();
  await phase(GROUPS, async (k, s) => {
    const r = await call(s, (ecs) => ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
      regionId: h.REGION, vpcId: net.vpcId, securityGroupName: `${token}-sg-${k}`, clientToken: `${token}-sg-${k}`,
    })));
    groups.set(k, h.wire(r.res).SecurityGroupId);
    return r;
  });
  await phase(DELETED, async (k, s) => {
    try {
      return await call(s, (ecs) => ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: h.REGION, securityGroupId: groups.get(k) })));
    } catch (e) {
      if (e.retried && /NotFound/.test(e.code)) return { retried: true };  // the first try did it
      throw e;
    }
  });
  await phase(GROUPS - DELETED, async (k, s) => call(s, (ecs) => ecs.modifySecurityGroupAttribute(new Ecs.ModifySecurityGroupAttributeRequest({
    regionId: h.REGION, securityGroupId: groups.get(k + DELETED), description: `d-${k + DELETED}`,
  }))));
  const ids = Array.from({ length: RUNS }, (_, k) => made.get(k)[0]);  // by k: ids[k] is run k's
  await phase(RUNS, async (k, s) => call(s, (ecs) => ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({
    instanceId: made.get(k)[0], instanceName: `${token}-vm-${k}`,
  }))));
  await h.waitStatus(B.ecs, ids, 'Running', 60000);
  await phase(STOPPED, async (k, s) => {
    try {
      return await call(s, (ecs) => ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: made.get(k)[0] })));
    } catch (e) {
      if (e.retried && e.code === 'IncorrectInstanceStatus') return { retried: true };
      throw e;
    }
  });
  await phase(1000 - stats.ops, async (k, s) => call(s, (ecs) => (k % 2
    ? ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: h.REGION, pageSize: 100 }))
    : ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: h.REGION, vpcId: net.vpcId, pageSize: 50 })))));
  assert.equal(stats.ops, 1000);
  assert.ok(killedAt, 'the server was killed during the run');

  // Nothing made twice: one instance per token, and the cloud holds exactly those.
  assert.equal(new Set(ids).size, RUNS);
  const all = [];
  for (let page = 1; ; page++) {
    const r = h.wire(await B.ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: h.REGION, pageSize: 100, pageNumber: page })));
    all.push(...r.Instances.Instance);
    if (all.length >= r.TotalCount) break;
  }
  assert.deepEqual(all.map((i) => i.InstanceId).sort(), [...ids].sort());
  for (let k = 0; k < RUNS; k++) {
    const inst = all.find((i) => i.InstanceId === made.get(k)[0]);
    assert.equal(inst.InstanceName, `${token}-vm-${k}`);
  }
  // Nothing lost: the 200 groups kept, described; the 100 deleted gone.
  const sgs = [];
  for (let page = 1; ; page++) {
    const r = h.wire(await B.ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: h.REGION, vpcId: net.vpcId, pageSize: 50, pageNumber: page })));
    sgs.push(...r.SecurityGroups.SecurityGroup);
    if (sgs.length >= r.TotalCount) break;
  }
  const mine = sgs.filter((g) => g.SecurityGroupName.startsWith(`${token}-sg-`));
  assert.equal(mine.length, GROUPS - DELETED);
  assert.equal(new Set(mine.map((g) => g.SecurityGroupName)).size, GROUPS - DELETED);
  for (const g of mine) assert.equal(g.Description, `d-${g.SecurityGroupName.split('-').pop()}`);

  // Everything converges: the stopped ones stop, the rest run, on the hosts' hypervisors too
  // (the agent of the killed server went over to the other).
  const stopped = ids.filter((id, i) => i < STOPPED);
  await h.waitStatus(B.ecs, stopped, 'Stopped', 60000);
  const running = ids.filter((id, i) => i >= STOPPED);
  await h.waitFor(async () => {
    const guests = new Set([...agents[0].guests(), ...agents[1].guests()]);
    return running.every((id) => guests.has(id));
  }, 30000, 200, 'every running instance on a host');
  // The background work went from the killed server (the first, so the first leader) to the
  // one left, and the killed server's agent went over too.
  const leads = /this server now runs the background work \(leader\)/;
  assert.match(fs.readFileSync(a.logFile, 'utf8'), leads);
  assert.match(fs.readFileSync(b.logFile, 'utf8'), leads);
  assert.match(fs.readFileSync(agents[0].logFile, 'utf8'), new RegExp(`${a.endpoint} cannot be reached; now talking to http://${b.endpoint}`));
  // No host was declared lost on the way.
  const hosts = (await h.operatorCall(b, 'GET', 'hosts')).Hosts;
  assert.equal(hosts.length, 2);
  for (const x of hosts) assert.ok(!x.Lost && !x.LostSince, `${x.Name} is not lost: ${JSON.stringify(x)}`);

  // The killed server, started again, reads the same cloud.
  await a.start();
  const again = [];
  for (let page = 1; ; page++) {
    const r = h.wire(await A.ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: h.REGION, pageSize: 100, pageNumber: page })));
    again.push(...r.Instances.Instance);
    if (again.length >= r.TotalCount) break;
  }
  const summary = (list) => list.map((i) => `${i.InstanceId} ${i.InstanceName} ${i.Status}`).sort();
  assert.deepEqual(summary(again), summary(all.map((i) => ({ ...i, Status: stopped.includes(i.InstanceId) ? 'Stopped' : 'Running' }))));
  console.log(`# 1000 operations, ${stats.retried} retried on the other server after the kill`);
});
