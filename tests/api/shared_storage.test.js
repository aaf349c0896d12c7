'use strict';
// Hosts that share their disks' storage (issue 21: an RBD pool; here the emulator's hosts given
// the same --storage rbd:... spec): an instance stopped in StopCharging mode starts again on
// another host of the pool when its own has no room, and its disks go with it; a host with
// its own files (local storage) never takes it; an instance on local storage never moves.
// A server with no local agent and three `ecsd agent` processes (fake driver, 4 vCPUs each);
// each agent's fake hypervisor journal says which guests run on that host. Then hosts whose
// agents die (kill -9): the lost host's instances on the pool start on the other host of the
// pool, the others stop, each with its system event, and nothing new goes to a lost host.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

const BIG = 'ecs.c7.xlarge';  // 4 vCPUs: a host's whole room
const SHARED = ['--storage', 'rbd:pool=shared,conf=/nonexistent/ceph.conf'];
const LOST_AFTER_S = 6;  // a host whose agent is silent this long is lost (host_health.h)
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
  server = await h.startServer({ extraArgs: ['--no-local-agent', '--host-lost-after', String(LOST_AFTER_S)] });
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

async function events(id) {
  const r = wire(await ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({ regionId: REGION, instanceId: id })));
  return r.InstanceSystemEventSet.InstanceSystemEventType.map((e) => [e.EventType.Name, e.Reason]);
}
const hostNamed = async (name) => (await hosts()).find((x) => x.Name === name);
async function kill(name) {
  agents[name].child.kill('SIGKILL');
  await agents[name].child.exitPromise;
  agents[name].child = null;
}

test('a host whose agent goes silent is lost: its instances on the pool start elsewhere, the others stop; nothing new goes there', { timeout: 120000 }, async () => {
  // One 4-vCPU instance on each host; the one on pool-2 goes, so pool-2 has room.
  const withData = { dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 20 })] };
  const ids = [await run(withData), await run(withData), await run(withData)];
  const on = Object.fromEntries(ids.map((id) => [onHost(id)[0], id]));
  assert.deepEqual(Object.keys(on).sort(), ['files', 'pool-1', 'pool-2'], JSON.stringify(on));
  await release(on['pool-2']);
  const mover = on['pool-1'], local = on.files;

  const t0 = Date.now();
  await kill('pool-1');
  // Lost after LOST_AFTER_S: its instance runs on pool-2, with its disks.
  await h.waitFor(async () => (await hostNamed('pool-1')).State === 'Lost', 30000, 200, 'pool-1 lost');
  const lostAfter = (Date.now() - t0) / 1000;
  assert.ok(lostAfter >= LOST_AFTER_S - 0.5, `lost after ${lostAfter} s, not before ${LOST_AFTER_S} s`);
  await h.waitStatus(ecs, [mover], 'Running', 20000);
  assert.ok(agents['pool-2'].guests().has(mover), 'it runs on pool-2');  // pool-1's journal keeps it
  const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: mover }))).Disks.Disk;
  assert.deepEqual(disks.map((d) => d.Status), ['In_use', 'In_use']);
  const [[type, reason]] = await events(mover);
  assert.equal(type, 'SystemFailure.Reboot');
  assert.match(reason, /Host pool-1 stopped answering; it is being started again on another host/);
  // pool-1 holds nothing now, but it is lost: a new 4-vCPU instance finds no room anywhere.
  await expectError(h.runInstances(ecs, net, { instanceType: BIG }), 'OperationDenied.NoStock');

  // The files host goes: its instance cannot leave its disks, and stops.
  await kill('files');
  await h.waitStatus(ecs, [local], 'Stopped', 30000);
  const [[stopType, stopReason]] = await events(local);
  assert.equal(stopType, 'SystemFailure.Stop');
  assert.match(stopReason, /Host files stopped answering and the instance cannot leave it/);
  await expectError(start(local), 'OperationDenied.NoStock');

  // Both agents come back: the hosts are Up, pool-1's agent drops the guest that moved away, the
  // stopped instance starts on its own host, and pool-1 takes new work.
  agents['pool-1'] = new h.AgentProcess(server, 'pool-1', ['--fake-host-vcpus', '4', ...SHARED]);
  agents.files = new h.AgentProcess(server, 'files', ['--fake-host-vcpus', '4']);
  await h.waitFor(async () => (await hosts()).every((x) => x.State === 'Up'), 30000, 200, 'every host back');
  await waitOn(mover, 'pool-2');
  await start(local);
  await h.waitStatus(ecs, [local], 'Running', 20000);
  await waitOn(local, 'files');
  const fresh = await run();
  assert.deepEqual(onHost(fresh), ['pool-1']);
  for (const id of [mover, local, fresh]) await release(id);
});

test('an image made on a host of the pool is kept in the pool: its instances start on the other host, and move when theirs is lost', { timeout: 120000 }, async () => {
  // Two 4-vCPU instances: one of them on a host of the pool, the image's source.
  const first = [await run(), await run()];
  const source = first.find((id) => onHost(id)[0] !== 'files');
  const maker = onHost(source)[0];
  const other = maker === 'pool-1' ? 'pool-2' : 'pool-1';
  const imageId = wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, instanceId: source, imageName: 'pooled' }))).ImageId;
  const describe = async () => wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, imageId, status: 'Creating,Available,CreateFailed' }))).Images.Image[0];
  await h.waitFor(async () => (await describe()).Status === 'Available', 20000, 100, 'the image made');
  for (const id of first) await release(id);

  // Its maker is lost: an instance of the image starts on the other host of the pool, never on
  // the files host; with that host full, there is no room for another.
  await kill(maker);
  await h.waitFor(async () => (await hostNamed(maker)).State === 'Lost', 30000, 200, `${maker} lost`);
  const y = await run({ imageId });
  assert.deepEqual(onHost(y), [other]);
  await expectError(h.runInstances(ecs, net, { instanceType: BIG, imageId }), 'OperationDenied.NoStock');

  // The maker is back, and the other host goes: the instance moves to the maker, with its event.
  agents[maker] = new h.AgentProcess(server, maker, ['--fake-host-vcpus', '4', ...SHARED]);
  await h.waitFor(async () => (await hostNamed(maker)).State === 'Up', 30000, 200, `${maker} back`);
  await kill(other);
  await h.waitFor(async () => (await hostNamed(other)).State === 'Lost', 30000, 200, `${other} lost`);
  await h.waitStatus(ecs, [y], 'Running', 20000);
  assert.ok(agents[maker].guests().has(y), `it runs on ${maker}`);
  const [[type]] = await events(y);
  assert.equal(type, 'SystemFailure.Reboot');

  agents[other] = new h.AgentProcess(server, other, ['--fake-host-vcpus', '4', ...SHARED]);
  await h.waitFor(async () => (await hosts()).every((x) => x.State === 'Up'), 30000, 200, 'every host back');
  await release(y);
  await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: REGION, imageId }));
});
