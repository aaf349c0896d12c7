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
