'use strict';
// Per-instance settings that the Terraform provider reads on every refresh of an
// alicloud_instance (issue 14): maintenance attributes (kept across a restart), private pool
// attachment, and the RAM role (none until RAM roles exist). Through the official SDK.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server;
let ecs;
let ids;
before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  const net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'settings' });
  ids = await h.runRunning(ecs, net, { amount: 2 });
});
after(async () => { if (server) await server.destroy(); });

const maintenance = async (instanceId) => wire(await ecs.describeInstanceMaintenanceAttributes(
  new Ecs.DescribeInstanceMaintenanceAttributesRequest({ regionId: REGION, instanceId })));

test('maintenance attributes: ECS defaults, changed for several instances at once, kept across a restart', async () => {
  let body = await maintenance(ids);
  assert.equal(body.TotalCount, 2);
  for (const a of body.MaintenanceAttributes.MaintenanceAttribute) {
    assert.equal(a.ActionOnMaintenance.Value, 'AutoRecover');
    assert.equal(a.ActionOnMaintenance.DefaultValue, 'AutoRecover');
    assert.deepEqual(a.ActionOnMaintenance.SupportedValues.SupportedValue, ['Stop', 'AutoRecover', 'AutoRedeploy']);
    assert.equal(a.NotifyOnMaintenance, false);
    assert.deepEqual(a.MaintenanceWindows.MaintenanceWindow, []);
  }
  await ecs.modifyInstanceMaintenanceAttributes(new Ecs.ModifyInstanceMaintenanceAttributesRequest({
    regionId: REGION, instanceId: ids, actionOnMaintenance: 'Stop', notifyOnMaintenance: true,
    maintenanceWindow: [new Ecs.ModifyInstanceMaintenanceAttributesRequestMaintenanceWindow({ startTime: '02:00:00Z', endTime: '05:00:00Z' })],
  }));
  await server.restart();
  ecs = h.ecsClient(server);
  body = await maintenance([ids[1]]);
  assert.equal(body.TotalCount, 1);
  const [a] = body.MaintenanceAttributes.MaintenanceAttribute;
  assert.equal(a.InstanceId, ids[1]);
  assert.equal(a.ActionOnMaintenance.Value, 'Stop');
  assert.equal(a.NotifyOnMaintenance, true);
  assert.deepEqual(a.MaintenanceWindows.MaintenanceWindow, [{ StartTime: '02:00:00Z', EndTime: '05:00:00Z' }]);
  // Only the notice changes; the rest stays.
  await ecs.modifyInstanceMaintenanceAttributes(new Ecs.ModifyInstanceMaintenanceAttributesRequest({
    regionId: REGION, instanceId: [ids[0]], notifyOnMaintenance: false }));
  const [b] = (await maintenance([ids[0]])).MaintenanceAttributes.MaintenanceAttribute;
  assert.equal(b.NotifyOnMaintenance, false);
  assert.equal(b.ActionOnMaintenance.Value, 'Stop');
});

test('bad maintenance input is refused whole', async () => {
  const modify = (extra) => ecs.modifyInstanceMaintenanceAttributes(new Ecs.ModifyInstanceMaintenanceAttributesRequest({ regionId: REGION, ...extra }));
  await expectError(modify({ instanceId: [ids[0]], actionOnMaintenance: 'Explode' }), 'InvalidParameter', 400);
  await expectError(modify({ instanceId: [ids[0]],
    maintenanceWindow: [new Ecs.ModifyInstanceMaintenanceAttributesRequestMaintenanceWindow({ startTime: '02:30:00Z', endTime: '05:00:00Z' })] }), 'InvalidParameter', 400);
  await expectError(modify({ actionOnMaintenance: 'Stop' }), 'MissingParameter', 400);
  // One unknown instance: nothing changes on the known one.
  await expectError(modify({ instanceId: [ids[0], 'i-nothere'], actionOnMaintenance: 'AutoRedeploy' }), 'InvalidInstanceId.NotFound', 404);
  const [a] = (await maintenance([ids[0]])).MaintenanceAttributes.MaintenanceAttribute;
  assert.equal(a.ActionOnMaintenance.Value, 'Stop');
});

test('attachment attributes: no private pool; RAM role: listed without one', async () => {
  const att = wire(await ecs.describeInstanceAttachmentAttributes(new Ecs.DescribeInstanceAttachmentAttributesRequest({
    regionId: REGION, instanceIds: JSON.stringify(ids) })));
  assert.equal(att.TotalCount, 2);
  assert.deepEqual(att.Instances.Instance.map((i) => [i.InstanceId, i.PrivatePoolOptionsId, i.PrivatePoolOptionsMatchCriteria]).sort(),
    ids.map((id) => [id, '', 'None']).sort());
  await expectError(ecs.describeInstanceAttachmentAttributes(new Ecs.DescribeInstanceAttachmentAttributesRequest({ regionId: REGION })), 'MissingParameter', 400);
  const roles = wire(await ecs.describeInstanceRamRole(new Ecs.DescribeInstanceRamRoleRequest({ regionId: REGION, instanceIds: JSON.stringify([ids[0]]) })));
  assert.equal(roles.TotalCount, 1);
  assert.deepEqual(roles.InstanceRamRoleSets.InstanceRamRoleSet, [{ InstanceId: ids[0], RamRoleName: '' }]);
  const byRole = wire(await ecs.describeInstanceRamRole(new Ecs.DescribeInstanceRamRoleRequest({ regionId: REGION, ramRoleName: 'EcsRole' })));
  assert.equal(byRole.TotalCount, 0);
});

test('ModifyInstanceAutoReleaseTime: scheduled, shown, kept across a restart, cancelled; bad times refused', async () => {
  const [, id] = ids;
  const at = new Date(Math.floor(Date.now() / 1000 + 3600) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  const modify = (autoReleaseTime) => ecs.modifyInstanceAutoReleaseTime(new Ecs.ModifyInstanceAutoReleaseTimeRequest({ regionId: REGION, instanceId: id, autoReleaseTime }));
  await modify(at);
  assert.equal((await h.describeInstance(ecs, id)).AutoReleaseTime, at);
  await server.restart({ kill: true });
  ecs = h.ecsClient(server);
  assert.equal((await h.describeInstance(ecs, id)).AutoReleaseTime, at);
  const soon = new Date(Date.now() + 60000).toISOString().replace(/\.\d+Z$/, 'Z');
  await expectError(modify(soon), 'InvalidParameter', 400);
  await expectError(modify('2030-01-01 10:00:00'), 'InvalidParameter', 400);
  await expectError(modify('2099-01-01T00:00:00Z'), 'InvalidParameter', 400);
  assert.equal((await h.describeInstance(ecs, id)).AutoReleaseTime, at, 'refused changes change nothing');
  await modify(undefined);
  assert.equal((await h.describeInstance(ecs, id)).AutoReleaseTime, '');
});

test('ModifyInstanceNetworkSpec: bandwidth and its billing change on a Running instance; a public IP on request', async () => {
  const [id] = ids;
  let inst = await h.describeInstance(ecs, id);
  assert.equal(inst.InternetMaxBandwidthOut, 0);
  assert.deepEqual(inst.PublicIpAddress.IpAddress, []);
  const modify = (extra) => ecs.modifyInstanceNetworkSpec(new Ecs.ModifyInstanceNetworkSpecRequest({ instanceId: id, ...extra }));
  // 0 -> 5 without AllocatePublicIp: bandwidth only (the provider then calls AllocatePublicIpAddress).
  await modify({ internetMaxBandwidthOut: 5, internetMaxBandwidthIn: 50, networkChargeType: 'PayByBandwidth' });
  inst = await h.describeInstance(ecs, id);
  assert.deepEqual([inst.InternetMaxBandwidthOut, inst.InternetMaxBandwidthIn, inst.InternetChargeType], [5, 50, 'PayByBandwidth']);
  assert.deepEqual(inst.PublicIpAddress.IpAddress, []);
  await modify({ allocatePublicIp: true });
  inst = await h.describeInstance(ecs, id);
  assert.match(inst.PublicIpAddress.IpAddress[0], /^198\.18\.0\.\d+$/);
  await expectError(modify({ internetMaxBandwidthOut: 0 }), 'InvalidParameter', 400);
  await expectError(modify({ internetMaxBandwidthOut: 2000 }), 'InvalidParameter', 400);
  await expectError(modify({ networkChargeType: 'PayByWish' }), 'InvalidParameter', 400);
  await expectError(ecs.modifyInstanceNetworkSpec(new Ecs.ModifyInstanceNetworkSpecRequest({ instanceId: 'i-nothere', internetMaxBandwidthOut: 1 })), 'InvalidInstanceId.NotFound', 404);
  inst = await h.describeInstance(ecs, id);
  assert.equal(inst.InternetMaxBandwidthOut, 5, 'refused changes change nothing');
});

test('ModifyInstanceSpec: a Stopped pay-as-you-go instance changes type, within its host\'s room', async () => {
  // One fake host with 8 vCPUs: a 2-vCPU instance stopped in KeepCharging mode keeps its place
  // and may grow to 8 vCPUs, not beyond; stopped in StopCharging mode it may take any type and
  // is placed again at its start (NoStock then, if it does not fit).
  const small = await h.startServer({ delayMs: 0, extraArgs: ['--fake-host-vcpus', '8', '--fake-host-memory-mb', String(64 * 1024)] });
  try {
    const e = h.ecsClient(small);
    const net = await h.createNetwork(e, h.vpcClient(small), { name: 'spec' });
    const [id] = await h.runRunning(e, net, { instanceType: 'ecs.g7.large' });
    const modify = (instanceType) => e.modifyInstanceSpec(new Ecs.ModifyInstanceSpecRequest({ instanceId: id, instanceType }));
    await expectError(modify('ecs.g7.xlarge'), 'IncorrectInstanceStatus', 403);
    await e.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }));
    await h.waitStatus(e, [id], 'Stopped', 20000);
    await expectError(modify('ecs.g7.nonsense'), 'InvalidInstanceType.ValueNotSupported', 400);
    await expectError(modify('ecs.g7.4xlarge'), 'OperationDenied.NoStock', 403);
    await modify('ecs.g7.2xlarge');
    let inst = await h.describeInstance(e, id);
    assert.deepEqual([inst.InstanceType, inst.Cpu, inst.Memory], ['ecs.g7.2xlarge', 8, 32768]);
    await e.startInstance(new Ecs.StartInstanceRequest({ instanceId: id }));
    await h.waitStatus(e, [id], 'Running', 20000);
    // Released capacity: StopCharging, then a type larger than the host takes the change but
    // cannot start.
    await e.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: 'StopCharging' }));
    await h.waitStatus(e, [id], 'Stopped', 20000);
    await modify('ecs.g7.4xlarge');
    await expectError(e.startInstance(new Ecs.StartInstanceRequest({ instanceId: id })), 'OperationDenied.NoStock', 403);
    await modify('ecs.g7.large');
    await e.startInstance(new Ecs.StartInstanceRequest({ instanceId: id }));
    await h.waitStatus(e, [id], 'Running', 20000);
    inst = await h.describeInstance(e, id);
    assert.deepEqual([inst.InstanceType, inst.Cpu], ['ecs.g7.large', 2]);
  } finally {
    await small.destroy();
  }
});

test('DescribeResourcesModification: the types an instance may change to, with its host\'s stock; system disk categories', async () => {
  // One fake host with 8 vCPUs and 64 GiB: a 2-vCPU ecs.g7.large may become any type of up to 8
  // vCPUs beside what else runs there; a 16-vCPU type is SoldOut; local-disk types are never offered.
  const small = await h.startServer({ delayMs: 0, extraArgs: ['--fake-host-vcpus', '8', '--fake-host-memory-mb', String(64 * 1024)] });
  try {
    const e = h.ecsClient(small);
    const net = await h.createNetwork(e, h.vpcClient(small), { name: 'modification' });
    const [id] = await h.runRunning(e, net, { instanceType: 'ecs.g7.large' });
    const ask = async (over) => wire(await e.describeResourcesModification(new Ecs.DescribeResourcesModificationRequest({
      regionId: REGION, resourceId: id, destinationResource: 'InstanceType', operationType: 'Upgrade', ...over })));
    const offers = (body) => {
      assert.equal(body.AvailableZones.AvailableZone.length, 1);
      const [zone] = body.AvailableZones.AvailableZone;
      assert.deepEqual([zone.ZoneId, zone.RegionId], [h.ZONE_A, REGION]);
      const [res] = zone.AvailableResources.AvailableResource;
      assert.deepEqual(res.ConditionSupportedResources.ConditionSupportedResource, []);
      return { zone, type: res.Type, by: Object.fromEntries(res.SupportedResources.SupportedResource.map((r) => [r.Value, r])) };
    };
    let { zone, type, by } = offers(await ask({}));
    assert.equal(type, 'InstanceType');
    assert.deepEqual([zone.Status, zone.StatusCategory], ['Available', 'WithStock']);
    assert.deepEqual([by['ecs.g7.xlarge'].Status, by['ecs.g7.xlarge'].StatusCategory], ['Available', 'WithStock']);
    assert.equal(by['ecs.g7.2xlarge'].Status, 'Available');
    assert.equal(by['ecs.c7.large'].Status, 'Available', 'pay-as-you-go Upgrade lists smaller types too');
    assert.deepEqual([by['ecs.g7.4xlarge'].Status, by['ecs.g7.4xlarge'].StatusCategory], ['SoldOut', 'WithoutStock']);
    assert.equal(by['ecs.g7.large'], undefined, 'not the type it has');
    assert.equal(Object.keys(by).some((t) => t.startsWith('ecs.i3.')), false, 'no local-disk types');

    // Another instance takes 4 vCPUs: 2xlarge no longer fits beside it.
    await h.runRunning(e, net, { instanceType: 'ecs.g7.xlarge' });
    ({ by } = offers(await ask({})));
    assert.deepEqual([by['ecs.g7.xlarge'].Status, by['ecs.g7.2xlarge'].Status], ['Available', 'SoldOut']);
    // ModifyInstanceSpec agrees.
    await e.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }));
    await h.waitStatus(e, [id], 'Stopped', 20000);
    await expectError(e.modifyInstanceSpec(new Ecs.ModifyInstanceSpecRequest({ instanceId: id, instanceType: 'ecs.g7.2xlarge' })), 'OperationDenied.NoStock', 403);

    // Filters: a named type, or vCPUs and memory; Downgrade lists no larger type.
    ({ by } = offers(await ask({ instanceType: 'ecs.g7.xlarge' })));
    assert.deepEqual(Object.keys(by), ['ecs.g7.xlarge']);
    ({ by } = offers(await ask({ cores: 4, memory: 8 })));
    assert.deepEqual(Object.keys(by), ['ecs.c7.xlarge']);
    ({ by } = offers(await ask({ operationType: 'Downgrade' })));
    for (const t of ['ecs.g7.xlarge', 'ecs.c7.xlarge', 'ecs.r7.large']) assert.equal(by[t], undefined, `${t} is larger`);
    assert.ok(by['ecs.c7.large'], 'a smaller type (2 vCPUs, 4 GiB) is offered for a downgrade');
    // Another zone: nothing (instances stay in their zone).
    const other = await ask({ zoneId: h.ZONE_B });
    assert.deepEqual(other.AvailableZones.AvailableZone, []);

    // System disk categories (InstanceType names the type the instance would have).
    ({ type, by } = offers(await ask({ destinationResource: 'SystemDisk', instanceType: 'ecs.g7.large' })));
    assert.equal(type, 'SystemDisk');
    assert.deepEqual(Object.keys(by).sort(), ['cloud_efficiency', 'cloud_essd', 'cloud_ssd']);
    assert.deepEqual([by.cloud_essd.Status, by.cloud_essd.Unit, by.cloud_essd.Min, by.cloud_essd.Max], ['Available', 'GiB', 1, 2048]);

    await h.checkAll({
      'SystemDisk without InstanceType': () => expectError(ask({ destinationResource: 'SystemDisk' }), 'MissingParameter', 400),
      'unknown destination': () => expectError(ask({ destinationResource: 'Bandwidth' }), 'Invalid.DestinationResource', 404),
      'unknown operation': () => expectError(ask({ operationType: 'Sideways' }), 'Invalid.OperationType', 400),
      'unknown resource': () => expectError(ask({ resourceId: 'i-nothere' }), 'InvalidResourceId.NotFound', 404),
      'type and cores': () => expectError(ask({ instanceType: 'ecs.g7.xlarge', cores: 4 }), 'InvalidParam.TypeAndCpuMem.Conflict', 403),
      'unknown type': () => expectError(ask({ instanceType: 'ecs.g7.nonsense' }), 'InvalidInstanceType.ValueNotSupported', 400),
      'unknown zone': () => expectError(ask({ zoneId: 'nowhere-z' }), 'InvalidZoneId.NotFound', 404),
      'no destination': () => expectError(e.describeResourcesModification(new Ecs.DescribeResourcesModificationRequest({ regionId: REGION, resourceId: id })), 'MissingParameter', 400),
    });
  } finally {
    await small.destroy();
  }
});
