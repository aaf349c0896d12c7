'use strict';
// JoinSecurityGroup / LeaveSecurityGroup (emulator mode): membership shows in DescribeInstances;
// same VPC only, at most five groups, never none, Running or Stopped instances only.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer();
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'member' });
});
after(async () => { if (server) await server.destroy(); });

const join = (instanceId, securityGroupId) => ecs.joinSecurityGroup(new Ecs.JoinSecurityGroupRequest({ regionId: REGION, instanceId, securityGroupId }));
const leave = (instanceId, securityGroupId) => ecs.leaveSecurityGroup(new Ecs.LeaveSecurityGroupRequest({ regionId: REGION, instanceId, securityGroupId }));
const newGroup = async (vpcId) => wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId }))).SecurityGroupId;
const fakeDelay = (ms) => h.httpRequest({ port: server.port, method: 'POST', path: `/openecs/fake/faults?delay_ms=${ms}` });
const groupsOf = async (id) => (await h.describeInstance(ecs, id)).SecurityGroupIds.SecurityGroupId;

test('join and leave security groups', async () => {
  const [id] = await h.runRunning(ecs, net);
  const extra = [];
  for (let k = 0; k < 5; ++k) extra.push(await newGroup(net.vpcId));
  await join(id, extra[0]);
  assert.deepEqual((await groupsOf(id)).sort(), [net.securityGroupId, extra[0]].sort());
  await expectError(join(id, extra[0]), 'InvalidInstanceId.AlreadyExists', 403);
  for (const g of extra.slice(1, 4)) await join(id, g);
  await expectError(join(id, extra[4]), 'InstanceSecurityGroupLimitExceeded', 400);
  const other = await h.createNetwork(ecs, vpc, { name: 'elsewhere', vpcCidr: '10.20.0.0/16', vswCidr: '10.20.1.0/24' });
  await leave(id, extra[3]);
  await expectError(join(id, other.securityGroupId), 'InvalidInstanceId.Mismatch', 400);
  await expectError(join(id, 'sg-doesnotexist'), 'InvalidSecurityGroupId.NotFound', 404);
  await expectError(join('i-doesnotexist', extra[3]), 'InvalidInstanceId.NotFound', 404);
  await expectError(leave(id, extra[4]), 'InvalidSecurityGroupAssociation.NotFound', 404);
  for (const g of [net.securityGroupId, ...extra.slice(0, 2)]) await leave(id, g);
  assert.deepEqual(await groupsOf(id), [extra[2]]);
  await expectError(leave(id, extra[2]), 'InvalidOperation.LastSecurityGroup', 403);
  // Not while the instance is changing state. The fake hypervisor's stop is slowed to 2 s so
  // that the join lands while it is Stopping on a loaded machine too (at 50 ms, CI once saw it
  // already Stopped).
  await fakeDelay(2000);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }));
  await expectError(join(id, extra[0]), 'IncorrectInstanceStatus', 403);
  await fakeDelay(50);
  await h.waitStatus(ecs, [id], 'Stopped');
  await join(id, extra[0]);
});
