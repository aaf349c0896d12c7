'use strict';
// Network records: VPCs, vSwitches, security groups and their rules, private IP allocation.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, Vpc, REGION, ZONE_A, wire, expectError } = h;

let server;
let ecs;
let vpc;

before(async () => {
  server = await h.startServer({ delayMs: 50 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
after(async () => { if (server) await server.destroy(); });

const describeVpc = async (vpcId) =>
  wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId }))).Vpcs.Vpc;
const describeVsw = async (q) =>
  wire(await vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, ...q }))).VSwitches.VSwitch;
const sgAttr = async (securityGroupId, extra = {}) =>
  wire(await ecs.describeSecurityGroupAttribute(new Ecs.DescribeSecurityGroupAttributeRequest({
    regionId: REGION, securityGroupId, ...extra,
  })));
const lc = (s) => String(s).toLowerCase();

describe('VPC', () => {
  let vpcId;

  test('CreateVpc and DescribeVpcs', async () => {
    const res = wire(await vpc.createVpc(new Vpc.CreateVpcRequest({
      regionId: REGION, cidrBlock: '192.168.0.0/16', vpcName: 'net-a', description: 'first',
    })));
    assert.match(res.VpcId, /^vpc-/);
    assert.ok(res.RequestId);
    vpcId = res.VpcId;
    const v = await h.waitFor(async () => {
      const l = await describeVpc(vpcId);
      return l.length === 1 && l[0].Status === 'Available' && l[0];
    }, 10000, 100, 'VPC Available');
    assert.equal(v.CidrBlock, '192.168.0.0/16');
    assert.equal(v.VpcName, 'net-a');
    assert.equal(v.Description, 'first');
    assert.equal(v.RegionId, REGION);
  });

  test('CreateVpc with a malformed CIDR is refused', async () => {
    await expectError(vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '192.168.0.0/33' })),
      'InvalidCidrBlock.Malformed', 400);
    await expectError(vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: 'not-a-cidr' })),
      'InvalidCidrBlock.Malformed', 400);
  });

  test('ModifyVpcAttribute renames the VPC', async () => {
    await vpc.modifyVpcAttribute(new Vpc.ModifyVpcAttributeRequest({
      regionId: REGION, vpcId, vpcName: 'net-renamed', description: 'second',
    }));
    const [v] = await describeVpc(vpcId);
    assert.equal(v.VpcName, 'net-renamed');
    assert.equal(v.Description, 'second');
    assert.equal(v.CidrBlock, '192.168.0.0/16');
  });

  test('ModifyVpcAttribute on an unknown VPC is InvalidVpcId.NotFound', async () => {
    await expectError(vpc.modifyVpcAttribute(new Vpc.ModifyVpcAttributeRequest({
      regionId: REGION, vpcId: 'vpc-doesnotexist', vpcName: 'x1',
    })), 'InvalidVpcId.NotFound', 404);
  });

  test('DescribeVpcs pages with PageNumber/PageSize', async () => {
    for (let i = 0; i < 3; i++) {
      await vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.0.0.0/8', vpcName: `page-${i}` }));
    }
    const p1 = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, pageSize: 2, pageNumber: 1 })));
    const p2 = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, pageSize: 2, pageNumber: 2 })));
    assert.ok(p1.TotalCount >= 4, `TotalCount ${p1.TotalCount}`);
    assert.equal(p1.Vpcs.Vpc.length, 2);
    assert.equal(p1.PageNumber, 1);
    assert.equal(p1.PageSize, 2);
    assert.ok(p2.Vpcs.Vpc.length >= 1);
    const ids = [...p1.Vpcs.Vpc, ...p2.Vpcs.Vpc].map((v) => v.VpcId);
    assert.equal(new Set(ids).size, ids.length, 'pages do not overlap');
  });

  test('DeleteVpc of an unknown VPC is InvalidVpcId.NotFound', async () => {
    await expectError(vpc.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: REGION, vpcId: 'vpc-doesnotexist' })),
      'InvalidVpcId.NotFound', 404);
  });
});

describe('vSwitch', () => {
  let vpcId;
  let vswId;

  before(async () => {
    vpcId = wire(await vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '172.16.0.0/12', vpcName: 'vsw-test' }))).VpcId;
    await h.waitFor(async () => (await describeVpc(vpcId))[0].Status === 'Available', 10000);
  });

  test('CreateVSwitch and DescribeVSwitches', async () => {
    const res = wire(await vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId, zoneId: ZONE_A, cidrBlock: '172.16.1.0/24', vSwitchName: 'sw1',
    })));
    assert.match(res.VSwitchId, /^vsw-/);
    vswId = res.VSwitchId;
    const sw = await h.waitFor(async () => {
      const l = await describeVsw({ vSwitchId: vswId });
      return l.length === 1 && l[0].Status === 'Available' && l[0];
    }, 10000);
    assert.equal(sw.VpcId, vpcId);
    assert.equal(sw.ZoneId, ZONE_A);
    assert.equal(sw.CidrBlock, '172.16.1.0/24');
    assert.equal(sw.VSwitchName, 'sw1');
    assert.ok(sw.AvailableIpAddressCount > 200 && sw.AvailableIpAddressCount <= 256, `AvailableIpAddressCount ${sw.AvailableIpAddressCount}`);
    // VpcId filter lists it; the VPC lists the vSwitch id.
    const byVpc = await describeVsw({ vpcId });
    assert.deepEqual(byVpc.map((s) => s.VSwitchId), [vswId]);
    const [v] = await describeVpc(vpcId);
    if (v.VSwitchIds) assert.deepEqual(v.VSwitchIds.VSwitchId, [vswId]);
  });

  test('CIDR outside the VPC is refused', async () => {
    await expectError(vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId, zoneId: ZONE_A, cidrBlock: '192.168.1.0/24',
    })), /^InvalidCidrBlock/, 400);
  });

  test('CIDR overlapping another vSwitch is InvalidCidrBlock.Overlapped', async () => {
    await expectError(vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId, zoneId: ZONE_A, cidrBlock: '172.16.1.128/25',
    })), 'InvalidCidrBlock.Overlapped', 400);
    await expectError(vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId, zoneId: ZONE_A, cidrBlock: '172.16.0.0/16',
    })), 'InvalidCidrBlock.Overlapped', 400);
  });

  test('malformed CIDR is InvalidCidrBlock.Malformed', async () => {
    await expectError(vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId, zoneId: ZONE_A, cidrBlock: '172.16.300.0/24',
    })), 'InvalidCidrBlock.Malformed', 400);
  });

  test('unknown VPC / unknown zone are refused', async () => {
    await expectError(vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId: 'vpc-doesnotexist', zoneId: ZONE_A, cidrBlock: '172.16.2.0/24',
    })), 'InvalidVpcId.NotFound', 404);
    await expectError(vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId, zoneId: 'local-z', cidrBlock: '172.16.2.0/24',
    })), 'InvalidZoneId.NotFound', 404);
  });

  test('a second, disjoint vSwitch in the other zone is fine', async () => {
    const id = await h.createVSwitch(vpc, vpcId, '172.16.2.0/24', h.ZONE_B);
    const l = await describeVsw({ vpcId });
    assert.deepEqual(l.map((s) => s.VSwitchId).sort(), [vswId, id].sort());
    await vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: id }));
    await h.waitFor(async () => (await describeVsw({ vSwitchId: id })).length === 0, 10000);
  });

  test('DescribeVpcAttribute, DescribeVSwitchAttributes and the system route table (what Terraform reads)', async () => {
    const attr = wire(await vpc.describeVpcAttribute(new Vpc.DescribeVpcAttributeRequest({ regionId: REGION, vpcId })));
    assert.equal(attr.VpcId, vpcId);
    assert.equal(attr.Status, 'Available');
    assert.equal(attr.CidrBlock, '172.16.0.0/12');
    assert.equal(attr.VpcName, 'vsw-test');
    assert.deepEqual(attr.VSwitchIds.VSwitchId, [vswId]);
    const vswCount = attr.CloudResources.CloudResourceSetType.find((r) => r.ResourceType === 'VSwitch');
    assert.equal(vswCount.ResourceCount, 1);
    const sw = wire(await vpc.describeVSwitchAttributes(new Vpc.DescribeVSwitchAttributesRequest({ regionId: REGION, vSwitchId: vswId })));
    assert.equal(sw.VSwitchId, vswId);
    assert.equal(sw.Status, 'Available');
    assert.equal(sw.VpcId, vpcId);
    assert.equal(sw.ZoneId, ZONE_A);
    assert.equal(sw.RouteTable.RouteTableType, 'System');
    // The VPC's one route table, the system one, routes each vSwitch's block.
    const tables = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: REGION, vpcId })));
    assert.equal(tables.TotalCount, 1);
    const [table] = tables.RouterTableList.RouterTableListType;
    assert.equal(table.RouteTableId, sw.RouteTable.RouteTableId);
    assert.equal(table.RouteTableType, 'System');
    assert.equal(table.RouterId, attr.VRouterId);
    assert.deepEqual(table.VSwitchIds.VSwitchId, [vswId]);
    const entries = wire(await vpc.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({ regionId: REGION, routeTableId: table.RouteTableId })));
    assert.deepEqual(entries.RouteEntrys.RouteEntry.map((e) => [e.DestinationCidrBlock, e.Type]), [['172.16.1.0/24', 'System']]);
    const custom = wire(await vpc.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({ regionId: REGION, routeTableId: table.RouteTableId, routeEntryType: 'Custom' })));
    assert.equal(custom.RouteEntrys.RouteEntry.length, 0);
    // Unknown ids answer 200 with every field empty, as the VPC API does (Terraform's delete
    // wait takes VpcId "" as "gone"); nothing of another record leaks into it.
    const gone = wire(await vpc.describeVpcAttribute(new Vpc.DescribeVpcAttributeRequest({ regionId: REGION, vpcId: 'vpc-nothere' })));
    assert.equal(gone.VpcId, '');
    assert.equal(gone.Status, '');
    assert.deepEqual(gone.VSwitchIds.VSwitchId, []);
    assert.deepEqual(gone.CloudResources.CloudResourceSetType, []);
    const goneSw = wire(await vpc.describeVSwitchAttributes(new Vpc.DescribeVSwitchAttributesRequest({ regionId: REGION, vSwitchId: 'vsw-nothere' })));
    assert.equal(goneSw.VSwitchId, '');
    assert.equal(goneSw.AvailableIpAddressCount, 0);
    await expectError(vpc.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({ regionId: REGION, routeTableId: 'vtb-nothere' })), 'InvalidRouteTableId.NotFound', 404);
  });

  test('ModifyVSwitchAttribute renames the vSwitch and sets its description', async () => {
    await vpc.modifyVSwitchAttribute(new Vpc.ModifyVSwitchAttributeRequest({ regionId: REGION, vSwitchId: vswId, vSwitchName: 'sw1-renamed', description: 'the first one' }));
    const [sw] = await describeVsw({ vSwitchId: vswId });
    assert.equal(sw.VSwitchName, 'sw1-renamed');
    assert.equal(sw.Description, 'the first one');
    await expectError(vpc.modifyVSwitchAttribute(new Vpc.ModifyVSwitchAttributeRequest({ regionId: REGION, vSwitchId: 'vsw-nothere', vSwitchName: 'renamed' })), 'InvalidVSwitchId.NotFound', 404);
    await expectError(vpc.modifyVSwitchAttribute(new Vpc.ModifyVSwitchAttributeRequest({ regionId: REGION, vSwitchId: vswId, vSwitchName: 'http://bad' })), 'InvalidParameter', 400);
  });

  test('DeleteVpc is refused while it has a vSwitch', async () => {
    await expectError(vpc.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: REGION, vpcId })),
      /^DependencyViolation/, [400, 403]);
    assert.equal((await describeVpc(vpcId)).length, 1, 'VPC still there');
  });

  test('DeleteVSwitch is refused while an instance uses it, allowed after', async () => {
    const sg = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId }))).SecurityGroupId;
    const network = { vSwitchId: vswId, securityGroupId: sg };
    const before = (await describeVsw({ vSwitchId: vswId }))[0].AvailableIpAddressCount;
    const [id] = await h.runRunning(ecs, network);
    const during = (await describeVsw({ vSwitchId: vswId }))[0].AvailableIpAddressCount;
    assert.equal(during, before - 1, 'an instance consumes one address of the vSwitch');
    await expectError(vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: vswId })),
      /^DependencyViolation/, [400, 403]);
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await h.waitGone(ecs, [id]);
    assert.equal((await describeVsw({ vSwitchId: vswId }))[0].AvailableIpAddressCount, before, 'address returned');
    await ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: sg }));
    await vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: vswId }));
    await h.waitFor(async () => (await describeVsw({ vSwitchId: vswId })).length === 0, 10000, 100, 'vSwitch gone');
  });

  test('DeleteVSwitch of an unknown vSwitch is InvalidVSwitchId.NotFound', async () => {
    await expectError(vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: 'vsw-doesnotexist' })),
      'InvalidVSwitchId.NotFound', 404);
  });

  test('DeleteVpc succeeds once empty', async () => {
    await vpc.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: REGION, vpcId }));
    await h.waitFor(async () => (await describeVpc(vpcId)).length === 0, 10000, 100, 'VPC gone');
  });
});

describe('security groups', () => {
  let network;
  let sgId;

  before(async () => {
    network = await h.createNetwork(ecs, vpc, { name: 'sg-test', securityGroup: false });
  });

  test('CreateSecurityGroup and DescribeSecurityGroups', async () => {
    const res = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({
      regionId: REGION, vpcId: network.vpcId, securityGroupName: 'web-sg', description: 'web tier',
    })));
    assert.match(res.SecurityGroupId, /^sg-/);
    sgId = res.SecurityGroupId;
    const body = wire(await ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, vpcId: network.vpcId })));
    const sg = body.SecurityGroups.SecurityGroup.find((s) => s.SecurityGroupId === sgId);
    assert.ok(sg, 'listed under its VPC');
    assert.equal(sg.SecurityGroupName, 'web-sg');
    assert.equal(sg.Description, 'web tier');
    assert.equal(sg.VpcId, network.vpcId);
    const byId = wire(await ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({
      regionId: REGION, securityGroupIds: JSON.stringify([sgId]),
    })));
    assert.deepEqual(byId.SecurityGroups.SecurityGroup.map((s) => s.SecurityGroupId), [sgId]);
  });

  test('CreateSecurityGroup in an unknown VPC is InvalidVpcId.NotFound', async () => {
    await expectError(ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: 'vpc-doesnotexist' })),
      'InvalidVpcId.NotFound', 404);
  });

  test('AuthorizeSecurityGroup adds an ingress rule', async () => {
    await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
      regionId: REGION, securityGroupId: sgId, ipProtocol: 'tcp', portRange: '22/22', sourceCidrIp: '0.0.0.0/0',
      priority: '1', policy: 'accept', description: 'ssh',
    }));
    const attr = await sgAttr(sgId);
    assert.equal(attr.SecurityGroupId, sgId);
    assert.equal(attr.VpcId, network.vpcId);
    const rules = attr.Permissions.Permission.filter((p) => p.Direction === 'ingress');
    assert.equal(rules.length, 1, JSON.stringify(rules));
    const r = rules[0];
    assert.equal(lc(r.IpProtocol), 'tcp');
    assert.equal(r.PortRange, '22/22');
    assert.equal(r.SourceCidrIp, '0.0.0.0/0');
    assert.equal(lc(r.Policy), 'accept');
    assert.equal(String(r.Priority), '1');
    assert.equal(r.Description, 'ssh');
  });

  test('Permissions.N adds several rules at once', async () => {
    await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
      regionId: REGION, securityGroupId: sgId,
      permissions: [
        { ipProtocol: 'TCP', portRange: '80/80', sourceCidrIp: '10.0.0.0/8' },
        { ipProtocol: 'UDP', portRange: '53/53', sourceCidrIp: '10.0.0.0/8', policy: 'drop', priority: '5' },
      ],
    }));
    const rules = (await sgAttr(sgId, { direction: 'ingress' })).Permissions.Permission;
    assert.equal(rules.length, 3);
    const udp = rules.find((p) => lc(p.IpProtocol) === 'udp');
    assert.equal(udp.PortRange, '53/53');
    assert.equal(lc(udp.Policy), 'drop');
    assert.equal(String(udp.Priority), '5');
  });

  test('AuthorizeSecurityGroupEgress adds an egress rule; Direction filter works', async () => {
    await ecs.authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({
      regionId: REGION, securityGroupId: sgId, ipProtocol: 'tcp', portRange: '443/443', destCidrIp: '172.16.0.0/12',
    }));
    const egress = (await sgAttr(sgId, { direction: 'egress' })).Permissions.Permission;
    assert.ok(egress.every((p) => p.Direction === 'egress'));
    const r = egress.find((p) => p.DestCidrIp === '172.16.0.0/12');
    assert.ok(r, JSON.stringify(egress));
    assert.equal(r.PortRange, '443/443');
    const ingress = (await sgAttr(sgId, { direction: 'ingress' })).Permissions.Permission;
    assert.ok(ingress.every((p) => p.Direction === 'ingress'));
    assert.ok(!ingress.some((p) => p.DestCidrIp === '172.16.0.0/12'));
  });

  test('rule validation errors', async () => {
    const base = { regionId: REGION, securityGroupId: sgId, sourceCidrIp: '0.0.0.0/0' };
    const auth = (o) => ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ ...base, ...o }));
    await h.checkAll({
      'unknown IpProtocol': () => expectError(auth({ ipProtocol: 'bogus', portRange: '1/1' }), 'InvalidIpProtocol.ValueNotSupported', 400),
      'port above 65535': () => expectError(auth({ ipProtocol: 'tcp', portRange: '70000/70001' }), /PortRange\.Malformed$/, 400),
      'reversed port range': () => expectError(auth({ ipProtocol: 'tcp', portRange: '90/80' }), /PortRange\.Malformed$/, 400),
      'bad SourceCidrIp': () => expectError(auth({ ipProtocol: 'tcp', portRange: '1/1', sourceCidrIp: '300.0.0.0/8' }), 'InvalidSourceCidrIp.Malformed', 400),
      'bad DestCidrIp': () => expectError(ecs.authorizeSecurityGroupEgress(new Ecs.AuthorizeSecurityGroupEgressRequest({
        regionId: REGION, securityGroupId: sgId, ipProtocol: 'tcp', portRange: '1/1', destCidrIp: 'nope',
      })), 'InvalidDestCidrIp.Malformed', 400),
      'bad Policy': () => expectError(auth({ ipProtocol: 'tcp', portRange: '1/1', policy: 'maybe' }), 'InvalidPolicy.Malformed', 400),
      'Priority 101': () => expectError(auth({ ipProtocol: 'tcp', portRange: '1/1', priority: '101' }), /^InvalidPriority/, 400),
      'unknown group': () => expectError(auth({ securityGroupId: 'sg-doesnotexist', ipProtocol: 'tcp', portRange: '1/1' }), 'InvalidSecurityGroupId.NotFound', 404),
    });
    // None of the refused rules was stored.
    assert.equal((await sgAttr(sgId, { direction: 'ingress' })).Permissions.Permission.length, 3);
  });

  test('RevokeSecurityGroup by rule fields removes exactly that rule', async () => {
    await ecs.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({
      regionId: REGION, securityGroupId: sgId, ipProtocol: 'tcp', portRange: '22/22', sourceCidrIp: '0.0.0.0/0',
    }));
    const rules = (await sgAttr(sgId, { direction: 'ingress' })).Permissions.Permission;
    assert.equal(rules.length, 2);
    assert.ok(!rules.some((p) => p.PortRange === '22/22'));
  });

  test('RevokeSecurityGroup by SecurityGroupRuleId.N', async () => {
    const rules = (await sgAttr(sgId, { direction: 'ingress' })).Permissions.Permission;
    const udp = rules.find((p) => lc(p.IpProtocol) === 'udp');
    assert.ok(udp.SecurityGroupRuleId, 'rules carry a SecurityGroupRuleId');
    await ecs.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({
      regionId: REGION, securityGroupId: sgId, securityGroupRuleId: [udp.SecurityGroupRuleId],
    }));
    const after = (await sgAttr(sgId, { direction: 'ingress' })).Permissions.Permission;
    assert.deepEqual(after.map((p) => p.PortRange), ['80/80']);
  });

  test('RevokeSecurityGroup of an unknown group is InvalidSecurityGroupId.NotFound', async () => {
    await expectError(ecs.revokeSecurityGroup(new Ecs.RevokeSecurityGroupRequest({
      regionId: REGION, securityGroupId: 'sg-doesnotexist', ipProtocol: 'tcp', portRange: '22/22', sourceCidrIp: '0.0.0.0/0',
    })), 'InvalidSecurityGroupId.NotFound', 404);
  });

  test('RevokeSecurityGroupEgress removes the egress rule', async () => {
    await ecs.revokeSecurityGroupEgress(new Ecs.RevokeSecurityGroupEgressRequest({
      regionId: REGION, securityGroupId: sgId, ipProtocol: 'tcp', portRange: '443/443', destCidrIp: '172.16.0.0/12',
    }));
    const egress = (await sgAttr(sgId, { direction: 'egress' })).Permissions.Permission;
    assert.ok(!egress.some((p) => p.DestCidrIp === '172.16.0.0/12'), JSON.stringify(egress));
    // Ingress untouched.
    assert.equal((await sgAttr(sgId, { direction: 'ingress' })).Permissions.Permission.length, 1);
  });

  test('DescribeSecurityGroupAttribute of an unknown group is InvalidSecurityGroupId.NotFound', async () => {
    await expectError(sgAttr('sg-doesnotexist'), 'InvalidSecurityGroupId.NotFound', 404);
  });

  test('DeleteSecurityGroup is refused while an instance is in it, allowed after', async () => {
    const [id] = await h.runRunning(ecs, { vSwitchId: network.vSwitchId, securityGroupId: sgId });
    await expectError(ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: sgId })),
      'DependencyViolation', 403);
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await h.waitGone(ecs, [id]);
    await ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: sgId }));
    const body = wire(await ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, vpcId: network.vpcId })));
    assert.ok(!body.SecurityGroups.SecurityGroup.some((s) => s.SecurityGroupId === sgId));
    await expectError(sgAttr(sgId), 'InvalidSecurityGroupId.NotFound', 404);
  });

  test('DeleteSecurityGroup of an unknown group is InvalidSecurityGroupId.NotFound', async () => {
    await expectError(ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: 'sg-doesnotexist' })),
      'InvalidSecurityGroupId.NotFound', 404);
  });
});

describe('private IP allocation', () => {
  let network;

  before(async () => {
    network = await h.createNetwork(ecs, vpc, { name: 'ip-test' });
  });

  test('automatically allocated addresses are unique and inside the vSwitch', async () => {
    const ids = await h.runInstances(ecs, network, { amount: 5 });
    const inst = await h.describeInstances(ecs, ids);
    const ips = inst.map(h.privateIp);
    assert.equal(new Set(ips).size, 5, `unique: ${ips}`);
    for (const ip of ips) {
      assert.match(ip, /^192\.168\.1\.\d+$/);
      const last = Number(ip.split('.')[3]);
      assert.ok(last > 0 && last < 255, `not network/broadcast: ${ip}`);
    }
    for (const i of inst) {
      assert.equal(i.VpcAttributes.VpcId, network.vpcId);
      assert.equal(i.VpcAttributes.VSwitchId, network.vSwitchId);
    }
    await h.waitStatus(ecs, ids, 'Running'); // Pending instances cannot be released (IncorrectInstanceStatus.Initializing)
    await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: ids, force: true }));
    await h.waitGone(ecs, ids);
  });

  test('explicit PrivateIpAddress is honoured; a taken one is InvalidPrivateIpAddress.Duplicated', async () => {
    const [id] = await h.runInstances(ecs, network, { privateIpAddress: '192.168.1.50' });
    const inst = await h.describeInstance(ecs, id);
    assert.equal(h.privateIp(inst), '192.168.1.50');
    await expectError(h.runInstances(ecs, network, { privateIpAddress: '192.168.1.50' }),
      'InvalidPrivateIpAddress.Duplicated', 400);
    // DescribeInstances PrivateIpAddresses finds it.
    const found = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({
      regionId: REGION, vpcId: network.vpcId, privateIpAddresses: JSON.stringify(['192.168.1.50']),
    })));
    assert.deepEqual(found.Instances.Instance.map((i) => i.InstanceId), [id]);
    // Released address can be reused.
    await h.waitStatus(ecs, [id], 'Running');
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await h.waitGone(ecs, [id]);
    const [id2] = await h.runInstances(ecs, network, { privateIpAddress: '192.168.1.50' });
    assert.equal(h.privateIp(await h.describeInstance(ecs, id2)), '192.168.1.50');
    await h.waitStatus(ecs, [id2], 'Running');
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id2, force: true }));
    await h.waitGone(ecs, [id2]);
  });

  test('Amount>1 with PrivateIpAddress assigns consecutive addresses', async () => {
    // RunInstances doc: "the specified private IP address is used as the starting address".
    const ids = await h.runInstances(ecs, network, { amount: 3, privateIpAddress: '192.168.1.100' });
    const ips = (await h.describeInstances(ecs, ids)).map(h.privateIp).sort();
    assert.deepEqual(ips, ['192.168.1.100', '192.168.1.101', '192.168.1.102']);
    await h.waitStatus(ecs, ids, 'Running');
    await ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: ids, force: true }));
    await h.waitGone(ecs, ids);
  });

  test('address outside the vSwitch or malformed is refused', async () => {
    await expectError(h.runInstances(ecs, network, { privateIpAddress: '192.168.2.10' }), 'InvalidPrivateIpAddress', 400);
    await expectError(h.runInstances(ecs, network, { privateIpAddress: '192.168.1.999' }), 'InvalidPrivateIpAddress.Malformed', 400);
  });

  test('a security group of another VPC is refused', async () => {
    const other = await h.createNetwork(ecs, vpc, { name: 'other' });
    await expectError(h.runInstances(ecs, network, { securityGroupId: other.securityGroupId }),
      /Mismatch|InconsistentNetwork/, [400, 403]);
  });
});
