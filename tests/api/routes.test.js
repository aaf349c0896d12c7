'use strict';
// Route tables and custom route entries through the VPC SDK (and the ECS SDK's legacy actions):
// CreateRouteEntry / DeleteRouteEntry / ModifyRouteEntry / ModifyRouteTableAttributes, the
// three listings (DescribeRouteTableList, DescribeRouteTables, DescribeRouteEntryList), ECS's
// rules for destinations and next hops, and what they block (DeleteVpc, CreateVSwitch). That
// the routes really carry traffic is tests/system/routes.test.js, on real guests.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, Vpc, REGION, wire, expectError } = h;

let server;
let ecs;
let vpc;
let net;
let tableId;
let routerId;
let natId;      // the next-hop instance
let eniId;      // a secondary ENI in the VPC

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { vpcCidr: '10.10.0.0/16', vswCidr: '10.10.1.0/24' });
  const [t] = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({
    regionId: REGION, vpcId: net.vpcId,
  }))).RouterTableList.RouterTableListType;
  tableId = t.RouteTableId;
  routerId = t.RouterId;
  [natId] = await h.runRunning(ecs, net);
  eniId = wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
    regionId: REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId,
  }))).NetworkInterfaceId;
});
after(async () => { if (server) await server.destroy(); });

const entries = async (q = {}) => wire(await vpc.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({
  regionId: REGION, routeTableId: tableId, ...q,
})));
const create = (q) => vpc.createRouteEntry(new Vpc.CreateRouteEntryRequest({ regionId: REGION, routeTableId: tableId, ...q }));

describe('custom route entries', () => {
  let entryId;

  test('CreateRouteEntry to an instance: listed Custom, Available, with its next hop', async () => {
    const res = wire(await create({
      destinationCidrBlock: '0.0.0.0/0', nextHopType: 'Instance', nextHopId: natId,
      routeEntryName: 'to-nat', description: 'default via the NAT instance',
    }));
    assert.match(res.RouteEntryId, /^rte-/);
    entryId = res.RouteEntryId;
    const list = await entries({ routeEntryType: 'Custom' });
    assert.equal(list.TotalCount, 1);
    const [e] = list.RouteEntrys.RouteEntry;
    assert.equal(e.RouteEntryId, entryId);
    assert.equal(e.DestinationCidrBlock, '0.0.0.0/0');
    assert.equal(e.Type, 'Custom');
    assert.equal(e.Status, 'Available');
    assert.equal(e.RouteEntryName, 'to-nat');
    assert.equal(e.Description, 'default via the NAT instance');
    const [hop] = e.NextHops.NextHop;
    assert.equal(hop.NextHopId, natId);
    assert.equal(hop.NextHopType, 'Instance');
    assert.equal(hop.Enabled, 1);
    assert.equal(hop.NextHopRelatedInfo.InstanceId, natId);
    // The system entry (the vSwitch's block) is still there.
    const sys = (await entries({ routeEntryType: 'System' })).RouteEntrys.RouteEntry;
    assert.deepEqual(sys.map((x) => x.DestinationCidrBlock), ['10.10.1.0/24']);
  });

  test('an address without a mask is a /32; a second entry to an ENI', async () => {
    const res = wire(await create({ destinationCidrBlock: '172.16.5.9', nextHopType: 'NetworkInterface', nextHopId: eniId }));
    const [e] = (await entries({ routeEntryId: res.RouteEntryId })).RouteEntrys.RouteEntry;
    assert.equal(e.DestinationCidrBlock, '172.16.5.9/32');
    assert.equal(e.NextHops.NextHop[0].NextHopType, 'NetworkInterface');
    assert.equal(e.NextHops.NextHop[0].NextHopId, eniId);
  });

  test('ECS\'s rules: duplicates, vSwitch blocks, 100.64.0.0/10, next hops of the VPC', async () => {
    await expectError(create({ destinationCidrBlock: '0.0.0.0/0', nextHopId: natId }), 'RouterEntryConflict.Duplicated', 400);
    // Equal to, or inside, a vSwitch's block: refused; containing it: fine (0.0.0.0/0 above).
    await expectError(create({ destinationCidrBlock: '10.10.1.0/24', nextHopId: natId }), 'InvalidCidrBlock.Overlapped', 400);
    await expectError(create({ destinationCidrBlock: '10.10.1.128/25', nextHopId: natId }), 'InvalidCidrBlock.Overlapped', 400);
    await expectError(create({ destinationCidrBlock: '100.64.1.0/24', nextHopId: natId }), 'InvalidCidrBlock.Overlapped', 400);
    await expectError(create({ destinationCidrBlock: '10.20.0.0/33', nextHopId: natId }), 'InvalidCidrBlock.Malformed', 400);
    await expectError(create({ destinationCidrBlock: '10.20.0.1/16', nextHopId: natId }), 'InvalidCidrBlock.Malformed', 400);
    await expectError(create({ destinationCidrBlock: '10.30.0.0/16', nextHopId: 'i-doesnotexist000000' }), 'InvalidInstanceId.NotFound', 404);
    await expectError(create({ destinationCidrBlock: '10.30.0.0/16', nextHopType: 'NetworkInterface', nextHopId: 'eni-doesnotexist00000' }), 'InvalidEniId.NotFound', 404);
    await expectError(create({ destinationCidrBlock: '10.30.0.0/16', nextHopType: 'VpnGateway', nextHopId: 'vpn-1' }), 'InvalidParameter', 400);
    await expectError(create({ destinationCidrBlock: '10.30.0.0/16' }), 'MissingParameter', 400);
    await expectError(vpc.createRouteEntry(new Vpc.CreateRouteEntryRequest({
      regionId: REGION, routeTableId: 'vtb-doesnotexist0000000', destinationCidrBlock: '10.30.0.0/16', nextHopId: natId,
    })), 'InvalidRouteTableId.NotFound', 404);
    // An instance of another VPC is not a next hop here.
    const other = await h.createNetwork(ecs, vpc, { vpcCidr: '10.40.0.0/16', vswCidr: '10.40.1.0/24', name: 'other' });
    const [foreign] = await h.runInstances(ecs, other);
    await expectError(create({ destinationCidrBlock: '10.30.0.0/16', nextHopId: foreign }), 'InvalidParameter', 400);
    // DryRun checks and creates nothing.
    await expectError(create({ destinationCidrBlock: '10.30.0.0/16', nextHopId: natId, dryRun: true }), 'DryRunOperation', 400);
    assert.equal((await entries({ routeEntryType: 'Custom' })).TotalCount, 2);
  });

  test('a vSwitch whose block would hold a custom destination is refused', async () => {
    // One that holds none is made; then an entry; then a vSwitch holding its destination is not.
    await h.createVSwitch(vpc, net.vpcId, '10.10.0.0/24', net.zone);
    await create({ destinationCidrBlock: '10.10.2.0/28', nextHopId: natId });
    await expectError(vpc.createVSwitch(new Vpc.CreateVSwitchRequest({
      regionId: REGION, vpcId: net.vpcId, cidrBlock: '10.10.2.0/24', zoneId: net.zone,
    })), 'InvalidCidrBlock.Overlapped', 400);
    await vpc.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({
      regionId: REGION, routeTableId: tableId, destinationCidrBlock: '10.10.2.0/28',
    }));
    // Without the entry the same block is fine.
    await h.createVSwitch(vpc, net.vpcId, '10.10.2.0/24', net.zone);
  });

  test('ModifyRouteEntry renames and moves the next hop; ModifyRouteTableAttributes names the table', async () => {
    await vpc.modifyRouteEntry(new Vpc.ModifyRouteEntryRequest({
      regionId: REGION, routeEntryId: entryId, routeEntryName: 'to-eni', newNextHopType: 'NetworkInterface', newNextHopId: eniId,
    }));
    let [e] = (await entries({ routeEntryId: entryId })).RouteEntrys.RouteEntry;
    assert.equal(e.RouteEntryName, 'to-eni');
    assert.equal(e.NextHops.NextHop[0].NextHopId, eniId);
    await vpc.modifyRouteEntry(new Vpc.ModifyRouteEntryRequest({
      regionId: REGION, routeEntryId: entryId, newNextHopType: 'Instance', newNextHopId: natId,
    }));
    [e] = (await entries({ routeEntryId: entryId })).RouteEntrys.RouteEntry;
    assert.equal(e.NextHops.NextHop[0].NextHopId, natId);
    await expectError(vpc.modifyRouteEntry(new Vpc.ModifyRouteEntryRequest({
      regionId: REGION, routeEntryId: 'rte-doesnotexist000000', routeEntryName: 'x1',
    })), 'InvalidRouteEntry.NotFound', 404);

    await vpc.modifyRouteTableAttributes(new Vpc.ModifyRouteTableAttributesRequest({
      regionId: REGION, routeTableId: tableId, routeTableName: 'main-table', description: 'the system table',
    }));
    const [t] = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({
      regionId: REGION, routeTableName: 'main-table',
    }))).RouterTableList.RouterTableListType;
    assert.equal(t.RouteTableId, tableId);
    assert.equal(t.Description, 'the system table');
  });

  test('the route table takes tags through the VPC API (ResourceType ROUTETABLE)', async () => {
    await vpc.tagResources(new Vpc.TagResourcesRequest({
      regionId: REGION, resourceType: 'ROUTETABLE', resourceId: [tableId], tag: [{ key: 'tier', value: 'core' }],
    }));
    const listed = wire(await vpc.listTagResources(new Vpc.ListTagResourcesRequest({
      regionId: REGION, resourceType: 'ROUTETABLE', resourceId: [tableId],
    }))).TagResources.TagResource;
    assert.deepEqual(listed.map((t) => [t.ResourceId, t.TagKey, t.TagValue]), [[tableId, 'tier', 'core']]);
    const byTag = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({
      regionId: REGION, tag: [{ key: 'tier', value: 'core' }],
    }))).RouterTableList.RouterTableListType;
    assert.deepEqual(byTag.map((t) => t.RouteTableId), [tableId]);
    assert.deepEqual(byTag[0].Tags.Tag.map((t) => [t.Key, t.Value]), [['tier', 'core']]);
    await vpc.unTagResources(new Vpc.UnTagResourcesRequest({
      regionId: REGION, resourceType: 'ROUTETABLE', resourceId: [tableId], tagKey: ['tier'],
    }));
    const none = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({
      regionId: REGION, tag: [{ key: 'tier' }],
    }))).RouterTableList.RouterTableListType;
    assert.equal(none.length, 0);
    await expectError(vpc.tagResources(new Vpc.TagResourcesRequest({
      regionId: REGION, resourceType: 'ROUTETABLE', resourceId: ['vtb-doesnotexist00000'], tag: [{ key: 'a', value: 'b' }],
    })), 'InvalidResourceId.NotFound', 404);
  });

  test('DescribeRouteTables (VPC and ECS SDK) lists the entries as the provider reads them', async () => {
    for (const [client, Req] of [[vpc, Vpc.DescribeRouteTablesRequest], [ecs, Ecs.DescribeRouteTablesRequest]]) {
      const res = wire(await client.describeRouteTables(new Req({ regionId: REGION, routeTableId: tableId })));
      assert.equal(res.TotalCount, 1);
      const [t] = res.RouteTables.RouteTable;
      assert.equal(t.VRouterId, routerId);
      const custom = t.RouteEntrys.RouteEntry.find((x) => x.DestinationCidrBlock === '0.0.0.0/0');
      assert.equal(custom.InstanceId, natId);
      assert.equal(custom.NextHopType, 'Instance');
      assert.equal(custom.Status, 'Available');
      assert.ok(t.RouteEntrys.RouteEntry.every((x) => x.Status === 'Available'));
    }
  });

  test('DescribeRouteEntryList pages with MaxResult and NextToken', async () => {
    const total = (await entries({ maxResult: 100 })).TotalCount;
    assert.equal(total, 5);  // three vSwitch blocks, two custom entries
    const ids = [];
    let token;
    let pages = 0;
    do {
      const page = await entries({ maxResult: 3, ...(token ? { nextToken: token } : {}) });
      assert.equal(page.TotalCount, total);
      assert.ok(page.RouteEntrys.RouteEntry.length <= 3);
      ids.push(...page.RouteEntrys.RouteEntry.map((x) => x.RouteEntryId));
      token = page.NextToken;
      pages += 1;
    } while (token);
    assert.equal(pages, 2);
    assert.equal(new Set(ids).size, total);
    await expectError(vpc.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({
      regionId: REGION, routeTableId: tableId, nextToken: 'garbage',
    })), 'InvalidParameter', 400);
  });

  test('a released next hop leaves the entry routing nothing; DeleteVpc waits for the entries', async () => {
    const [gone] = await h.runRunning(ecs, net);
    const id = wire(await create({ destinationCidrBlock: '10.50.0.0/16', nextHopId: gone })).RouteEntryId;
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: gone, force: true }));
    await h.waitGone(ecs, [gone]);
    const [e] = (await entries({ routeEntryId: id })).RouteEntrys.RouteEntry;
    assert.equal(e.NextHops.NextHop[0].Enabled, 0);

    // DeleteVpc is refused while the table has custom entries.
    for (const i of [natId]) await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: i, force: true }));
    await h.waitGone(ecs, [natId]);
    await ecs.deleteNetworkInterface(new Ecs.DeleteNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId: eniId }));
    await ecs.deleteSecurityGroup(new Ecs.DeleteSecurityGroupRequest({ regionId: REGION, securityGroupId: net.securityGroupId }));
    for (const v of wire(await vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: REGION, vpcId: net.vpcId }))).VSwitches.VSwitch)
      await vpc.deleteVSwitch(new Vpc.DeleteVSwitchRequest({ regionId: REGION, vSwitchId: v.VSwitchId }));
    await expectError(vpc.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: REGION, vpcId: net.vpcId })), 'DependencyViolation', 403);

    // Delete by id, by destination, through the ECS SDK; a second delete is NotFound.
    await vpc.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: REGION, routeEntryId: id }));
    await expectError(vpc.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: REGION, routeEntryId: id })),
      'InvalidRouteEntry.NotFound', 404);
    await ecs.deleteRouteEntry(new Ecs.DeleteRouteEntryRequest({ regionId: REGION, routeTableId: tableId, destinationCidrBlock: '172.16.5.9/32' }));
    await vpc.deleteRouteEntry(new Vpc.DeleteRouteEntryRequest({ regionId: REGION, routeTableId: tableId, destinationCidrBlock: '0.0.0.0/0', nextHopId: natId }));
    assert.equal((await entries({ routeEntryType: 'Custom' })).TotalCount, 0);
    await vpc.deleteVpc(new Vpc.DeleteVpcRequest({ regionId: REGION, vpcId: net.vpcId }));
  });

  test('custom entries survive a restart', async () => {
    const n = await h.createNetwork(ecs, vpc, { vpcCidr: '10.60.0.0/16', vswCidr: '10.60.1.0/24', name: 'restart' });
    const [t] = wire(await vpc.describeRouteTableList(new Vpc.DescribeRouteTableListRequest({ regionId: REGION, vpcId: n.vpcId })))
      .RouterTableList.RouterTableListType;
    const [i] = await h.runInstances(ecs, n);
    const id = wire(await vpc.createRouteEntry(new Vpc.CreateRouteEntryRequest({
      regionId: REGION, routeTableId: t.RouteTableId, destinationCidrBlock: '10.61.0.0/16', nextHopId: i,
    }))).RouteEntryId;
    await server.restart();
    const [e] = wire(await vpc.describeRouteEntryList(new Vpc.DescribeRouteEntryListRequest({
      regionId: REGION, routeTableId: t.RouteTableId, routeEntryId: id,
    }))).RouteEntrys.RouteEntry;
    assert.equal(e.DestinationCidrBlock, '10.61.0.0/16');
    assert.equal(e.NextHops.NextHop[0].NextHopId, i);
  });
});
