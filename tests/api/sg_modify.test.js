'use strict';
// ModifySecurityGroupAttribute, ModifySecurityGroupPolicy, ModifySecurityGroupRule and
// ModifySecurityGroupEgressRule (emulator mode), through the official SDK: what changes shows
// in DescribeSecurityGroupAttribute / DescribeSecurityGroups, bad input gets ECS's codes and
// leaves the group as it was. (That running guests follow the change is the system tests'.)
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer();
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'modify' });
});
after(async () => { if (server) await server.destroy(); });

const attribute = async (sg = net.securityGroupId) => wire(await ecs.describeSecurityGroupAttribute(
  new Ecs.DescribeSecurityGroupAttributeRequest({ regionId: REGION, securityGroupId: sg, direction: 'all' })));
const rules = async () => (await attribute()).Permissions.Permission;

test('ModifySecurityGroupAttribute and ModifySecurityGroupPolicy', async () => {
  await ecs.modifySecurityGroupAttribute(new Ecs.ModifySecurityGroupAttributeRequest({
    regionId: REGION, securityGroupId: net.securityGroupId, securityGroupName: 'renamed', description: 'web tier' }));
  const listed = wire(await ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, securityGroupIds: JSON.stringify([net.securityGroupId]) })));
  assert.equal(listed.SecurityGroups.SecurityGroup[0].SecurityGroupName, 'renamed');
  assert.equal(listed.SecurityGroups.SecurityGroup[0].Description, 'web tier');
  // Only what is given changes.
  await ecs.modifySecurityGroupAttribute(new Ecs.ModifySecurityGroupAttributeRequest({ regionId: REGION, securityGroupId: net.securityGroupId, description: 'db tier' }));
  const a = await attribute();
  assert.equal(a.SecurityGroupName, 'renamed');
  assert.equal(a.Description, 'db tier');
  await expectError(ecs.modifySecurityGroupAttribute(new Ecs.ModifySecurityGroupAttributeRequest({ regionId: REGION, securityGroupId: 'sg-nope', description: 'x' })),
    'InvalidSecurityGroupId.NotFound', 404);

  assert.equal(a.InnerAccessPolicy, 'Accept', 'a basic group lets its members talk');
  await ecs.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: REGION, securityGroupId: net.securityGroupId, innerAccessPolicy: 'drop' }));
  assert.equal((await attribute()).InnerAccessPolicy, 'Drop', 'case-insensitive');
  await expectError(ecs.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: REGION, securityGroupId: net.securityGroupId, innerAccessPolicy: 'Maybe' })),
    'InvalidPolicy.Malformed', 400);
  await expectError(ecs.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: REGION, securityGroupId: 'sg-nope', innerAccessPolicy: 'Accept' })),
    'InvalidSecurityGroupId.NotFound', 404);
  await ecs.modifySecurityGroupPolicy(new Ecs.ModifySecurityGroupPolicyRequest({ regionId: REGION, securityGroupId: net.securityGroupId, innerAccessPolicy: 'Accept' }));
  assert.equal((await attribute()).InnerAccessPolicy, 'Accept');
});

test('ModifySecurityGroupRule and ModifySecurityGroupEgressRule, by id and by value', async () => {
  const sg = net.securityGroupId;
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: REGION, securityGroupId: sg, ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: '10.0.0.0/8' }));
  await ecs.authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({ regionId: REGION, securityGroupId: sg, ipProtocol: 'UDP', portRange: '53/53', destCidrIp: '8.8.8.8' }));
  const ssh = (await rules()).find((r) => r.PortRange === '22/22');

  // By id: every field given replaces the rule's; the id stays.
  await ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({
    regionId: REGION, securityGroupId: sg, securityGroupRuleId: ssh.SecurityGroupRuleId, portRange: '2222/2222', policy: 'Drop', priority: 5, description: 'no ssh' }));
  let r = (await rules()).find((x) => x.SecurityGroupRuleId === ssh.SecurityGroupRuleId);
  assert.deepEqual([r.PortRange, r.Policy, r.Priority, r.Description, r.SourceCidrIp, r.IpProtocol], ['2222/2222', 'Drop', '5', 'no ssh', '10.0.0.0/8', 'TCP']);

  // By value (protocol, ports, peer): Policy, Priority and Description.
  await ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({
    regionId: REGION, securityGroupId: sg, ipProtocol: 'tcp', portRange: '2222/2222', sourceCidrIp: '10.0.0.0/8', policy: 'Accept', priority: 7 }));
  r = (await rules()).find((x) => x.SecurityGroupRuleId === ssh.SecurityGroupRuleId);
  assert.deepEqual([r.Policy, r.Priority, r.Description], ['Accept', '7', 'no ssh']);

  await ecs.modifySecurityGroupEgressRule(new Ecs.ModifySecurityGroupEgressRuleRequest({
    regionId: REGION, securityGroupId: sg, ipProtocol: 'UDP', portRange: '53/53', destCidrIp: '8.8.8.8/32', policy: 'Drop' }));
  const dns = (await rules()).find((x) => x.Direction === 'egress' && x.PortRange === '53/53');
  assert.equal(dns.Policy, 'Drop');
  // An ingress id through the egress action is not an egress rule.
  await expectError(ecs.modifySecurityGroupEgressRule(new Ecs.ModifySecurityGroupEgressRuleRequest({
    regionId: REGION, securityGroupId: sg, securityGroupRuleId: ssh.SecurityGroupRuleId, policy: 'Drop' })), 'SecurityGroupRule.NotFound', 404);

  // Bad input: the right code, and the rule as it was.
  const before = JSON.stringify(await rules());
  const modify = (over) => ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: REGION, securityGroupId: sg, securityGroupRuleId: ssh.SecurityGroupRuleId, ...over }));
  await expectError(modify({ priority: 101 }), 'InvalidPriority.Malformed', 400);
  await expectError(modify({ policy: 'Maybe' }), 'InvalidPolicy.Malformed', 400);
  await expectError(modify({ portRange: '0/99999' }), 'InvalidPortRange.Malformed', 400);
  await expectError(modify({ sourceCidrIp: '10.0.0.0/99' }), 'InvalidSourceCidrIp.Malformed', 400);
  await expectError(modify({ sourceGroupId: 'sg-nope', sourceCidrIp: '' }), 'InvalidSourceGroupId.NotFound', 404);
  await expectError(modify({ ipProtocol: 'SCTP' }), 'InvalidIpProtocol.ValueNotSupported', 400);
  await expectError(ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: REGION, securityGroupId: sg, securityGroupRuleId: 'sgr-nope', policy: 'Drop' })),
    'SecurityGroupRule.NotFound', 404);
  await expectError(ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: REGION, securityGroupId: sg, ipProtocol: 'TCP', portRange: '80/80', sourceCidrIp: '0.0.0.0/0', policy: 'Drop' })),
    'SecurityGroupRule.NotFound', 404);
  await expectError(ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: REGION, securityGroupId: 'sg-nope', securityGroupRuleId: ssh.SecurityGroupRuleId, policy: 'Drop' })),
    'InvalidSecurityGroupId.NotFound', 404);
  await expectError(ecs.modifySecurityGroupRule(new Ecs.ModifySecurityGroupRuleRequest({ regionId: REGION, securityGroupId: sg, policy: 'Drop' })),
    'MissingParameter', 400);
  assert.equal(JSON.stringify(await rules()), before);

  // Revoke by value: "8.8.8.8" (as authorized) and "8.8.8.8/32" are one block.
  await ecs.revokeSecurityGroupEgress(new Ecs.RevokeSecurityGroupEgressRequest({
    regionId: REGION, securityGroupId: sg, ipProtocol: 'UDP', portRange: '53/53', destCidrIp: '8.8.8.8/32', policy: 'Drop' }));
  assert.equal((await rules()).find((x) => x.Direction === 'egress' && x.PortRange === '53/53'), undefined);
});
