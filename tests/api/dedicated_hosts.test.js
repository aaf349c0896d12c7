'use strict';
// Dedicated hosts (issue 21) through the official SDK: AllocateDedicatedHosts reserves a whole
// registered host for the account, RunInstances DedicatedHostId places there (and only there),
// no other instance — of this account or another — is ever placed on it, the instance stays on
// it across an economical stop, and ReleaseDedicatedHost gives the machine back once empty.
// A server with no local agent and three `ecsd agent` processes (fake driver, 4 vCPUs each);
// each agent's fake hypervisor journal says which guests run on that host.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const h = require('./helpers');
const { Ecs, REGION, ZONE_A, ZONE_B, wire, expectError } = h;

const BIG = 'ecs.c7.xlarge';  // 4 vCPUs: a host's whole room
let server, ecs, net, other;
const agents = {};

const onHost = (id) => Object.values(agents).filter((a) => a.guests().has(id)).map((a) => a.name);
const hosts = async () => (await h.operatorCall(server, 'GET', 'hosts')).Hosts || [];
const allocate = (o = {}) => ecs.allocateDedicatedHosts(new Ecs.AllocateDedicatedHostsRequest({
  regionId: REGION, zoneId: ZONE_A, dedicatedHostType: 'ddh.c7', ...o }));
const describe = async (o = {}, client = ecs) => wire(await client.describeDedicatedHosts(
  new Ecs.DescribeDedicatedHostsRequest({ regionId: REGION, ...o }))).DedicatedHosts.DedicatedHost;
const release = async (id) => {
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
  await h.waitFor(async () => onHost(id).length === 0, 20000, 100, `${id} gone from its host`);
};
async function run(extra = {}, client = ecs, network = net) {
  const [id] = await h.runRunning(client, network, { instanceType: BIG, ...extra });
  await h.waitFor(async () => onHost(id).length === 1, 20000, 100, `${id} on a host`);
  return id;
}

before(async () => {
  server = await h.startServer({ extraArgs: ['--no-local-agent'] });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'ddh' });
  for (const name of ['m-1', 'm-2', 'm-3'])
    agents[name] = new h.AgentProcess(server, name, ['--fake-host-vcpus', '4']);
  await h.waitFor(async () => (await hosts()).length === 3, 20000, 100, 'three hosts');
  const made = spawnSync(h.BIN, ['account', 'create', '--name', 'other', ...server.storeArgs()], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const acct = JSON.parse(made.stdout);
  other = { id: acct.AccountId, ecs: h.ecsClient(server, { ak: acct.AccessKeyId, secret: acct.AccessKeySecret }) };
  other.net = await h.createNetwork(other.ecs, h.vpcClient(server, { ak: acct.AccessKeyId, secret: acct.AccessKeySecret }), { name: 'other' });
});
after(async () => {
  for (const a of Object.values(agents)) await a.stop();
  if (server) await server.destroy();
});

test('DescribeDedicatedHostTypes: one type per instance family, the largest host\'s size', async () => {
  const types = wire(await ecs.describeDedicatedHostTypes(new Ecs.DescribeDedicatedHostTypesRequest({ regionId: REGION })))
    .DedicatedHostTypes.DedicatedHostType;
  const c7 = types.find((t) => t.DedicatedHostType === 'ddh.c7');
  assert.ok(c7, JSON.stringify(types.map((t) => t.DedicatedHostType)));
  assert.deepEqual(c7.SupportedInstanceTypeFamilies.SupportedInstanceTypeFamily, ['ecs.c7']);
  assert.ok(c7.SupportedInstanceTypesList.SupportedInstanceTypesList.includes('ecs.c7.large'));
  assert.equal(c7.TotalVcpus, 4);
  const one = wire(await ecs.describeDedicatedHostTypes(new Ecs.DescribeDedicatedHostTypesRequest({
    regionId: REGION, supportedInstanceTypeFamily: 'ecs.g7' }))).DedicatedHostTypes.DedicatedHostType;
  assert.deepEqual(one.map((t) => t.DedicatedHostType), ['ddh.g7']);
});

test('bad input is refused with ECS codes, nothing reserved', async () => {
  await h.checkAll({
    'no type': () => expectError(ecs.allocateDedicatedHosts(new Ecs.AllocateDedicatedHostsRequest({ regionId: REGION })), 'MissingParameter', 400),
    'unknown type': () => expectError(allocate({ dedicatedHostType: 'ddh.nothere' }), 'InvalidDedicatedHostType.NotFound', 404),
    'zone': () => expectError(allocate({ zoneId: 'nowhere-z' }), 'InvalidZoneId.NotFound', 404),
    'quantity 0': () => expectError(allocate({ quantity: 0 }), 'InvalidParameter', 400),
    'quantity 101': () => expectError(allocate({ quantity: 101 }), 'InvalidParameter', 400),
    'subscription': () => expectError(allocate({ chargeType: 'PrePaid' }), 'InvalidParameter', 400),
    'name': () => expectError(allocate({ dedicatedHostName: '-bad name' }), 'InvalidDedicatedHostName.Malformed', 400),
    'placement': () => expectError(allocate({ autoPlacement: 'maybe' }), 'InvalidParameter', 400),
    'more hosts than free': () => expectError(allocate({ quantity: 4 }), 'OperationDenied.NoStock', 403),
    'modify unknown': () => expectError(ecs.modifyDedicatedHostAttribute(new Ecs.ModifyDedicatedHostAttributeRequest({
      regionId: REGION, dedicatedHostId: 'dh-nothere', dedicatedHostName: 'x1' })), 'InvalidDedicatedHostId.NotFound', 404),
    'release unknown': () => expectError(ecs.releaseDedicatedHost(new Ecs.ReleaseDedicatedHostRequest({
      regionId: REGION, dedicatedHostId: 'dh-nothere' })), 'InvalidDedicatedHostId.NotFound', 404),
    'run on unknown': () => expectError(h.runInstances(ecs, net, { dedicatedHostId: 'dh-nothere' }), 'InvalidDedicatedHostId.NotFound', 404),
    'tenancy without id': () => expectError(h.runInstances(ecs, net, { tenancy: 'host' }), 'InvalidParameter', 400),
  });
  assert.deepEqual(await describe(), []);
  assert.ok((await hosts()).every((x) => x.DedicatedTo === ''));
  // An account holds at most its max-dedicated-hosts quota of them.
  const set = spawnSync(h.BIN, ['account', 'set-quota', '--account', 'other', '--quota', 'max-dedicated-hosts=0', ...server.storeArgs()], { encoding: 'utf8' });
  assert.equal(set.status, 0, set.stderr);
  await h.sleep(1500);  // the server reads accounts changed beside it each second
  await expectError(other.ecs.allocateDedicatedHosts(new Ecs.AllocateDedicatedHostsRequest({
    regionId: REGION, zoneId: ZONE_A, dedicatedHostType: 'ddh.c7' })), 'QuotaExceed.DedicatedHost', 403);
  const attrs = wire(await other.ecs.describeAccountAttributes(new Ecs.DescribeAccountAttributesRequest({
    regionId: REGION, attributeName: ['max-dedicated-hosts', 'used-dedicated-hosts'] }))).AccountAttributeItems.AccountAttributeItem;
  assert.deepEqual(attrs.map((a) => [a.AttributeName, a.AttributeValues.ValueItem[0].Value]).sort(),
    [['max-dedicated-hosts', '0'], ['used-dedicated-hosts', '0']]);
});

test('a dedicated host takes only its account\'s instances placed on it, keeps them, and is given back empty', { timeout: 90000 }, async () => {
  const ids = wire(await allocate({ dedicatedHostName: 'mine', description: 'for the database' })).DedicatedHostIdSets.DedicatedHostId;
  assert.equal(ids.length, 1);
  const [dh] = ids;
  let [d] = await describe({ dedicatedHostIds: JSON.stringify([dh]) });
  assert.equal(d.DedicatedHostName, 'mine');
  assert.equal(d.Description, 'for the database');
  assert.equal(d.Status, 'Available');
  assert.equal(d.ZoneId, ZONE_A);
  assert.equal(d.DedicatedHostType, 'ddh.c7');
  assert.equal(d.ChargeType, 'PostPaid');
  assert.deepEqual([d.Capacity.TotalVcpus, d.Capacity.AvailableVcpus], [4, 4]);
  const machine = (await hosts()).find((x) => x.HostId === d.MachineId);
  assert.ok(machine, `MachineId ${d.MachineId} is a registered host`);
  assert.equal(machine.DedicatedTo !== '', true);

  // The other two hosts take one 4-vCPU instance each; a third finds no room, of either account.
  const s1 = await run();
  const s2 = await run(undefined, other.ecs, other.net);
  assert.ok(![...onHost(s1), ...onHost(s2)].includes(machine.Name), 'nothing shared on the dedicated host');
  await expectError(h.runInstances(ecs, net, { instanceType: BIG }), 'OperationDenied.NoStock');
  await expectError(h.runInstances(other.ecs, other.net, { instanceType: BIG }), 'OperationDenied.NoStock');

  // Placed there by name; the family must be the type's, the zone the host's, the host the
  // caller's.
  const x = await run({ instanceType: 'ecs.c7.large', dedicatedHostId: dh });
  assert.deepEqual(onHost(x), [machine.Name]);
  const inst = await h.describeInstance(ecs, x);
  assert.equal(inst.DedicatedHostAttribute.DedicatedHostId, dh);
  assert.equal(inst.DedicatedHostAttribute.DedicatedHostName, 'mine');
  assert.equal(inst.DedicatedInstanceAttribute.Tenancy, 'host');
  await h.checkAll({
    'family': () => expectError(h.runInstances(ecs, net, { instanceType: 'ecs.g7.large', dedicatedHostId: dh }), 'InvalidInstanceType.ValueNotSupported', 400),
    'another account': () => expectError(h.runInstances(other.ecs, other.net, { instanceType: 'ecs.c7.large', dedicatedHostId: dh }), 'InvalidDedicatedHostId.NotFound', 404),
    'no room left': () => expectError(h.runInstances(ecs, net, { instanceType: BIG, dedicatedHostId: dh }), 'OperationDenied.NoStock', 403),
    'release with an instance': () => expectError(ecs.releaseDedicatedHost(new Ecs.ReleaseDedicatedHostRequest({ regionId: REGION, dedicatedHostId: dh })), 'InstanceExist', 403),
  });
  assert.deepEqual(await describe({}, other.ecs), [], 'another account sees none');
  [d] = await describe({ dedicatedHostIds: JSON.stringify([dh]) });
  assert.deepEqual(d.Instances.Instance.map((i) => [i.InstanceId, i.InstanceType]), [[x, 'ecs.c7.large']]);
  assert.deepEqual([d.Capacity.AvailableVcpus, d.Capacity.TotalVcpus], [2, 4]);
  const zoneB = await h.createNetwork(ecs, h.vpcClient(server), { name: 'ddh-b', zone: ZONE_B });
  await expectError(h.runInstances(ecs, zoneB, { instanceType: 'ecs.c7.large', dedicatedHostId: dh }), 'InvalidParameter', 400);

  // An economical stop gives its capacity back; it starts again on its dedicated host.
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: x, stoppedMode: 'StopCharging' }));
  await h.waitStatus(ecs, [x], 'Stopped', 20000);
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: x }));
  await h.waitStatus(ecs, [x], 'Running', 20000);
  assert.deepEqual(onHost(x), [machine.Name]);

  await ecs.modifyDedicatedHostAttribute(new Ecs.ModifyDedicatedHostAttributeRequest({
    regionId: REGION, dedicatedHostId: dh, dedicatedHostName: 'renamed', autoPlacement: 'off', actionOnMaintenance: 'Stop' }));
  [d] = await describe({ dedicatedHostName: 'renamed' });
  assert.deepEqual([d.DedicatedHostId, d.AutoPlacement, d.ActionOnMaintenance], [dh, 'off', 'Stop']);
  await expectError(ecs.modifyDedicatedHostAttribute(new Ecs.ModifyDedicatedHostAttributeRequest({
    regionId: REGION, dedicatedHostId: dh, dedicatedHostName: 'http://x' })), 'InvalidDedicatedHostName.Malformed', 400);

  // Empty, it is released, and the machine is shared again.
  await release(x);
  await ecs.releaseDedicatedHost(new Ecs.ReleaseDedicatedHostRequest({ regionId: REGION, dedicatedHostId: dh }));
  assert.deepEqual(await describe(), []);
  const s3 = await run(undefined, other.ecs, other.net);
  assert.deepEqual(onHost(s3), [machine.Name]);
  for (const id of [s1]) await release(id);
  for (const id of [s2, s3]) {
    await other.ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await h.waitFor(async () => onHost(id).length === 0, 20000, 100, `${id} gone`);
  }
});
