// A guest whose virtual machine dies without a shutdown (a crashed or killed QEMU, emulated
// here) is started again by the platform, as ECS does, and DescribeInstanceHistoryEvents says
// so (SystemFailure.Reboot); a guest shut down from inside stays Stopped.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

const { Ecs, REGION } = h;
let server, ecs, network;

before(async () => {
  server = await h.startServer({ delayMs: 50 });
  ecs = h.ecsClient(server);
  network = await h.createNetwork(ecs, h.vpcClient(server));
});
after(async () => { if (server) await server.destroy(); });

async function crash(id) {
  const r = await h.httpRequest({ port: server.port, method: 'POST', path: `/openecs/fake/faults?instance=${id}&crash=1` });
  assert.equal(r.status, 200, r.body);
}

test('a crashed guest is started again and a SystemFailure.Reboot event tells why', async () => {
  const [id] = await h.runRunning(ecs, network);
  const before = await h.describeInstance(ecs, id);
  await crash(id);
  // It passes through Starting (or is already back) and runs again on its own.
  await h.waitFor(async () => {
    const events = h.wire(await ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({
      regionId: REGION, instanceId: id })));
    return events.InstanceSystemEventSet.InstanceSystemEventType.some((e) => e.EventType.Name === 'SystemFailure.Reboot');
  }, 15000, 100, 'a SystemFailure.Reboot event');
  await h.waitStatus(ecs, [id], 'Running');
  const after = await h.describeInstance(ecs, id);
  assert.ok(after.StartTime >= before.StartTime, 'started again');
  const events = h.wire(await ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({
    regionId: REGION, instanceId: id })));
  const e = events.InstanceSystemEventSet.InstanceSystemEventType.find((x) => x.EventType.Name === 'SystemFailure.Reboot');
  assert.equal(e.EventCycleStatus.Name, 'Executed');
  assert.match(e.Reason, /stopped unexpectedly/);
  // Crashing a guest that does not run is refused (emulator control), not a 500.
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }));
  await h.waitStatus(ecs, [id], 'Stopped');
  const r = await h.httpRequest({ port: server.port, method: 'POST', path: `/openecs/fake/faults?instance=${id}&crash=1` });
  assert.equal(r.status, 400, r.body);
  await h.waitStatus(ecs, [id], 'Stopped');
});
