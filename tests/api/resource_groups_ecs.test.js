'use strict';
// Resource groups on the ECS resources, through the official SDK: ResourceGroupId on creation
// (RunInstances / CreateInstance put the instance and the disks made with it in the group,
// CreateDisk, CreateSnapshot, CreateImage / ImportImage / CopyImage, CreateSecurityGroup,
// CreateKeyPair / ImportKeyPair, CreateNetworkInterface, CreateLaunchTemplate's
// TemplateResourceGroupId, CreateAutoSnapshotPolicy), the default group's id answered for a
// resource made without one, the ResourceGroupId filter of every Describe, JoinResourceGroup for
// each type, InvalidResourceGroup.NotFound creating nothing, and the groups surviving a restart.
// Resource Manager and the VPC side are resource_groups.test.js.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./helpers');
const { Ecs, ResourceManager: RM, REGION, wire, expectError } = h;

const PUBLIC_KEY = (() => {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const rawKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const len = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const blob = Buffer.concat([len(11), Buffer.from('ssh-ed25519'), len(32), rawKey]);
  return `ssh-ed25519 ${blob.toString('base64')} rg@test`;
})();

let server, ecs, vpc, rm, net;
let defaultId, groupA, groupB;

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  rm = h.rmClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'rg' });
  const groups = wire(await rm.listResourceGroups(new RM.ListResourceGroupsRequest({}))).ResourceGroups.ResourceGroup;
  defaultId = groups.find((g) => g.Name === 'default').Id;
  const make = async (name) =>
    wire(await rm.createResourceGroup(new RM.CreateResourceGroupRequest({ name, displayName: name }))).ResourceGroup.Id;
  groupA = await make('project-a');
  groupB = await make('project-b');
});
after(async () => { if (server) await server.destroy(); });

const call = (method, Req, params) => ecs[method](new Ecs[Req]({ regionId: REGION, ...params })).then(wire);
const instances = async (q = {}) => (await call('describeInstances', 'DescribeInstancesRequest', { pageSize: 100, ...q })).Instances.Instance;
const disks = async (q = {}) => (await call('describeDisks', 'DescribeDisksRequest', { pageSize: 100, ...q })).Disks.Disk;
const snapshots = async (q = {}) => (await call('describeSnapshots', 'DescribeSnapshotsRequest', { pageSize: 100, ...q })).Snapshots.Snapshot;
const images = async (q = {}) => (await call('describeImages', 'DescribeImagesRequest', { pageSize: 100, imageOwnerAlias: 'self', status: 'Creating,Available,CreateFailed', ...q })).Images.Image;
const groupsOf = async (q = {}) => (await call('describeSecurityGroups', 'DescribeSecurityGroupsRequest', { pageSize: 50, ...q })).SecurityGroups.SecurityGroup;
const keyPairs = async (q = {}) => (await call('describeKeyPairs', 'DescribeKeyPairsRequest', { pageSize: 50, ...q })).KeyPairs.KeyPair;
const enis = async (q = {}) => (await call('describeNetworkInterfaces', 'DescribeNetworkInterfacesRequest', { maxResults: 500, ...q })).NetworkInterfaceSets.NetworkInterfaceSet;
const templates = async (q = {}) => (await call('describeLaunchTemplates', 'DescribeLaunchTemplatesRequest', { pageSize: 50, ...q })).LaunchTemplateSets.LaunchTemplateSet;
const policies = async (q = {}) => (await call('describeAutoSnapshotPolicyEx', 'DescribeAutoSnapshotPolicyExRequest', { pageSize: 50, ...q })).AutoSnapshotPolicies.AutoSnapshotPolicy;

// Each type: how to list it (with a ResourceGroupId filter), its id field, JoinResourceGroup's
// ResourceType and the filter's parameter name.
const TYPES = {
  instance: { list: instances, id: 'InstanceId' },
  disk: { list: disks, id: 'DiskId' },
  snapshot: { list: snapshots, id: 'SnapshotId' },
  image: { list: images, id: 'ImageId' },
  securitygroup: { list: groupsOf, id: 'SecurityGroupId' },
  keypair: { list: keyPairs, id: 'KeyPairName' },
  eni: { list: enis, id: 'NetworkInterfaceId' },
  launchtemplate: { list: templates, id: 'LaunchTemplateId', filter: 'templateResourceGroupId' },
  autosnapshotpolicy: { list: policies, id: 'AutoSnapshotPolicyId' },
};
const groupOf = async (type, id) => {
  const t = TYPES[type];
  const found = (await t.list()).filter((r) => r[t.id] === id);
  assert.equal(found.length, 1, `${type} ${id} listed once`);
  return found[0].ResourceGroupId;
};
const idsIn = async (type, group) => {
  const t = TYPES[type];
  return (await t.list({ [t.filter || 'resourceGroupId']: group })).map((r) => r[t.id]);
};
const waitSnapshot = (id) => h.waitFor(async () => (await snapshots({ snapshotIds: JSON.stringify([id]) }))[0]?.Status === 'accomplished', 15000, 100, `${id} accomplished`);
const waitImage = (id) => h.waitFor(async () => (await images({ imageId: id }))[0]?.Status === 'Available', 15000, 100, `${id} Available`);

// What the tests make: per type, the ids made in group A, and those made without a group.
const inA = Object.fromEntries(Object.keys(TYPES).map((t) => [t, []]));
const plain = Object.fromEntries(Object.keys(TYPES).map((t) => [t, []]));

describe('ECS resources in resource groups', () => {
  test('made without ResourceGroupId: the default group, the same on every call', async () => {
    const [inst] = await h.runRunning(ecs, net);
    plain.instance.push(inst);
    for (const d of await disks({ instanceId: inst })) plain.disk.push(d.DiskId);
    plain.securitygroup.push(net.securityGroupId);
    plain.keypair.push(wire(await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'rg-plain' }))).KeyPairName);
    plain.eni.push(wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
      regionId: REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId,
    }))).NetworkInterfaceId);
    // The primary ENI is in its instance's group.
    plain.eni.push((await enis({ instanceId: inst }))[0].NetworkInterfaceId);
    const system = (await disks({ instanceId: inst, diskType: 'system' }))[0].DiskId;
    const snap = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: system }))).SnapshotId;
    plain.snapshot.push(snap);
    await waitSnapshot(snap);
    plain.image.push(wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, snapshotId: snap, imageName: 'rg-plain' }))).ImageId);
    plain.launchtemplate.push(wire(await ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({
      regionId: REGION, launchTemplateName: 'rg-plain', imageId: h.IMAGE, instanceType: h.SMALL_TYPE,
    }))).LaunchTemplateId);
    plain.autosnapshotpolicy.push(wire(await ecs.createAutoSnapshotPolicy(new Ecs.CreateAutoSnapshotPolicyRequest({
      regionId: REGION, autoSnapshotPolicyName: 'rg-plain', timePoints: '["1"]', repeatWeekdays: '["1"]', retentionDays: 7,
    }))).AutoSnapshotPolicyId);

    assert.match(defaultId, /^rg-acfm[0-9a-f]{13}$/);
    for (const [type, ids] of Object.entries(plain)) {
      for (const id of ids) {
        assert.equal(await groupOf(type, id), defaultId, `${type} ${id}: the default group`);
        assert.equal(await groupOf(type, id), defaultId, `${type} ${id}: stable`);
      }
    }
    // The built-in images are in no group of the account.
    const [system_image] = await images({ imageId: h.IMAGE, imageOwnerAlias: 'system' });
    assert.equal(system_image.ResourceGroupId, '');
  });

  test('made with ResourceGroupId: in that group, the disks made with an instance too', async () => {
    const run = wire(await ecs.runInstances(new Ecs.RunInstancesRequest({
      regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
      securityGroupId: net.securityGroupId, amount: 2, resourceGroupId: groupA,
      dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 20 })],
    }))).InstanceIdSets.InstanceIdSet;
    await h.waitStatus(ecs, run, 'Running');
    const created = wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
      securityGroupId: net.securityGroupId, resourceGroupId: groupA,
    }))).InstanceId;
    inA.instance.push(...run, created);
    for (const inst of inA.instance) {
      const ds = await disks({ instanceId: inst });
      assert.ok(ds.length >= 1);
      for (const d of ds) inA.disk.push(d.DiskId);
    }
    assert.equal(inA.disk.length, 2 * 2 + 1, 'system and data disks of the two, the system disk of the third');
    const disk = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: h.ZONE_A, diskCategory: 'cloud_essd', size: 20, resourceGroupId: groupA }))).DiskId;
    inA.disk.push(disk);

    const system = (await disks({ instanceId: run[0], diskType: 'system' }))[0].DiskId;
    const snap = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: system, resourceGroupId: groupA }))).SnapshotId;
    inA.snapshot.push(snap);
    await waitSnapshot(snap);
    const image = wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, snapshotId: snap, imageName: 'rg-a', resourceGroupId: groupA }))).ImageId;
    await waitImage(image);
    const copy = wire(await ecs.copyImage(new Ecs.CopyImageRequest({
      regionId: REGION, imageId: image, destinationRegionId: REGION, destinationImageName: 'rg-a-copy', resourceGroupId: groupA,
    }))).ImageId;
    const imported = wire(await ecs.importImage(new Ecs.ImportImageRequest({
      regionId: REGION, imageName: 'rg-a-import', resourceGroupId: groupA,
      diskDeviceMapping: [new Ecs.ImportImageRequestDiskDeviceMapping({ OSSObject: 'http://127.0.0.1:9/none.qcow2' })],
    }))).ImageId;
    inA.image.push(image, copy, imported);
    // CreateImage from an instance: the image and the snapshot it makes are in the group.
    const fromInstance = wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, instanceId: run[1], imageName: 'rg-a-inst', resourceGroupId: groupA }))).ImageId;
    inA.image.push(fromInstance);
    await waitImage(fromInstance);
    const madeSnap = (await images({ imageId: fromInstance }))[0].DiskDeviceMappings.DiskDeviceMapping[0].SnapshotId;
    inA.snapshot.push(madeSnap);

    inA.securitygroup.push(wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: net.vpcId, resourceGroupId: groupA }))).SecurityGroupId);
    inA.keypair.push(wire(await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'rg-a', resourceGroupId: groupA }))).KeyPairName);
    inA.keypair.push(wire(await ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'rg-a-imported', publicKeyBody: PUBLIC_KEY, resourceGroupId: groupA }))).KeyPairName);
    const eni = wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
      regionId: REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId, resourceGroupId: groupA,
    })));
    assert.equal(eni.ResourceGroupId, groupA, 'CreateNetworkInterface answers the group');
    inA.eni.push(eni.NetworkInterfaceId);
    for (const inst of inA.instance) inA.eni.push((await enis({ instanceId: inst }))[0].NetworkInterfaceId);
    inA.launchtemplate.push(wire(await ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({
      regionId: REGION, launchTemplateName: 'rg-a', imageId: h.IMAGE, instanceType: h.SMALL_TYPE, templateResourceGroupId: groupA,
    }))).LaunchTemplateId);
    inA.autosnapshotpolicy.push(wire(await ecs.createAutoSnapshotPolicy(new Ecs.CreateAutoSnapshotPolicyRequest({
      regionId: REGION, autoSnapshotPolicyName: 'rg-a', timePoints: '["2"]', repeatWeekdays: '["2"]', retentionDays: 7, resourceGroupId: groupA,
    }))).AutoSnapshotPolicyId);

    for (const [type, ids] of Object.entries(inA)) {
      assert.ok(ids.length > 0, type);
      for (const id of ids) assert.equal(await groupOf(type, id), groupA, `${type} ${id}`);
    }
  });

  test('the ResourceGroupId filter of every Describe: the default group, a group, an empty one', async () => {
    for (const type of Object.keys(TYPES)) {
      assert.deepEqual((await idsIn(type, groupA)).sort(), [...inA[type]].sort(), `${type} in group A`);
      const inDefault = await idsIn(type, defaultId);
      for (const id of plain[type]) assert.ok(inDefault.includes(id), `${type} ${id} listed in the default group`);
      for (const id of inA[type]) assert.ok(!inDefault.includes(id), `${type} ${id} not in the default group`);
      assert.deepEqual(await idsIn(type, groupB), [], `${type}: nothing in group B`);
      // No filter: both.
      const all = (await TYPES[type].list()).map((r) => r[TYPES[type].id]);
      for (const id of [...plain[type], ...inA[type]]) assert.ok(all.includes(id), `${type} ${id} listed unfiltered`);
    }
    // The filter combines with the others.
    const running = await instances({ resourceGroupId: groupA, status: 'Running' });
    assert.deepEqual(running.map((i) => i.InstanceId).sort(), inA.instance.slice(0, 2).sort());
  });

  test('a launch template\'s ResourceGroupId is the group of the instances launched from it', async () => {
    const lt = wire(await ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({
      regionId: REGION, launchTemplateName: 'rg-b-instances', imageId: h.IMAGE, instanceType: h.SMALL_TYPE,
      vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId, resourceGroupId: groupB,
    }))).LaunchTemplateId;
    assert.equal(await groupOf('launchtemplate', lt), defaultId, 'the template itself is in the default group');
    const [inst] = wire(await ecs.runInstances(new Ecs.RunInstancesRequest({ regionId: REGION, launchTemplateId: lt }))).InstanceIdSets.InstanceIdSet;
    await h.waitStatus(ecs, [inst], 'Running');
    assert.equal(await groupOf('instance', inst), groupB);
    for (const d of await disks({ instanceId: inst })) assert.equal(d.ResourceGroupId, groupB);
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: inst, force: true }));
    await h.waitGone(ecs, [inst]);
    await ecs.deleteLaunchTemplate(new Ecs.DeleteLaunchTemplateRequest({ regionId: REGION, launchTemplateId: lt }));
  });

  test('an unknown group: InvalidResourceGroup.NotFound, and nothing is made', async () => {
    const nope = 'rg-doesnotexist0000';
    const before = { instance: (await instances()).length, disk: (await disks()).length };
    const counts = {};
    for (const type of Object.keys(TYPES)) counts[type] = (await TYPES[type].list()).length;
    const refused = (p) => expectError(p, 'InvalidResourceGroup.NotFound', 404);
    await refused(ecs.runInstances(new Ecs.RunInstancesRequest({
      regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
      securityGroupId: net.securityGroupId, amount: 2, resourceGroupId: nope,
      dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 20 })],
    })));
    await refused(ecs.createInstance(new Ecs.CreateInstanceRequest({
      regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
      securityGroupId: net.securityGroupId, resourceGroupId: nope,
    })));
    assert.equal((await instances()).length, before.instance, 'no instance made');
    assert.equal((await disks()).length, before.disk, 'no disk made');
    await refused(ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: h.ZONE_A, diskCategory: 'cloud_essd', size: 20, resourceGroupId: nope })));
    await refused(ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: inA.disk[0], resourceGroupId: nope })));
    await refused(ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, snapshotId: inA.snapshot[0], imageName: 'rg-nope', resourceGroupId: nope })));
    await refused(ecs.createImage(new Ecs.CreateImageRequest({ regionId: REGION, instanceId: inA.instance[0], imageName: 'rg-nope', resourceGroupId: nope })));
    await refused(ecs.copyImage(new Ecs.CopyImageRequest({ regionId: REGION, imageId: inA.image[0], destinationRegionId: REGION, destinationImageName: 'rg-nope', resourceGroupId: nope })));
    await refused(ecs.importImage(new Ecs.ImportImageRequest({
      regionId: REGION, imageName: 'rg-nope', resourceGroupId: nope,
      diskDeviceMapping: [new Ecs.ImportImageRequestDiskDeviceMapping({ OSSObject: 'http://127.0.0.1:9/none.qcow2' })],
    })));
    await refused(ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: net.vpcId, resourceGroupId: nope })));
    await refused(ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'rg-nope', resourceGroupId: nope })));
    await refused(ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'rg-nope', publicKeyBody: PUBLIC_KEY, resourceGroupId: nope })));
    await refused(ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
      regionId: REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId, resourceGroupId: nope,
    })));
    await refused(ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({
      regionId: REGION, launchTemplateName: 'rg-nope', imageId: h.IMAGE, templateResourceGroupId: nope,
    })));
    await refused(ecs.createAutoSnapshotPolicy(new Ecs.CreateAutoSnapshotPolicyRequest({
      regionId: REGION, autoSnapshotPolicyName: 'rg-nope', timePoints: '["1"]', repeatWeekdays: '["1"]', retentionDays: 7, resourceGroupId: nope,
    })));
    for (const type of Object.keys(TYPES)) assert.equal((await TYPES[type].list()).length, counts[type], `no ${type} made`);
    // The name of a refused key pair is still free.
    assert.equal(wire(await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'rg-nope' }))).KeyPairName, 'rg-nope');
    await ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: REGION, keyPairNames: JSON.stringify(['rg-nope']) }));
    // The default group's id is a group like any other.
    const sg = wire(await ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: net.vpcId, resourceGroupId: defaultId }))).SecurityGroupId;
    assert.equal(await groupOf('securitygroup', sg), defaultId);
    plain.securitygroup.push(sg);
  });

  test('JoinResourceGroup moves each type, and back to the default group', async () => {
    const join = (resourceType, resourceId, resourceGroupId) =>
      ecs.joinResourceGroup(new Ecs.JoinResourceGroupRequest({ regionId: REGION, resourceType, resourceId, resourceGroupId }));
    for (const type of Object.keys(TYPES)) {
      // A secondary ENI (the primary one follows its instance).
      const id = type === 'eni' ? plain.eni[0] : plain[type][0];
      await join(type, id, groupB);
      assert.equal(await groupOf(type, id), groupB, `${type} ${id} moved to B`);
      assert.deepEqual(await idsIn(type, groupB), [id], `${type}: listed in B`);
      assert.ok(!(await idsIn(type, defaultId)).includes(id), `${type}: no longer in the default group`);
      await join(type, id, defaultId);
      assert.equal(await groupOf(type, id), defaultId, `${type} ${id} back in the default group`);
    }
    // ResourceType in either case, as ECS takes it; a key pair by its name.
    await join('KeyPair', 'rg-a', groupB);
    assert.equal(await groupOf('keypair', 'rg-a'), groupB);
    await join('keypair', 'rg-a', groupA);
    // An instance moved: its primary ENI follows; its disks stay where they are.
    const inst = plain.instance[0];
    await join('instance', inst, groupB);
    assert.equal((await enis({ instanceId: inst }))[0].ResourceGroupId, groupB);
    for (const d of await disks({ instanceId: inst })) assert.equal(d.ResourceGroupId, defaultId);
    await join('instance', inst, defaultId);

    // Bad input.
    await expectError(join('vpc', net.vpcId, groupB), 'InvalidResourceType.NotFound', 404);
    await expectError(join('ddh', 'dh-doesnotexist', groupB), 'InvalidResourceId.NotFound', 404);
    await expectError(join('instance', 'i-doesnotexist', groupB), 'InvalidResourceId.NotFound', 404);
    await expectError(join('disk', inst, groupB), 'InvalidResourceId.NotFound', 404);
    await expectError(join('keypair', 'no-such-key', groupB), 'InvalidResourceId.NotFound', 404);
    await expectError(join('instance', inst, 'rg-doesnotexist0000'), 'InvalidResourceGroup.NotFound', 404);
    assert.equal(await groupOf('instance', inst), defaultId, 'a refused move changes nothing');
    await expectError(join('instance', inst, undefined), 'MissingParameter', 400);
    await expectError(join('instance', undefined, groupB), 'MissingParameter', 400);
    await expectError(join(undefined, inst, groupB), 'MissingParameter', 400);
    // A group that still holds resources cannot be deleted; one emptied can.
    await expectError(rm.deleteResourceGroup(new RM.DeleteResourceGroupRequest({ resourceGroupId: groupA })), 'InvalidParameter.ResourceGroup', 400);
  });

  test('a restart keeps every resource in its group', async () => {
    await server.restart();
    for (const type of Object.keys(TYPES)) {
      assert.deepEqual((await idsIn(type, groupA)).sort(), [...inA[type]].sort(), `${type} in group A after the restart`);
      for (const id of plain[type]) assert.equal(await groupOf(type, id), defaultId, `${type} ${id}`);
    }
  });
});
