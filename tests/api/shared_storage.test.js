'use strict';
// Hosts that share their disks' storage (issue 21: an RBD pool; here the emulator's hosts given
// the same --storage rbd:... spec): an instance stopped in StopCharging mode starts again on
// another host of the pool when its own has no room, and its disks go with it; a host with
// its own files (local storage) never takes it; an instance on local storage never moves.
// A server with no local agent and three `ecsd agent` processes (fake driver, 4 vCPUs each);
// each agent's fake hypervisor journal says which guests run on that host.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

const BIG = 'ecs.c7.xlarge';  // 4 vCPUs: a host's whole room
const SHARED = ['--storage', 'rbd:pool=shared,conf=/nonexistent/ceph.conf'];
let server, ecs, net;
const agents = {};

const onHost = (id) => Object.values(agents).filter((a) => a.guests().has(id)).map((a) => a.name);
async function waitOn(id, name) {
  await h.waitFor(async () => JSON.stringify(onHost(id)) === JSON.stringify([name]), 20000, 100, `${id} on ${name} only`);
}
async function hosts() {
  return (await h.operatorCall(server, 'GET', 'hosts')).Hosts || [];
}
async function run(extra = {}) {
  const [id] = await h.runRunning(ecs, net, { instanceType: BIG, ...extra });
  await h.waitFor(async () => onHost(id).length === 1, 20000, 100, `${id} on a host`);
  return id;
}
async function release(id) {
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
  await h.waitFor(async () => onHost(id).length === 0, 20000, 100, `${id} gone from its host`);
}
async function stopEconomically(id) {
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: 'StopCharging' }));
  await h.waitStatus(ecs, [id], 'Stopped', 20000);
}
const start = (id) => ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id }));

before(async () => {
  server = await h.startServer({ extraArgs: ['--no-local-agent'] });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'shared' });
  for (const name of ['pool-1', 'pool-2'])
    agents[name] = new h.AgentProcess(server, name, ['--fake-host-vcpus', '4', ...SHARED]);
  await h.waitFor(async () => (await hosts()).length === 2, 20000, 100, 'two hosts of the pool');
});
after(async () => {
  for (const a of Object.values(agents)) await a.stop();
  if (server) await server.destroy();
});

test('StopCharging, then StartInstance on another host of the pool when its own is full; never on a host with its own files', async () => {
  const pool = (await hosts()).map((x) => x.Storage);
  assert.equal(pool.length, 2);
  assert.ok(pool.every((s) => s === 'rbd:emulated/shared'), `both report the pool: ${JSON.stringify(pool)}`);
  const x = await run({ dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 20 })] });
  const [p] = onHost(x);
  const q = p === 'pool-1' ? 'pool-2' : 'pool-1';
  const f1 = await run();
  assert.deepEqual(onHost(f1), [q], 'the only room left');
  // A host with its own files joins.
  agents.files = new h.AgentProcess(server, 'files', ['--fake-host-vcpus', '4']);
  await h.waitFor(async () => (await hosts()).length === 3, 20000, 100, 'the third host');

  await stopEconomically(x);
  const f2 = await run();
  const f3 = await run();
  const fillerOn = (name) => [f2, f3].find((id) => onHost(id)[0] === name);
  assert.ok(fillerOn(p) && fillerOn('files'), 'X\'s host and the files host are full');
  await expectError(start(x), 'OperationDenied.NoStock');
  // The files host has room again, but it cannot open X's disks.
  await release(fillerOn('files'));
  await expectError(start(x), 'OperationDenied.NoStock');
  // The other host of the pool has room: X starts there, its disks with it.
  await release(f1);
  await start(x);
  await h.waitStatus(ecs, [x], 'Running', 20000);
  await waitOn(x, q);
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: x }))).Disks.Disk;
  assert.deepEqual(disks.map((d) => [d.Type, d.Status]).sort(), [['data', 'In_use'], ['system', 'In_use']]);
  // Stopped and started again with its host free: it stays.
  await stopEconomically(x);
  await start(x);
  await h.waitStatus(ecs, [x], 'Running', 20000);
  await waitOn(x, q);

  // An instance on the files host (local storage) never moves: with its host full, it does not
  // start although a host of the pool has room.
  const w = await run();
  assert.deepEqual(onHost(w), ['files']);
  await stopEconomically(w);
  const f4 = await run();
  assert.deepEqual(onHost(f4), ['files']);
  await release(fillerOn(p));
  await expectError(start(w), 'OperationDenied.NoStock');

  // The files host cannot come back on the pool while it keeps disks in its files: the hosts
  // of the pool would take them for deleted ones. Its agent says so and keeps trying.
  const fs = require('node:fs');
  await agents.files.stop();
  agents.files = new h.AgentProcess(server, 'files', ['--fake-host-vcpus', '4', ...SHARED]);
  await h.waitFor(async () => /keeps disks on storage 'local'; it cannot come back with storage 'rbd:emulated\/shared'/
    .test(fs.readFileSync(agents.files.logFile, 'utf8')), 20000, 200, 'the agent refused');
  assert.equal((await hosts()).find((x) => x.Name === 'files').Storage, 'local');
  await agents.files.stop();
  agents.files = new h.AgentProcess(server, 'files', ['--fake-host-vcpus', '4']);
  for (const id of [x, w, f4]) await release(id);
});
