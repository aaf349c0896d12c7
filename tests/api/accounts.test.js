'use strict';
// Accounts (issue 16): `ecsd account create|list` beside a running server, and isolation between
// accounts — the isolation matrix: for every registered action that names a resource, account B
// naming account A's resource gets exactly what it gets for an id that never existed, and every
// listing B can make omits A's resources. Secrets are sealed at rest.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./helpers');

const catalogue = require('./hostile/catalogue.json');

let server;
let ecsA, vpcA;
let B;  // { ak, secret, id, ecs, vpc, server-like }
const A = {};  // type -> A's resource id
const own = {};  // type -> B's resource id (to fill the other resource parameters)

function accountCmd(args) {
  return spawnSync(h.BIN, ['account', ...args, ...server.storeArgs()], { encoding: 'utf8' });
}

// A's (or B's) full set of resources, one of each type an action can name.
async function makeResources(ecs, vpc, out, tag) {
  const net = await h.createNetwork(ecs, vpc, { name: `net-${tag}` });
  out.vpc = net.vpcId;
  out.vswitch = net.vSwitchId;
  out.securitygroup = net.securityGroupId;
  [out.instance] = await h.runRunning(ecs, net);
  const disk = h.wire(await ecs.createDisk(new h.Ecs.CreateDiskRequest({
    regionId: h.REGION, zoneId: h.ZONE_A, size: 20, diskCategory: 'cloud_essd', diskName: `disk-${tag}`,
  })));
  out.disk = disk.DiskId;
  await h.waitFor(async () => {
    const d = h.wire(await ecs.describeDisks(new h.Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([out.disk]) })));
    return d.Disks.Disk[0] && d.Disks.Disk[0].Status === 'Available';
  }, 10000, 'disk available');
  // A snapshot of the system disk (a data disk never attached cannot be snapshotted).
  const sys = h.wire(await ecs.describeDisks(new h.Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: out.instance, diskType: 'system' })));
  const snap = h.wire(await ecs.createSnapshot(new h.Ecs.CreateSnapshotRequest({ diskId: sys.Disks.Disk[0].DiskId, snapshotName: `snap-${tag}` })));
  out.snapshot = snap.SnapshotId;
  await h.waitFor(async () => {
    const s = h.wire(await ecs.describeSnapshots(new h.Ecs.DescribeSnapshotsRequest({ regionId: h.REGION, snapshotIds: JSON.stringify([out.snapshot]) })));
    return s.Snapshots.Snapshot[0] && s.Snapshots.Snapshot[0].Status === 'accomplished';
  }, 15000, 'snapshot accomplished');
  const img = h.wire(await ecs.createImage(new h.Ecs.CreateImageRequest({ regionId: h.REGION, snapshotId: out.snapshot, imageName: `img-${tag}` })));
  out.image = img.ImageId;
  const kp = h.wire(await ecs.createKeyPair(new h.Ecs.CreateKeyPairRequest({ regionId: h.REGION, keyPairName: `kp-${tag}` })));
  out.keypair = kp.KeyPairName;
  const eni = h.wire(await ecs.createNetworkInterface(new h.Ecs.CreateNetworkInterfaceRequest({
    regionId: h.REGION, vSwitchId: out.vswitch, securityGroupId: out.securitygroup,
  })));
  out.networkinterface = eni.NetworkInterfaceId;
  const lt = h.wire(await ecs.createLaunchTemplate(new h.Ecs.CreateLaunchTemplateRequest({
    regionId: h.REGION, launchTemplateName: `lt-${tag}`, imageId: h.IMAGE, instanceType: h.SMALL_TYPE,
  })));
  out.launchtemplate = lt.LaunchTemplateId;
  const ds = h.wire(await ecs.createDeploymentSet(new h.Ecs.CreateDeploymentSetRequest({ regionId: h.REGION, deploymentSetName: `ds-${tag}` })));
  out.deploymentset = ds.DeploymentSetId;
  const sp = h.wire(await ecs.createAutoSnapshotPolicy(new h.Ecs.CreateAutoSnapshotPolicyRequest({
    regionId: h.REGION, timePoints: '["1"]', repeatWeekdays: '["1"]', retentionDays: 1, autoSnapshotPolicyName: `sp-${tag}`,
  })));
  out.autosnapshotpolicy = sp.AutoSnapshotPolicyId;
  const eip = h.wire(await vpc.allocateEipAddress(new h.Vpc.AllocateEipAddressRequest({ regionId: h.REGION })));
  out.eip = eip.AllocationId;
  const vpcAttr = h.wire(await vpc.describeVpcs(new h.Vpc.DescribeVpcsRequest({ regionId: h.REGION, vpcId: out.vpc })));
  out.routetable = vpcAttr.Vpcs.Vpc[0].RouterTableIds.RouterTableIds[0];
  const entry = h.wire(await vpc.createRouteEntry(new h.Vpc.CreateRouteEntryRequest({
    regionId: h.REGION, routeTableId: out.routetable, destinationCidrBlock: '10.77.0.0/16',
    nextHopType: 'Instance', nextHopId: out.instance,
  })));
  out.routeentry = entry.RouteEntryId;
  out.user = `user-${tag}`;
}

// Parameter base name -> resource type (as api/authorizer.cc names them).
const NAMING = {
  InstanceId: 'instance', DiskId: 'disk', SnapshotId: 'snapshot', ImageId: 'image', SecurityGroupId: 'securitygroup',
  NetworkInterfaceId: 'networkinterface', KeyPairName: 'keypair', LaunchTemplateId: 'launchtemplate',
  DeploymentSetId: 'deploymentset', AutoSnapshotPolicyId: 'autosnapshotpolicy', VpcId: 'vpc', VSwitchId: 'vswitch',
  AllocationId: 'eip', RouteTableId: 'routetable', RouteEntryId: 'routeentry',
};
// Ids that never existed, in each type's form.
const NEVER = {
  instance: 'i-zz0000000000000nonexist', disk: 'd-zz0000000000000nonexist', snapshot: 's-zz0000000000000nonexist',
  image: 'm-zz0000000000000nonexist', securitygroup: 'sg-zz00000000000nonexist', networkinterface: 'eni-zz0000000000nonexist',
  keypair: 'kp-never-existed', launchtemplate: 'lt-zz000000000000nonexist', deploymentset: 'ds-zz000000000000nonexist',
  autosnapshotpolicy: 'sp-zz000000000000nonexist', vpc: 'vpc-zz00000000000nonexist', vswitch: 'vsw-zz00000000000nonexist',
  eip: 'eip-zz00000000000nonexist', routetable: 'vtb-zz00000000000nonexist', routeentry: 'rte-zz00000000000nonexist',
};

// What a parameter names: [type, form] with form 'one' (X), 'n' (X.N), 'json' (Xs as a JSON list).
function naming(name) {
  if (NAMING[name]) return [NAMING[name], 'one'];
  const n = name.match(/^(.*)\.N$/);
  if (n && NAMING[n[1]]) return [NAMING[n[1]], 'n'];
  if (name.endsWith('s') && NAMING[name.slice(0, -1)]) return [NAMING[name.slice(0, -1)], 'json'];
  return null;
}

function put(params, name, form, value) {
  if (form === 'one') params[name] = value;
  else if (form === 'n') params[name.replace(/\.N$/, '.1')] = value;
  else params[name] = JSON.stringify([value]);
}

// B's request for `action` with its required parameters filled: other resource parameters with
// B's own resources, the rest with harmless values.
function baseParams(a, except) {
  const p = { RegionId: h.REGION };
  for (const [name, type, flags] of a.params) {
    if (name === except || !(flags || '').includes('r') || name === 'RegionId') continue;
    const nm = naming(name);
    if (nm) { put(p, name, nm[1], own[nm[0]]); continue; }
    if (/\.N\./.test(name) || /\.N$/.test(name)) continue;
    p[name] = type === 'n' ? '1' : type === 'b' ? 'false' : type === 'j' ? '[]' : (name === 'ZoneId' ? h.ZONE_A : 'x');
  }
  return p;
}

function normalized(res, ids) {
  let text = res.body;
  for (const id of ids) text = text.split(id).join('<ID>');
  let j;
  try { j = JSON.parse(text); } catch { return { status: res.status, text }; }
  delete j.RequestId;
  delete j.Recommend;
  return { status: res.status, body: j };
}

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecsA = h.ecsClient(server);
  vpcA = h.vpcClient(server);
});
after(async () => { if (server) await server.destroy(); });

test('ecsd account create makes an account the running server accepts at once; list shows it without secrets', async () => {
  const made = accountCmd(['create', '--name', 'team-b']);
  assert.equal(made.status, 0, made.stderr);
  const acct = JSON.parse(made.stdout);
  assert.match(acct.AccountId, /^[1-9][0-9]{15}$/);
  assert.equal(acct.AccountName, 'team-b');
  assert.match(acct.AccessKeyId, /^LTAI[a-z0-9]{20}$/);
  assert.equal(acct.AccessKeySecret.length, 30);
  B = { ak: acct.AccessKeyId, secret: acct.AccessKeySecret, id: acct.AccountId };
  B.ecs = h.ecsClient(server, { ak: B.ak, secret: B.secret });
  B.vpc = h.vpcClient(server, { ak: B.ak, secret: B.secret });
  B.raw = { ...server, ak: B.ak, secret: B.secret, endpoint: server.endpoint, port: server.port };
  const regions = h.wire(await B.ecs.describeRegions(new h.Ecs.DescribeRegionsRequest({})));
  assert.equal(regions.Regions.Region[0].RegionId, h.REGION);

  const dup = accountCmd(['create', '--name', 'team-b']);
  assert.notEqual(dup.status, 0);
  assert.match(dup.stderr, /exists already/);
  const bad = accountCmd(['create', '--name', '-bad name']);
  assert.notEqual(bad.status, 0);

  const list = accountCmd(['list']);
  assert.equal(list.status, 0, list.stderr);
  const accounts = JSON.parse(list.stdout);
  assert.deepEqual(accounts.map((x) => x.AccountName).sort(), ['root', 'team-b']);
  assert.ok(!list.stdout.includes(B.secret) && !list.stdout.includes(server.secret), 'no secret is listed');
});

test('an unknown AccessKey is still refused after the reload', async () => {
  await h.expectError(h.ecsClient(server, { ak: 'LTAInosuchkey0000000000', secret: 'x' })
    .describeRegions(new h.Ecs.DescribeRegionsRequest({})), 'InvalidAccessKeyId.NotFound', 404);
});

test('resources of two accounts: names are per account, and B sees none of A\'s', async () => {
  await makeResources(ecsA, vpcA, A, 'a');
  await makeResources(B.ecs, B.vpc, own, 'b');
  // Names are per account: B may take A's key pair and launch template names for its own.
  const sameKp = h.wire(await B.ecs.createKeyPair(new h.Ecs.CreateKeyPairRequest({ regionId: h.REGION, keyPairName: A.keypair })));
  assert.equal(sameKp.KeyPairName, A.keypair);
  const sameLt = h.wire(await B.ecs.createLaunchTemplate(new h.Ecs.CreateLaunchTemplateRequest({
    regionId: h.REGION, launchTemplateName: 'lt-a', imageId: h.IMAGE, instanceType: h.SMALL_TYPE,
  })));
  await B.ecs.deleteLaunchTemplate(new h.Ecs.DeleteLaunchTemplateRequest({ regionId: h.REGION, launchTemplateId: sameLt.LaunchTemplateId }));
  const mine = h.wire(await B.ecs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION })));
  assert.deepEqual(mine.Instances.Instance.map((i) => i.InstanceId), [own.instance]);
  const kps = h.wire(await B.ecs.describeKeyPairs(new h.Ecs.DescribeKeyPairsRequest({ regionId: h.REGION, keyPairName: A.keypair })));
  assert.equal(kps.KeyPairs.KeyPair.length, 1);
  const aKp = h.wire(await ecsA.describeKeyPairs(new h.Ecs.DescribeKeyPairsRequest({ regionId: h.REGION, keyPairName: A.keypair }))).KeyPairs.KeyPair[0];
  assert.notEqual(kps.KeyPairs.KeyPair[0].KeyPairFingerPrint, aKp.KeyPairFingerPrint, 'two key pairs of one name, one per account');
  // B's copy goes again, so that A's name is one B does not have in the matrix below.
  await B.ecs.deleteKeyPairs(new h.Ecs.DeleteKeyPairsRequest({ regionId: h.REGION, keyPairNames: JSON.stringify([A.keypair]) }));
  const aStill = h.wire(await ecsA.describeKeyPairs(new h.Ecs.DescribeKeyPairsRequest({ regionId: h.REGION, keyPairName: A.keypair })));
  assert.equal(aStill.KeyPairs.KeyPair.length, 1, 'deleting B\'s left A\'s');
});

test('isolation matrix: every action naming A\'s resource answers B as for an id that never existed', async () => {
  const aIds = Object.values(A);
  let compared = 0;
  const failures = [];
  for (const a of catalogue.actions) {
    for (const [name] of a.params) {
      const nm = naming(name);
      if (!nm || !A[nm[0]]) continue;
      const [type, form] = nm;
      const base = baseParams(a, name);
      const withA = { ...base }; put(withA, name, form, A[type]);
      const withNever = { ...base }; put(withNever, name, form, NEVER[type]);
      // The id that never existed first: if that call changes B's state (the parameter is not
      // looked up), the second may meet a different state; if it fails, nothing changed.
      const rn = await h.rawV1(B.raw, a.action, withNever, { version: a.version });
      const ra = await h.rawV1(B.raw, a.action, withA, { version: a.version });
      const na = normalized(ra, [A[type]]);
      const nn = normalized(rn, [NEVER[type]]);
      compared++;
      try {
        // When the never-existed id was accepted, the action does not look the parameter up
        // (AttachDisk's KeyPairName): its first call changed B's state, and the second may be
        // answered differently for that reason alone. A's resources stay untouched (checked at
        // the end) and none comes back (below).
        if (rn.status !== 200) assert.deepEqual(na, nn);
      } catch {
        failures.push(`${a.action} ${name}: with A's ${type} ${JSON.stringify(na).slice(0, 300)} / never-existed ${JSON.stringify(nn).slice(0, 300)}`);
      }
      // Whatever it answered, nothing of A's came back.
      for (const id of aIds) {
        if (id === A[type]) continue;
        if (ra.body.includes(id)) failures.push(`${a.action} ${name}: the answer shows A's ${id}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(compared > 100, `compared ${compared} (action, parameter) pairs`);
});

test('isolation matrix: every listing B can make omits A\'s resources', async () => {
  const aIds = Object.values(A).filter((id) => !id.startsWith('user-'));
  const leaks = [];
  let listings = 0;
  for (const a of catalogue.actions) {
    if (!/^(Describe|List)/.test(a.action)) continue;
    const res = await h.rawV1(B.raw, a.action, baseParams(a, null), { version: a.version });
    listings++;
    for (const id of aIds) if (res.body.includes(id)) leaks.push(`${a.action} shows ${id}`);
  }
  assert.deepEqual(leaks, []);
  assert.ok(listings >= 45, `${listings} listings`);
});

test('A\'s resources came through B\'s calls untouched', async () => {
  const inst = await h.describeInstance(ecsA, A.instance);
  assert.equal(inst.Status, 'Running');
  const disks = h.wire(await ecsA.describeDisks(new h.Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([A.disk]) })));
  assert.equal(disks.Disks.Disk.length, 1);
  const kps = h.wire(await ecsA.describeKeyPairs(new h.Ecs.DescribeKeyPairsRequest({ regionId: h.REGION, keyPairName: A.keypair })));
  assert.equal(kps.KeyPairs.KeyPair.length, 1);
  const eips = h.wire(await vpcA.describeEipAddresses(new h.Vpc.DescribeEipAddressesRequest({ regionId: h.REGION, allocationId: A.eip })));
  assert.equal(eips.EipAddresses.EipAddress.length, 1);
});

test('secrets at rest: the database files alone show no AccessKey secret or guest password', async () => {
  const password = 'Sealed-Pass-1234';
  const net = { vSwitchId: A.vswitch, securityGroupId: A.securitygroup };
  await h.runInstances(ecsA, net, { password });
  const stored = server.storedText();
  assert.ok(stored.includes(A.keypair), 'the stored records are read');
  for (const secret of [server.secret, B.secret, password]) {
    assert.equal(stored.indexOf(secret), -1, `a secret (${secret.slice(0, 4)}...) is readable in the ${h.STORE} store`);
  }
  const key = fs.statSync(path.join(server.dataDir, 'secrets.key'));
  assert.equal(key.mode & 0o777, 0o600);
  assert.equal(key.size, 32);
  // And after a restart everything still opens: the root key, B's key.
  await server.restart();
  await h.ecsClient(server).describeRegions(new h.Ecs.DescribeRegionsRequest({}));
  await h.ecsClient(server, { ak: B.ak, secret: B.secret }).describeRegions(new h.Ecs.DescribeRegionsRequest({}));
});

test('image sharing across accounts: B sees A\'s shared image as others and launches it; unshared, it is gone', async () => {
  await ecsA.modifyImageSharePermission(new h.Ecs.ModifyImageSharePermissionRequest({ regionId: h.REGION, imageId: A.image, addAccount: [B.id] }));
  const others = h.wire(await B.ecs.describeImages(new h.Ecs.DescribeImagesRequest({ regionId: h.REGION, imageOwnerAlias: 'others' })));
  const shared = others.Images.Image.find((i) => i.ImageId === A.image);
  assert.ok(shared, 'the shared image is listed for B');
  assert.equal(shared.ImageOwnerAlias, 'others');
  const bNet = { vSwitchId: own.vswitch, securityGroupId: own.securitygroup };
  const [launched] = await h.runRunning(B.ecs, bNet, { imageId: A.image });
  assert.equal((await h.describeInstance(B.ecs, launched)).ImageId, A.image);
  // B cannot change or delete what is only shared with it.
  await h.expectError(B.ecs.deleteImage(new h.Ecs.DeleteImageRequest({ regionId: h.REGION, imageId: A.image })), 'InvalidImageId.NotFound', 404);
  await ecsA.modifyImageSharePermission(new h.Ecs.ModifyImageSharePermissionRequest({ regionId: h.REGION, imageId: A.image, removeAccount: [B.id] }));
  const after = h.wire(await B.ecs.describeImages(new h.Ecs.DescribeImagesRequest({ regionId: h.REGION, imageOwnerAlias: 'others' })));
  assert.ok(!after.Images.Image.some((i) => i.ImageId === A.image));
  await h.expectError(h.runInstances(B.ecs, bNet, { imageId: A.image }), 'InvalidImageId.NotFound', 404);
});

test('RAM entities are per account: B cannot see or touch A\'s users, groups, policies and roles, and may reuse their names', async () => {
  const ramA = h.ramClient(server);
  const ramB = h.ramClient(server, { ak: B.ak, secret: B.secret });
  await ramA.createUser(new h.Ram.CreateUserRequest({ userName: 'alice' }));
  await ramA.createGroup(new h.Ram.CreateGroupRequest({ groupName: 'ops' }));
  await ramA.createPolicy(new h.Ram.CreatePolicyRequest({ policyName: 'mine', policyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ecs:Describe*', Resource: '*' }] }) }));
  for (const [call, code] of [
    [() => ramB.getUser(new h.Ram.GetUserRequest({ userName: 'alice' })), 'EntityNotExist.User'],
    [() => ramB.getGroup(new h.Ram.GetGroupRequest({ groupName: 'ops' })), 'EntityNotExist.Group'],
    [() => ramB.getPolicy(new h.Ram.GetPolicyRequest({ policyName: 'mine', policyType: 'Custom' })), 'EntityNotExist.Policy'],
    [() => ramB.deleteUser(new h.Ram.DeleteUserRequest({ userName: 'alice' })), 'EntityNotExist.User'],
    [() => ramB.createAccessKey(new h.Ram.CreateAccessKeyRequest({ userName: 'alice' })), 'EntityNotExist.User'],
  ]) {
    let err;
    try { await call(); } catch (e) { err = e; }
    assert.ok(err, `${code}: the call succeeded`);
    assert.equal(err.code, code);
  }
  const users = h.wire(await ramB.listUsers(new h.Ram.ListUsersRequest({})));
  assert.ok(!JSON.stringify(users).includes('alice'));
  const policies = h.wire(await ramB.listPolicies(new h.Ram.ListPoliciesRequest({ policyType: 'Custom' })));
  assert.ok(!JSON.stringify(policies).includes('"mine"'));
  await ramB.createUser(new h.Ram.CreateUserRequest({ userName: 'alice' }));
  const a = h.wire(await ramA.getUser(new h.Ram.GetUserRequest({ userName: 'alice' }))).User;
  const b = h.wire(await ramB.getUser(new h.Ram.GetUserRequest({ userName: 'alice' }))).User;
  assert.notEqual(a.UserId, b.UserId);
  // Identity: each account's key says whose it is.
  assert.equal(h.wire(await h.stsClient(server, { ak: B.ak, secret: B.secret }).getCallerIdentity()).AccountId, B.id);
});
