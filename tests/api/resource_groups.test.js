'use strict';
// Resource groups through the official SDKs: Resource Manager (@alicloud/resourcemanager20200331:
// Create/Get/List/Update/DeleteResourceGroup, the account's default group), and the VPC side of
// ResourceGroupId (CreateVpc, AllocateEipAddress; DescribeVpcs, DescribeVSwitches,
// DescribeEipAddresses, DescribeRouteTableList filters; MoveResourceGroup). The ECS resources'
// side is resource_groups_ecs.test.js.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Vpc, ResourceManager: RM, REGION, wire, expectError } = h;

let server;
let rm;
let vpc;

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  rm = h.rmClient(server);
  vpc = h.vpcClient(server);
});
after(async () => { if (server) await server.destroy(); });

const list = async (q = {}) => wire(await rm.listResourceGroups(new RM.ListResourceGroupsRequest(q)));
const create = async (name, displayName = name) =>
  wire(await rm.createResourceGroup(new RM.CreateResourceGroupRequest({ name, displayName }))).ResourceGroup;

describe('Resource Manager', () => {
  let defaultId;
  let projectId;

  test('every account has a default group, listed first, that cannot be changed or deleted', async () => {
    const res = await list();
    assert.equal(res.TotalCount, 1);
    const [g] = res.ResourceGroups.ResourceGroup;
    assert.match(g.Id, /^rg-acfm[0-9a-f]{13}$/);
    assert.equal(g.Name, 'default');
    assert.equal(g.Status, 'OK');
    defaultId = g.Id;
    assert.equal((await list()).ResourceGroups.ResourceGroup[0].Id, defaultId, 'stable');
    await expectError(rm.deleteResourceGroup(new RM.DeleteResourceGroupRequest({ resourceGroupId: defaultId })),
      'InvalidParameter.ResourceGroup', 400);
    await expectError(rm.updateResourceGroup(new RM.UpdateResourceGroupRequest({ resourceGroupId: defaultId, newDisplayName: 'x' })),
      'InvalidParameter.ResourceGroup', 400);
  });

  test('CreateResourceGroup, GetResourceGroup, ListResourceGroups filters, UpdateResourceGroup', async () => {
    const g = await create('project-a', 'Project A');
    assert.match(g.Id, /^rg-/);
    assert.equal(g.Name, 'project-a');
    assert.equal(g.DisplayName, 'Project A');
    assert.equal(g.Status, 'OK');
    assert.equal(g.RegionStatuses.RegionStatus[0].Status, 'OK');
    projectId = g.Id;
    const got = wire(await rm.getResourceGroup(new RM.GetResourceGroupRequest({ resourceGroupId: projectId }))).ResourceGroup;
    assert.equal(got.Name, 'project-a');
    assert.ok(got.CreateDate);
    await create('project-b');
    assert.equal((await list()).TotalCount, 3);
    assert.deepEqual((await list({ name: 'project-b' })).ResourceGroups.ResourceGroup.map((x) => x.Name), ['project-b']);
    assert.deepEqual((await list({ displayName: 'Project' })).ResourceGroups.ResourceGroup.map((x) => x.Id), [projectId]);
    const paged = await list({ pageSize: 2, pageNumber: 2 });
    assert.equal(paged.ResourceGroups.ResourceGroup.length, 1);
    assert.equal(paged.TotalCount, 3);
    const up = wire(await rm.updateResourceGroup(new RM.UpdateResourceGroupRequest({ resourceGroupId: projectId, newDisplayName: 'Project A2' }))).ResourceGroup;
    assert.equal(up.DisplayName, 'Project A2');
  });

  test('bad input: duplicate names, bad names, unknown ids', async () => {
    await expectError(rm.createResourceGroup(new RM.CreateResourceGroupRequest({ name: 'project-a', displayName: 'again' })),
      'EntityAlreadyExists.ResourceGroup', 409);
    await expectError(rm.createResourceGroup(new RM.CreateResourceGroupRequest({ name: 'bad name!', displayName: 'x' })),
      'InvalidParameter.ResourceGroup', 400);
    await expectError(rm.createResourceGroup(new RM.CreateResourceGroupRequest({ name: 'x'.repeat(51), displayName: 'x' })),
      'InvalidParameter.ResourceGroup', 400);
    await expectError(rm.getResourceGroup(new RM.GetResourceGroupRequest({ resourceGroupId: 'rg-doesnotexist0000' })),
      'EntityNotExists.ResourceGroup', 404);
    await expectError(rm.deleteResourceGroup(new RM.DeleteResourceGroupRequest({ resourceGroupId: 'rg-doesnotexist0000' })),
      'EntityNotExists.ResourceGroup', 404);
  });

  describe('VPC resources', () => {
    let vpcId;
    let eipId;

    test('CreateVpc into a group; its vSwitches and route table follow it; filters', async () => {
      const res = wire(await vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.0.0.0/16', resourceGroupId: projectId })));
      assert.equal(res.ResourceGroupId, projectId);
      vpcId = res.VpcId;
      const other = wire(await vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.1.0.0/16' })));
      assert.equal(other.ResourceGroupId, defaultId, 'no group: the default one');
      const vsw = await h.createVSwitch(vpc, vpcId, '10.0.1.0/24');
      const inGroup = async (q) => wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, ...q }))).Vpcs.Vpc.map((v) => v.VpcId);
      assert.deepEqual(await inGroup({ resourceGroupId: projectId }), [vpcId]);
      assert.deepEqual(await inGroup({ resourceGroupId: defaultId }), [other.VpcId]);
      const [v] = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId }))).Vpcs.Vpc;
      assert.equal(v.ResourceGroupId, projectId);
      const attr = wire(await vpc.describeVpcAttribute(new Vpc.DescribeVpcAttributeRequest({ regionId: REGION, vpcId })));
      assert.equal(attr.ResourceGroupId, projectId);
      const sws = wire(await vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, resourceGroupId: projectId }))).VSwitches.VSwitch;
      assert.deepEqual(sws.map((x) => x.VSwitchId), [vsw]);
      assert.equal(sws[0].ResourceGroupId, projectId);
      const tables = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: REGION, resourceGroupId: projectId })))
        .RouterTableList.RouterTableListType;
      assert.deepEqual(tables.map((t) => t.VpcId), [vpcId]);
      assert.equal(tables[0].ResourceGroupId, projectId);
    });

    test('AllocateEipAddress into a group; DescribeEipAddresses filters by it', async () => {
      const e = wire(await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION, resourceGroupId: projectId })));
      assert.equal(e.ResourceGroupId, projectId);
      eipId = e.AllocationId;
      const f = async (resourceGroupId) => wire(await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: REGION, resourceGroupId })))
        .EipAddresses.EipAddress;
      assert.deepEqual((await f(projectId)).map((x) => x.AllocationId), [eipId]);
      assert.equal((await f(defaultId)).length, 0);
    });

    test('an unknown group creates nothing', async () => {
      const before = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION }))).TotalCount;
      await expectError(vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.2.0.0/16', resourceGroupId: 'rg-doesnotexist0000' })),
        'InvalidResourceGroup.NotFound', 404);
      await expectError(vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION, resourceGroupId: 'rg-doesnotexist0000' })),
        'InvalidResourceGroup.NotFound', 404);
      assert.equal(wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION }))).TotalCount, before);
      assert.equal(wire(await vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: REGION }))).TotalCount, 1);
    });

    test('a group holding resources is not deleted; MoveResourceGroup empties it; then it is', async () => {
      await expectError(rm.deleteResourceGroup(new RM.DeleteResourceGroupRequest({ resourceGroupId: projectId })),
        'InvalidParameter.ResourceGroup', 400);
      const move = (resourceId, resourceType, newResourceGroupId) => vpc.moveResourceGroup(new Vpc.MoveResourceGroupRequest({
        regionId: REGION, resourceId, resourceType, newResourceGroupId,
      }));
      await move(eipId, 'EIP', defaultId);
      await move(vpcId, 'vpc', defaultId);
      const [sw] = wire(await vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, vpcId }))).VSwitches.VSwitch;
      await expectError(rm.deleteResourceGroup(new RM.DeleteResourceGroupRequest({ resourceGroupId: projectId })),
        'InvalidParameter.ResourceGroup', 400);  // the vSwitch is still in it
      await move(sw.VSwitchId, 'vswitch', defaultId);
      await expectError(move(sw.VSwitchId, 'vswitch', 'rg-doesnotexist0000'), 'InvalidResourceGroup.NotFound', 404);
      await expectError(move('vpc-doesnotexist00000', 'vpc', defaultId), 'InvalidResourceId.NotFound', 404);
      await expectError(move(vpcId, 'natgateway', defaultId), 'InvalidResourceType.NotFound', 404);
      const del = wire(await rm.deleteResourceGroup(new RM.DeleteResourceGroupRequest({ resourceGroupId: projectId }))).ResourceGroup;
      assert.equal(del.Id, projectId);
      assert.equal(del.Status, 'PendingDelete');
      await expectError(rm.getResourceGroup(new RM.GetResourceGroupRequest({ resourceGroupId: projectId })), 'EntityNotExists.ResourceGroup', 404);
      const [v] = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId }))).Vpcs.Vpc;
      assert.equal(v.ResourceGroupId, defaultId);
    });

    test('groups and memberships survive a restart', async () => {
      const g = await create('kept');
      const id = wire(await vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.3.0.0/16', resourceGroupId: g.Id }))).VpcId;
      await server.restart();
      assert.ok((await list({ name: 'kept' })).ResourceGroups.ResourceGroup.length === 1);
      const [v] = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId: id }))).Vpcs.Vpc;
      assert.equal(v.ResourceGroupId, g.Id);
    });
  });
});
