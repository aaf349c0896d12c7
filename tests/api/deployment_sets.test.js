'use strict';
// Deployment sets (issue 14), through the official SDK: CreateDeploymentSet /
// DescribeDeploymentSets / ModifyDeploymentSetAttribute / DeleteDeploymentSet /
// DescribeDeploymentSetSupportedInstanceTypeFamily, RunInstances and CreateInstance with
// DeploymentSetId (and DeploymentSetGroupNo), ModifyInstanceDeployment, and DescribeInstances'
// DeploymentSetId. The scheduler's spread is checked on a cloud of three hosts: a server with no
// local agent and three `ecsd agent` processes (fake driver), each with its own data dir, so the
// fake hypervisor journal of each agent says which guests run on that host.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server;
let ecs;
let vpc;
let net;
const agents = [];

// The agent (host) each instance runs on, by name.
function hostsOf(ids) {
  const out = {};
  for (const id of ids) {
    const on = agents.filter((a) => a.guests().has(id)).map((a) => a.name);
    assert.equal(on.length, 1, `${id} should run on exactly one host, found on ${JSON.stringify(on)}`);
    out[id] = on[0];
  }
  return out;
}

async function describeSets(extra = {}) {
  return wire(await ecs.describeDeploymentSets(new Ecs.DescribeDeploymentSetsRequest({ regionId: REGION, ...extra })));
}
async function describeSet(id) {
  const d = await describeSets({ deploymentSetIds: JSON.stringify([id]) });
  return d.DeploymentSets.DeploymentSet.find((s) => s.DeploymentSetId === id);
}
async function createSet(extra = {}) {
  return wire(await ecs.createDeploymentSet(new Ecs.CreateDeploymentSetRequest({ regionId: REGION, ...extra }))).DeploymentSetId;
}
async function totals() {
  const i = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100 })));
  const d = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, pageSize: 100 })));
  const e = wire(await ecs.describeNetworkInterfaces(new Ecs.DescribeNetworkInterfacesRequest({ regionId: REGION, maxResults: 100 })));
  return { instances: i.TotalCount, disks: d.TotalCount, enis: e.NetworkInterfaceSets.NetworkInterfaceSet.length };
}
const modifyDeployment = (req) => ecs.modifyInstanceDeployment(new Ecs.ModifyInstanceDeploymentRequest({ regionId: REGION, ...req }));
const release = async (ids) => {
  await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: ids, force: true }));
  await h.waitGone(ecs, ids, 20000);
};

before(async () => {
  server = await h.startServer({ extraArgs: ['--no-local-agent'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'ds' });
  for (const name of ['ds-host-1', 'ds-host-2', 'ds-host-3']) agents.push(new h.AgentProcess(server, name));
  // The three hosts have registered when an empty Availability set can take three in local-a.
  const probe = await createSet({ deploymentSetName: 'probe' });
  await h.waitFor(async () => {
    const cap = (await describeSet(probe)).Capacities.Capacity.find((c) => c.ZoneId === h.ZONE_A);
    return cap && cap.AvailableAmount === 3;
  }, 20000, 200, 'three hosts to register');
  await ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: probe }));
});
after(async () => {
  for (const a of agents) await a.stop();
  if (server) await server.destroy();
});

describe('deployment sets', () => {
  test('create, describe (every field), filter, page, modify, delete', async () => {
    const id = await createSet({ deploymentSetName: 'web', description: 'web tier', strategy: 'Availability',
      onUnableToRedeployFailedInstance: 'KeepStopped' });
    assert.match(id, /^ds-/);
    const s = await describeSet(id);
    assert.deepEqual({ ...s, CreationTime: undefined, Capacities: undefined }, {
      AccountId: s.AccountId, Affinity: 1, CreationTime: undefined, Capacities: undefined,
      DeploymentSetDescription: 'web tier', DeploymentSetId: id, DeploymentSetName: 'web',
      DeploymentStrategy: 'Availability', Strategy: 'Availability', Domain: '', Granularity: '',
      GroupCount: 0, InstanceAmount: 0, InstanceIds: { InstanceId: [] }, Type: 'host',
    });
    assert.equal(typeof s.AccountId, 'number');
    assert.match(s.CreationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(s.Capacities.Capacity.map((c) => [c.ZoneId, c.UsedAmount, c.AvailableAmount]),
      [[h.ZONE_A, 0, 3], [h.ZONE_B, 0, 0]]);

    const g = await createSet({ deploymentSetName: 'grouped', strategy: 'AvailabilityGroup', groupCount: 2 });
    const low = await createSet({ strategy: 'LowLatency' });
    assert.equal((await describeSet(g)).GroupCount, 2);
    assert.equal((await describeSet(low)).DeploymentStrategy, 'LowLatency');
    // Filters: name, strategy; paging (newest first).
    assert.deepEqual((await describeSets({ deploymentSetName: 'grouped' })).DeploymentSets.DeploymentSet.map((x) => x.DeploymentSetId), [g]);
    assert.deepEqual((await describeSets({ strategy: 'LowLatency' })).DeploymentSets.DeploymentSet.map((x) => x.DeploymentSetId), [low]);
    const page = await describeSets({ pageSize: 2, pageNumber: 1 });
    assert.equal(page.TotalCount, 3);
    assert.equal(page.PageSize, 2);
    assert.equal(page.RegionId, REGION);
    assert.deepEqual(page.DeploymentSets.DeploymentSet.map((x) => x.DeploymentSetId), [low, g]);
    assert.deepEqual((await describeSets({ pageSize: 2, pageNumber: 2 })).DeploymentSets.DeploymentSet.map((x) => x.DeploymentSetId), [id]);
    assert.equal((await describeSets({ deploymentSetIds: JSON.stringify(['ds-nothere']) })).TotalCount, 0);

    await ecs.modifyDeploymentSetAttribute(new Ecs.ModifyDeploymentSetAttributeRequest({ regionId: REGION,
      deploymentSetId: id, deploymentSetName: 'web2', description: 'renamed' }));
    const m = await describeSet(id);
    assert.equal(m.DeploymentSetName, 'web2');
    assert.equal(m.DeploymentSetDescription, 'renamed');

    const families = wire(await ecs.describeDeploymentSetSupportedInstanceTypeFamily(
      new Ecs.DescribeDeploymentSetSupportedInstanceTypeFamilyRequest({ regionId: REGION, strategy: 'Availability' })));
    assert.ok(families.InstanceTypeFamilies.split(',').includes('ecs.g7'), families.InstanceTypeFamilies);

    for (const x of [g, low]) await ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: x }));
    await ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: id }));
    assert.equal((await describeSets()).TotalCount, 0);
  });

  test('bad input: ECS codes and statuses, nothing made', async () => {
    await h.checkAll({
      name: () => expectError(createSet({ deploymentSetName: '1bad' }), 'InvalidDeploymentSetName.Malformed', 400),
      'name chars': () => expectError(createSet({ deploymentSetName: 'a b' }), 'InvalidDeploymentSetName.Malformed', 400),
      description: () => expectError(createSet({ description: 'http://x' }), 'InvalidDescription.Malformed', 400),
      strategy: () => expectError(createSet({ strategy: 'Spread' }), 'InvalidParameter.Strategy', 400),
      'group count': () => expectError(createSet({ strategy: 'AvailabilityGroup', groupCount: 8 }), 'InvalidParameter', 400),
      'on unable': () => expectError(createSet({ onUnableToRedeployFailedInstance: 'Retry' }), 'InvalidParameter', 400),
      'too many ids': () => expectError(describeSets({ deploymentSetIds: JSON.stringify(Array.from({ length: 101 }, (_, i) => `ds-${i}`)) }),
        'InvalidDeploymentSetIds.TooManyInput', 403),
      'modify unknown': () => expectError(ecs.modifyDeploymentSetAttribute(new Ecs.ModifyDeploymentSetAttributeRequest({
        regionId: REGION, deploymentSetId: 'ds-nothere', deploymentSetName: 'x1' })), 'InvalidDeploymentSetId.NotFound', 400),
      'delete unknown': () => expectError(ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: 'ds-nothere' })),
        'InvalidDeploymentSetId.NotFound', 400),
      'delete without id': () => expectError(ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION })), 'MissingParameter', 400),
      'run in unknown set': () => expectError(h.runInstances(ecs, net, { deploymentSetId: 'ds-nothere' }), 'DeploymentSet.NotFound', 404),
      'group out of range': () => expectError(h.runInstances(ecs, net, { deploymentSetId: 'ds-x', deploymentSetGroupNo: 9 }), 'InvalidParameter', 400),
      'modify deployment unknown instance': () => expectError(modifyDeployment({ instanceId: 'i-nothere', deploymentSetId: 'ds-x' }),
        'InvalidInstanceId.NotFound', 404),
      'dedicated host': () => expectError(modifyDeployment({ instanceId: 'i-nothere', dedicatedHostId: 'dh-1' }),
        'InvalidDedicatedHostId.NotFound', 404),
    });
    assert.equal((await describeSets()).TotalCount, 0);
    assert.deepEqual(await totals(), { instances: 0, disks: 0, enis: 0 });
  });

  test('Availability: three members on three hosts; a fourth is refused with NoStock and leaves nothing', { timeout: 60000 }, async () => {
    const set = await createSet({ deploymentSetName: 'spread' });
    const ids = await h.runInstances(ecs, net, { amount: 3, deploymentSetId: set });
    await h.waitStatus(ecs, ids, 'Running', 20000);
    const placed = hostsOf(ids);
    assert.equal(new Set(Object.values(placed)).size, 3, `each member on its own host: ${JSON.stringify(placed)}`);
    for (const inst of await h.describeInstances(ecs, ids)) {
      assert.equal(inst.DeploymentSetId, set);
      assert.equal(inst.DeploymentSetGroupNo, 0);
    }
    const s = await describeSet(set);
    assert.equal(s.InstanceAmount, 3);
    assert.deepEqual([...s.InstanceIds.InstanceId].sort(), [...ids].sort());
    assert.deepEqual(s.Capacities.Capacity.find((c) => c.ZoneId === h.ZONE_A), { ZoneId: h.ZONE_A, UsedAmount: 3, AvailableAmount: 0 });

    const before = await totals();
    await expectError(h.runInstances(ecs, net, { deploymentSetId: set }), 'OperationDenied.NoStock', 403);
    await expectError(ecs.createInstance(new Ecs.CreateInstanceRequest({ regionId: REGION, imageId: h.IMAGE,
      instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId, deploymentSetId: set })),
    'OperationDenied.NoStock', 403);
    assert.deepEqual(await totals(), before, 'no instance, disk or ENI left behind');
    assert.equal((await describeSet(set)).InstanceAmount, 3);
    // The hosts have room: outside the set the same request succeeds.
    const outside = await h.runInstances(ecs, net, {});
    await h.waitStatus(ecs, outside, 'Running', 20000);

    // A set in use cannot be deleted.
    await expectError(ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: set })),
      'DependencyViolation.NotEmpty', 403);

    // ModifyInstanceDeployment: one member leaves; its host is free for the set again, and the
    // next member goes there. The one that left cannot come back on that host.
    const leaver = ids[0];
    await expectError(modifyDeployment({ instanceId: leaver, deploymentSetId: 'ds-nothere', removeFromDeploymentSet: true }),
      'InvalidDeploymentSetId.NotFound', 400);
    await modifyDeployment({ instanceId: leaver, deploymentSetId: set, removeFromDeploymentSet: true });
    assert.equal((await h.describeInstance(ecs, leaver)).DeploymentSetId, '');
    assert.equal((await describeSet(set)).InstanceAmount, 2);
    const [next] = await h.runInstances(ecs, net, { deploymentSetId: set });
    await h.waitStatus(ecs, [next], 'Running', 20000);
    assert.equal(hostsOf([next])[next], placed[leaver], 'the freed host takes the new member');
    await expectError(modifyDeployment({ instanceId: leaver, deploymentSetId: set }), 'OperationDenied.NoStock', 403);
    await expectError(modifyDeployment({ instanceId: leaver, deploymentSetId: set, force: true }), 'OperationDenied.NoStock', 403);
    assert.equal((await h.describeInstance(ecs, leaver)).DeploymentSetId, '');
    // An instance alone on its host joins a set where it is (Stopped or Running).
    const other = await createSet({ deploymentSetName: 'other' });
    await ecs.stopInstances(new Ecs.StopInstancesRequest({ regionId: REGION, instanceId: [leaver] }));
    await h.waitStatus(ecs, [leaver], 'Stopped', 20000);
    await modifyDeployment({ instanceId: leaver, deploymentSetId: other });
    const moved = await h.describeInstance(ecs, leaver);
    assert.equal(moved.DeploymentSetId, other);
    assert.equal(hostsOf([leaver])[leaver], placed[leaver], 'it stays on its host');
    await ecs.startInstances(new Ecs.StartInstancesRequest({ regionId: REGION, instanceId: [leaver] }));
    await h.waitStatus(ecs, [leaver], 'Running', 20000);

    // Release everything; then the sets can go.
    await release([...ids, next, ...outside]);
    await ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: set }));
    await ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: other }));
    assert.equal((await describeSets()).TotalCount, 0);
  });

  test('AvailabilityGroup: groups on disjoint hosts; DeploymentSetGroupNo shown', { timeout: 60000 }, async () => {
    const set = await createSet({ strategy: 'AvailabilityGroup', groupCount: 2 });
    const g1 = await h.runInstances(ecs, net, { amount: 2, deploymentSetId: set, deploymentSetGroupNo: 1 });
    const g2 = await h.runInstances(ecs, net, { amount: 1, deploymentSetId: set, deploymentSetGroupNo: 2 });
    await h.waitStatus(ecs, [...g1, ...g2], 'Running', 20000);
    const placed = hostsOf([...g1, ...g2]);
    assert.ok(!g1.map((id) => placed[id]).includes(placed[g2[0]]), `group 2 shares no host with group 1: ${JSON.stringify(placed)}`);
    const shown = Object.fromEntries((await h.describeInstances(ecs, [...g1, ...g2])).map((i) => [i.InstanceId, i.DeploymentSetGroupNo]));
    assert.deepEqual(shown, { [g1[0]]: 1, [g1[1]]: 1, [g2[0]]: 2 });
    await expectError(h.runInstances(ecs, net, { deploymentSetId: set, deploymentSetGroupNo: 3 }), 'InvalidParameter', 400);
    await release([...g1, ...g2]);
    await ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: set }));
  });

  test('the set survives a server restart, with its members', { timeout: 60000 }, async () => {
    const set = await createSet({ deploymentSetName: 'durable', description: 'kept' });
    const ids = await h.runInstances(ecs, net, { amount: 2, deploymentSetId: set });
    await h.waitStatus(ecs, ids, 'Running', 20000);
    await server.restart();
    ecs = h.ecsClient(server);
    const s = await describeSet(set);
    assert.equal(s.DeploymentSetName, 'durable');
    assert.equal(s.InstanceAmount, 2);
    assert.equal((await h.describeInstance(ecs, ids[0])).DeploymentSetId, set);
    await release(ids);
    await ecs.deleteDeploymentSet(new Ecs.DeleteDeploymentSetRequest({ regionId: REGION, deploymentSetId: set }));
  });
});
