'use strict';
// Instance lifecycle (reference section 8): Start/Stop/Reboot/Delete single and batch forms,
// transitional states, state errors, DeletionProtection, disks on release, DryRun, and fake
// driver fault injection. Runs with --fake-delay-ms 200 so transitional states are observable.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, IMAGE, wire, expectError } = h;

const DELAY = 200;
let server;
let ecs;
let net;

before(async () => {
  server = await h.startServer({ delayMs: DELAY });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'life' });
});
after(async () => { if (server) await server.destroy(); });

const status = async (id) => (await h.describeInstance(ecs, id)).Status;
const stop = (id, extra = {}) => ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, ...extra }));
const start = (id, extra = {}) => ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id, ...extra }));
const reboot = (id, extra = {}) => ecs.rebootInstance(new Ecs.RebootInstanceRequest({ instanceId: id, ...extra }));
const del = (id, extra = {}) => ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, ...extra }));
const createStopped = async (extra = {}) => {
  const id = wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
    regionId: REGION, imageId: IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
    securityGroupId: net.securityGroupId, ...extra,
  }))).InstanceId;
  await h.waitStatus(ecs, [id], 'Stopped');
  return id;
};
// The instance's system events, newest first (DescribeInstanceHistoryEvents).
const eventsOf = async (id, extra = {}) => wire(await ecs.describeInstanceHistoryEvents(
  new Ecs.DescribeInstanceHistoryEventsRequest({ regionId: REGION, instanceId: id, ...extra }))).InstanceSystemEventSet.InstanceSystemEventType;
const responses = (res) => Object.fromEntries(wire(res).InstanceResponses.InstanceResponse.map((r) => [r.InstanceId, r]));

describe('single-instance lifecycle', () => {
  let id;
  before(async () => { [id] = await h.runRunning(ecs, net); });

  test('RunInstances goes through a transitional state before Running', async () => {
    const [x] = await h.runInstances(ecs, net);
    assert.ok(['Pending', 'Starting'].includes(await status(x)), 'not Running immediately');
    if (await status(x) === 'Pending') {
      // Docs: DeleteInstance on an initializing instance is IncorrectInstanceStatus(.Initializing).
      await expectError(del(x, { force: true }), /^IncorrectInstanceStatus/, 403);
    }
    await h.waitStatus(ecs, [x], 'Running');
    await del(x, { force: true });
  });

  test('StopInstance: Running → Stopping → Stopped; second stop is refused', async () => {
    await stop(id);
    assert.equal(await status(id), 'Stopping');
    await h.waitStatus(ecs, [id], 'Stopped');
    await expectError(stop(id), 'IncorrectInstanceStatus', 403);
    await expectError(reboot(id), 'IncorrectInstanceStatus', 403);
  });

  test('StartInstance: Stopped → Starting → Running; second start is refused', async () => {
    await start(id);
    assert.equal(await status(id), 'Starting');
    await h.waitStatus(ecs, [id], 'Running');
    await expectError(start(id), 'IncorrectInstanceStatus', 403);
  });

  test('RebootInstance: Running → Starting → Running', async () => {
    await reboot(id);
    assert.ok(['Starting', 'Stopping'].includes(await status(id)), 'rebooting instance is not Running');
    await h.waitStatus(ecs, [id], 'Running');
    await reboot(id, { forceStop: true });
    await h.waitStatus(ecs, [id], 'Running');
  });

  test('actions during a transition are refused', async () => {
    await stop(id);
    await expectError(start(id), 'IncorrectInstanceStatus', 403); // Stopping
    await expectError(reboot(id), 'IncorrectInstanceStatus', 403);
    await h.waitStatus(ecs, [id], 'Stopped');
    await start(id);
    await expectError(stop(id), 'IncorrectInstanceStatus', 403); // Starting
    await h.waitStatus(ecs, [id], 'Running');
  });

  test('ForceStop and StoppedMode', async () => {
    await stop(id, { forceStop: true, stoppedMode: 'StopCharging' });
    await h.waitStatus(ecs, [id], 'Stopped');
    assert.equal((await h.describeInstance(ecs, id)).StoppedMode, 'StopCharging');
    await start(id);
    await h.waitStatus(ecs, [id], 'Running');
    await stop(id, { stoppedMode: 'KeepCharging' });
    await h.waitStatus(ecs, [id], 'Stopped');
    const attr = wire(await ecs.describeInstanceAttribute(new Ecs.DescribeInstanceAttributeRequest({ instanceId: id })));
    assert.equal(attr.StoppedMode, 'KeepCharging');
    await start(id);
    await h.waitStatus(ecs, [id], 'Running');
  });

  test('DryRun changes nothing', async () => {
    await expectError(stop(id, { dryRun: true }), 'DryRunOperation', 400);
    await expectError(reboot(id, { dryRun: true }), 'DryRunOperation', 400);
    await expectError(del(id, { dryRun: true, force: true }), 'DryRunOperation', 400);
    await h.sleep(DELAY * 2);
    assert.equal(await status(id), 'Running');
    // DryRun still reports real problems first.
    await expectError(start(id, { dryRun: true }), 'IncorrectInstanceStatus', 403);
  });

  test('unknown instance ids are InvalidInstanceId.NotFound', async () => {
    for (const call of [stop, start, reboot, del]) {
      await expectError(call('i-doesnotexist'), 'InvalidInstanceId.NotFound', 404);
    }
  });

  test('DeleteInstance: Running needs Force; the instance then disappears', async () => {
    await expectError(del(id), 'IncorrectInstanceStatus', 403);
    assert.equal(await status(id), 'Running');
    await del(id, { force: true });
    await h.waitGone(ecs, [id]);
    await expectError(ecs.describeInstanceAttribute(new Ecs.DescribeInstanceAttributeRequest({ instanceId: id })),
      'InvalidInstanceId.NotFound', 404);
    await expectError(del(id, { force: true }), 'InvalidInstanceId.NotFound', 404);
    await expectError(start(id), 'InvalidInstanceId.NotFound', 404);
  });

  test('DeleteInstance of a Stopped instance needs no Force', async () => {
    const x = await createStopped();
    await del(x);
    await h.waitGone(ecs, [x]);
  });
});

describe('VNC', () => {
  const vncUrl = (id) => ecs.describeInstanceVncUrl(new Ecs.DescribeInstanceVncUrlRequest({ regionId: REGION, instanceId: id }));
  const setVnc = (id, vncPassword) => ecs.modifyInstanceVncPasswd(new Ecs.ModifyInstanceVncPasswdRequest({ regionId: REGION, instanceId: id, vncPassword }));

  test('DescribeInstanceVncUrl needs a Running instance; the emulator says where it would be', async () => {
    const [id] = await h.runRunning(ecs, net);
    // Emulator mode has no screen: a URL under the reserved .invalid domain.
    assert.equal(wire(await vncUrl(id)).VncUrl, `ws://emulator.invalid/vnc/${id}`);
    await stop(id);
    await h.waitStatus(ecs, [id], 'Stopped');
    await expectError(vncUrl(id), 'IncorrectInstanceStatus', 403);
    await expectError(vncUrl('i-doesnotexist'), 'InvalidInstanceId.NotFound', 404);
    await del(id);
  });

  test('ModifyInstanceVncPasswd takes six letters and digits, nothing else', async () => {
    const id = await createStopped();
    await setVnc(id, 'Abc123');
    for (const bad of ['abc12', 'abc1234', 'abc-12', ''])
      await expectError(setVnc(id, bad), bad ? 'InvalidVncPassword.Malformed' : 'MissingParameter', 400);
    await expectError(setVnc('i-doesnotexist', 'Abc123'), 'InvalidInstanceId.NotFound', 404);
    await del(id);
  });
});

describe('batch operations', () => {
  let a;
  let b;
  let c; // Stopped
  const ghost = 'i-doesnotexist';

  before(async () => {
    [a, b] = await h.runRunning(ecs, net, { amount: 2 });
    c = await createStopped();
  });

  test('StopInstances SuccessFirst reports per-instance results', async () => {
    const res = await ecs.stopInstances(new Ecs.StopInstancesRequest({
      regionId: REGION, instanceId: [a, c, ghost], batchOptimization: 'SuccessFirst',
    }));
    assert.equal(res.statusCode, 200);
    const r = responses(res);
    assert.deepEqual(Object.keys(r).sort(), [a, c, ghost].sort());
    assert.equal(String(r[a].Code), '200');
    assert.equal(r[a].PreviousStatus, 'Running');
    assert.equal(r[a].CurrentStatus, 'Stopping');
    assert.equal(r[c].Code, 'IncorrectInstanceStatus');
    assert.equal(r[c].PreviousStatus, 'Stopped');
    assert.equal(r[c].CurrentStatus, 'Stopped');
    assert.ok(r[c].Message);
    assert.equal(r[ghost].Code, 'InvalidInstanceId.NotFound');
    await h.waitStatus(ecs, [a], 'Stopped');
    assert.equal(await status(c), 'Stopped');
  });

  test('StartInstances SuccessFirst', async () => {
    const r = responses(await ecs.startInstances(new Ecs.StartInstancesRequest({
      regionId: REGION, instanceId: [a, b], batchOptimization: 'SuccessFirst',
    })));
    assert.equal(String(r[a].Code), '200');
    assert.equal(r[a].PreviousStatus, 'Stopped');
    assert.equal(r[a].CurrentStatus, 'Starting');
    assert.equal(r[b].Code, 'IncorrectInstanceStatus');
    assert.equal(r[b].PreviousStatus, 'Running');
    assert.equal(r[b].CurrentStatus, 'Running');
    await h.waitStatus(ecs, [a], 'Running');
  });

  test('RebootInstances SuccessFirst', async () => {
    const r = responses(await ecs.rebootInstances(new Ecs.RebootInstancesRequest({
      regionId: REGION, instanceId: [a, c], batchOptimization: 'SuccessFirst',
    })));
    assert.equal(String(r[a].Code), '200');
    assert.equal(r[a].PreviousStatus, 'Running');
    assert.ok(['Starting', 'Stopping'].includes(r[a].CurrentStatus), r[a].CurrentStatus);
    assert.equal(r[c].Code, 'IncorrectInstanceStatus');
    await h.waitStatus(ecs, [a], 'Running');
    assert.equal(await status(c), 'Stopped');
  });

  test('AllTogether (default): one bad instance fails the whole call and changes nothing', async () => {
    await expectError(ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [a, c] })),
      'IncorrectInstanceStatus', 403);
    await expectError(ecs.startInstances(new Ecs.StartInstancesRequest({ regionId: REGION, instanceId: [c, a] })),
      'IncorrectInstanceStatus', 403);
    await expectError(ecs.rebootInstances(new Ecs.RebootInstancesRequest({ regionId: REGION, instanceId: [a, c] })),
      'IncorrectInstanceStatus', 403);
    await expectError(ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [a, ghost] })),
      'InvalidInstanceId.NotFound', 404);
    await h.sleep(DELAY * 2);
    assert.equal(await status(a), 'Running');
    assert.equal(await status(c), 'Stopped');
  });

  test('AllTogether success moves every instance', async () => {
    await ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [a, b], forceStop: true }));
    await h.waitStatus(ecs, [a, b], 'Stopped');
    await ecs.startInstances(new Ecs.StartInstancesRequest({ regionId: REGION, instanceId: [a, b, c] }));
    await h.waitStatus(ecs, [a, b, c], 'Running');
    await ecs.rebootInstances(new Ecs.RebootInstancesRequest({ regionId: REGION, instanceId: [a, b], forceReboot: true }));
    await h.waitStatus(ecs, [a, b], 'Running');
  });

  test('DryRun on a batch changes nothing', async () => {
    await expectError(ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [a, b], dryRun: true })),
      'DryRunOperation', 400);
    await h.sleep(DELAY * 2);
    assert.equal(await status(a), 'Running');
  });

  test('DeleteInstances: Running needs Force; Force releases all', async () => {
    await expectError(ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [a, b] })),
      'IncorrectInstanceStatus', 403);
    assert.equal(await status(a), 'Running');
    await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [a, b, c], force: true }));
    await h.waitGone(ecs, [a, b, c]);
  });
});

describe('release semantics', () => {
  test('DeletionProtection blocks DeleteInstance and DeleteInstances until turned off', async () => {
    const [id] = await h.runRunning(ecs, net, { deletionProtection: true });
    assert.equal((await h.describeInstance(ecs, id)).DeletionProtection, true);
    await expectError(del(id, { force: true }), 'InvalidOperation.DeletionProtection', 403);
    await stop(id);
    await h.waitStatus(ecs, [id], 'Stopped');
    await expectError(del(id), 'InvalidOperation.DeletionProtection', 403);
    await expectError(ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: [id], force: true })),
      'InvalidOperation.DeletionProtection', 403);
    assert.equal(await status(id), 'Stopped');
    await ecs.modifyInstanceAttribute(new Ecs.ModifyInstanceAttributeRequest({ instanceId: id, deletionProtection: false }));
    await del(id);
    await h.waitGone(ecs, [id]);
  });

  test('data disks with DeleteWithInstance=false survive release as Available', async () => {
    const ids = await h.runRunning(ecs, net, {
      amount: 2,
      dataDisk: [{ category: 'cloud_essd', size: 20, deleteWithInstance: false }, { category: 'cloud_essd', size: 30 }],
    });
    const disks = [];
    for (const id of ids) {
      disks.push(...wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: id }))).Disks.Disk);
    }
    assert.equal(disks.length, 6);
    const keep = disks.filter((d) => d.Type === 'data' && d.Size === 20).map((d) => d.DiskId).sort();
    assert.equal(keep.length, 2);
    await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: ids, force: true }));
    await h.waitGone(ecs, ids);
    const left = await h.waitFor(async () => {
      const l = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({
        regionId: REGION, diskIds: JSON.stringify(disks.map((d) => d.DiskId)), pageSize: 100,
      }))).Disks.Disk;
      return l.length === 2 && l.every((d) => d.Status === 'Available') && l;
    }, 10000, 100, 'only the kept data disks remain, Available');
    assert.deepEqual(left.map((d) => d.DiskId).sort(), keep);
    for (const d of left) {
      assert.ok(!d.InstanceId, `detached disk has no InstanceId: ${d.InstanceId}`);
      assert.equal(d.Type, 'data');
    }
    for (const id of ids) {
      const l = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: id }))).Disks.Disk;
      assert.equal(l.length, 0);
    }
  });

  test('a subscription instance cannot be released before it expires', async () => {
    const [id] = await h.runRunning(ecs, net, { instanceChargeType: 'PrePaid', period: 1, periodUnit: 'Month' });
    await expectError(del(id, { force: true }), 'ChargeTypeViolation', 403);
    assert.equal(await status(id), 'Running');
  });
});

describe('fault injection', () => {
  test('a failed spawn releases the instance and its private IP', async () => {
    const ip = '192.168.1.200';
    await server.injectFault('spawn', 1);
    let ids = [];
    try {
      ids = await h.runInstances(ecs, net, { privateIpAddress: ip });
    } catch (e) {
      // A synchronous failure is also acceptable, as long as nothing is left behind.
      assert.ok(e.statusCode >= 400, `unexpected ${e}`);
    }
    if (ids.length) {
      await h.waitGone(ecs, ids);
      const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: ids[0] }))).Disks.Disk;
      assert.equal(disks.length, 0, 'no disks left from the failed instance');
      // The user learns why through the API, after the instance is gone.
      const [ev, ...more] = await eventsOf(ids[0]);
      assert.equal(more.length, 0);
      assert.equal(ev.InstanceId, ids[0]);
      assert.equal(ev.EventType.Name, 'SystemFailure.Delete');
      assert.equal(ev.EventCycleStatus.Name, 'Executed');
      assert.match(ev.Reason, /could not be created.*spawn: fake hypervisor: injected failure in spawn/);
      assert.match(ev.EventPublishTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal((await eventsOf(ids[0], { instanceEventCycleStatus: ['Scheduled'] })).length, 0, 'nothing scheduled');
      assert.equal((await eventsOf(ids[0], { eventType: 'SystemFailure.Stop' })).length, 0, 'filtered by type');
      await expectError(ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({
        regionId: REGION, instanceId: ids[0], eventCycleStatus: 'Sleeping' })), 'InvalidParameter', 400);
    }
    const found = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({
      regionId: REGION, vpcId: net.vpcId, privateIpAddresses: JSON.stringify([ip]),
    })));
    assert.equal(found.TotalCount, 0, 'address no longer held');
    const [again] = await h.runRunning(ecs, net, { privateIpAddress: ip });
    assert.equal(h.privateIp(await h.describeInstance(ecs, again)), ip);
    await del(again, { force: true });
    await h.waitGone(ecs, [again]);
  });

  test('a failed power_on during StartInstance leaves the instance Stopped', async () => {
    const id = await createStopped();
    await server.injectFault('power_on', 1);
    try {
      await start(id);
    } catch (e) {
      assert.ok(e.statusCode >= 400, `unexpected ${e}`);
    }
    // It must settle back in Stopped, not Running, and stay there.
    await h.waitFor(async () => ['Stopped', 'Running'].includes(await status(id)), 10000, 50, 'start attempt settles');
    assert.equal(await status(id), 'Stopped');
    await h.sleep(DELAY * 3);
    assert.equal(await status(id), 'Stopped');
    const [ev] = await eventsOf(id);
    assert.equal(ev.EventType.Name, 'SystemFailure.Stop');
    assert.match(ev.Reason, /could not be started.*power_on: fake hypervisor: injected failure in power_on/);
    // The fault was one-shot: the next start works, and the guest says it is up.
    await start(id);
    await h.waitBooted(ecs, [id]);
    await del(id, { force: true });
    await h.waitGone(ecs, [id]);
  });

  test('fault injection is refused for unknown operations', async () => {
    const r = await h.httpRequest({ port: server.port, method: 'POST', path: '/openecs/fake/faults?op=teleport&count=1' });
    assert.ok(r.status >= 400 && r.status < 500, `status ${r.status}`);
  });
});
