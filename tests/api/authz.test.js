'use strict';
// Authorization (issue 16): RAM users act only as their policies allow, with ECS's refusal
// (Forbidden.RAM, 403, AccessDeniedDetail); explicit Deny wins, conditions on tags, source
// address and time hold; STS AssumeRole gives credentials the SDKs use unchanged, scoped by the
// role's policies and an inline policy, refused once expired.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

let server, ecs, vpc, ram;
let network;

// A RAM user with an AccessKey and the given system/custom policies; its SDK clients.
async function makeUser(name, policies = []) {
  await ram.createUser(new h.Ram.CreateUserRequest({ userName: name }));
  for (const p of policies) {
    await ram.attachPolicyToUser(new h.Ram.AttachPolicyToUserRequest({
      userName: name, policyName: p, policyType: p.startsWith('Aliyun') || p === 'AdministratorAccess' ? 'System' : 'Custom',
    }));
  }
  const key = h.wire(await ram.createAccessKey(new h.Ram.CreateAccessKeyRequest({ userName: name }))).AccessKey;
  const opts = { ak: key.AccessKeyId, secret: key.AccessKeySecret };
  return { name, ...opts, ecs: h.ecsClient(server, opts), vpc: h.vpcClient(server, opts), ram: h.ramClient(server, opts), sts: h.stsClient(server, opts) };
}

async function customPolicy(name, statements) {
  await ram.createPolicy(new h.Ram.CreatePolicyRequest({
    policyName: name, policyDocument: JSON.stringify({ Version: '1', Statement: statements }),
  }));
}

// The error a call fails with, as the SDK surfaces it.
async function refusal(promise, what = "") {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  assert.fail(`the call succeeded ${what}`);
}

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  ram = h.ramClient(server);
  network = await h.createNetwork(ecs, vpc);
});
after(async () => { if (server) await server.destroy(); });

test('a RAM user without policies may do nothing; the refusal is ECS\'s, with AccessDeniedDetail', async () => {
  const u = await makeUser('nobody');
  const e = await refusal(u.ecs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION })));
  assert.equal(e.code, 'Forbidden.RAM');
  assert.equal(e.statusCode, 403);
  const d = e.accessDeniedDetail;
  assert.ok(d, 'AccessDeniedDetail is there');
  assert.equal(d.AuthAction, 'ecs:DescribeInstances');
  assert.equal(d.NoPermissionType, 'ImplicitDeny');
  assert.equal(d.AuthPrincipalType, 'SubUser');
  assert.equal(d.PolicyType, 'AccountLevelIdentityBasedPolicy');
  assert.ok(d.EncodedDiagnosticMessage.length > 10);
  // The account reads why (DecodeDiagnosticMessage); the message is opaque to anyone else.
  const decoded = h.wire(await ram.decodeDiagnosticMessage(new h.Ram.DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: d.EncodedDiagnosticMessage }))).DecodedDiagnosticMessage;
  assert.equal(decoded.AuthAction, 'ecs:DescribeInstances');
  assert.equal(decoded.ExplicitDeny, false);
  assert.equal(decoded.AuthPrincipal.AuthPrincipalType, 'SubUser');
  assert.ok(decoded.AuthConditions.some((c) => c.ConditionKey === 'acs:sourceip' && c.ConditionValues[0] === '127.0.0.1'));
  assert.ok(!Buffer.from(d.EncodedDiagnosticMessage, 'base64').toString().includes('DescribeInstances'), 'sealed, not plain Base64');
  const garbage = await refusal(ram.decodeDiagnosticMessage(new h.Ram.DecodeDiagnosticMessageRequest({ encodedDiagnosticMessage: 'AAAA' })));
  assert.equal(garbage.code, 'InvalidParameter');
  // RAM's own API answers NoPermission.
  const r = await refusal(u.ram.listUsers(new h.Ram.ListUsersRequest({})));
  assert.equal(r.code, 'NoPermission');
  assert.equal(r.statusCode, 403);
});

test('AliyunECSReadOnlyAccess: every Describe works, every mutation is refused', async () => {
  const [inst] = await h.runRunning(ecs, network);
  const u = await makeUser('reader', ['AliyunECSReadOnlyAccess']);
  const seen = h.wire(await u.ecs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION })));
  assert.deepEqual(seen.Instances.Instance.map((i) => i.InstanceId), [inst]);
  await u.ecs.describeSecurityGroups(new h.Ecs.DescribeSecurityGroupsRequest({ regionId: h.REGION }));
  await u.ecs.describeDisks(new h.Ecs.DescribeDisksRequest({ regionId: h.REGION }));
  for (const call of [
    () => u.ecs.stopInstance(new h.Ecs.StopInstanceRequest({ instanceId: inst })),
    () => u.ecs.deleteInstance(new h.Ecs.DeleteInstanceRequest({ instanceId: inst, force: true })),
    () => u.ecs.createSecurityGroup(new h.Ecs.CreateSecurityGroupRequest({ regionId: h.REGION, vpcId: network.vpcId })),
    () => u.ecs.runInstances(new h.Ecs.RunInstancesRequest({ regionId: h.REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: network.vSwitchId, securityGroupId: network.securityGroupId })),
  ]) {
    const e = await refusal(call());
    assert.equal(e.code, 'Forbidden.RAM');
  }
  // The VPC API is another product: ECS read-only gives nothing there.
  const v = await refusal(u.vpc.describeVpcs(new h.Vpc.DescribeVpcsRequest({ regionId: h.REGION })));
  assert.equal(v.code, 'Forbidden.RAM');
  assert.equal((await h.describeInstance(ecs, inst)).Status, 'Running');
});

test('an explicit Deny on ecs:DeleteInstance for a tag holds against AliyunECSFullAccess', async () => {
  const [keep] = await h.runRunning(ecs, network, { tag: [new h.Ecs.RunInstancesRequestTag({ key: 'env', value: 'prod' })] });
  const [scratch] = await h.runRunning(ecs, network, { tag: [new h.Ecs.RunInstancesRequestTag({ key: 'env', value: 'dev' })] });
  await customPolicy('deny-delete-prod', [{
    Effect: 'Deny', Action: ['ecs:DeleteInstance', 'ecs:DeleteInstances'], Resource: '*', Condition: { StringEquals: { 'ecs:tag/env': 'prod' } },
  }]);
  const u = await makeUser('operator', ['AliyunECSFullAccess', 'deny-delete-prod']);
  const e = await refusal(u.ecs.deleteInstance(new h.Ecs.DeleteInstanceRequest({ instanceId: keep, force: true })), 'delete keep');
  assert.equal(e.code, 'Forbidden.RAM');
  assert.equal(e.accessDeniedDetail.NoPermissionType, 'ExplicitDeny');
  await u.ecs.deleteInstance(new h.Ecs.DeleteInstanceRequest({ instanceId: scratch, force: true }));
  await h.waitGone(ecs, scratch);
  assert.equal((await h.describeInstance(ecs, keep)).Status, 'Running');
  // A batch is checked per resource: one protected instance refuses the whole call.
  const [other] = await h.runRunning(ecs, network);
  const b = await refusal(u.ecs.deleteInstances(new h.Ecs.DeleteInstancesRequest({ regionId: h.REGION, instanceId: [other, keep], force: true })));
  assert.equal(b.code, 'Forbidden.RAM');
  assert.equal((await h.describeInstance(ecs, other)).Status, 'Running');
});

test('resource ARNs and conditions: an instance-scoped Allow, source address and time', async () => {
  const [mine] = await h.runRunning(ecs, network);
  const [theirs] = await h.runRunning(ecs, network);
  await customPolicy('one-instance', [
    { Effect: 'Allow', Action: ['ecs:StopInstance', 'ecs:StartInstance'], Resource: `acs:ecs:*:*:instance/${mine}` },
    { Effect: 'Allow', Action: 'ecs:DescribeInstances', Resource: '*', Condition: { IpAddress: { 'acs:SourceIp': '127.0.0.0/8' } } },
    { Effect: 'Allow', Action: 'ecs:DescribeDisks', Resource: '*', Condition: { DateLessThan: { 'acs:CurrentTime': '2001-01-01T00:00:00Z' } } },
  ]);
  const u = await makeUser('scoped', ['one-instance']);
  await u.ecs.stopInstance(new h.Ecs.StopInstanceRequest({ instanceId: mine }));
  const e = await refusal(u.ecs.stopInstance(new h.Ecs.StopInstanceRequest({ instanceId: theirs })));
  assert.equal(e.code, 'Forbidden.RAM');
  await u.ecs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION }));  // from 127.0.0.1
  const late = await refusal(u.ecs.describeDisks(new h.Ecs.DescribeDisksRequest({ regionId: h.REGION })));
  assert.equal(late.code, 'Forbidden.RAM');
});

test('STS: AssumeRole credentials work with the SDK, scoped by the role and the inline policy', async () => {
  const me = h.wire(await h.stsClient(server).getCallerIdentity());
  assert.equal(me.IdentityType, 'Account');
  const account = me.AccountId;
  await ram.createRole(new h.Ram.CreateRoleRequest({
    roleName: 'ecs-reader',
    assumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${account}:root`] } }] }),
  }));
  await ram.attachPolicyToRole(new h.Ram.AttachPolicyToRoleRequest({ roleName: 'ecs-reader', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  const roleArn = `acs:ram::${account}:role/ecs-reader`;

  // The account's own key may not assume roles; a user without sts:AssumeRole may not either.
  const root = await refusal(h.stsClient(server).assumeRole(new h.Sts.AssumeRoleRequest({ roleArn, roleSessionName: 'x1' })));
  assert.equal(root.code, 'NoPermission');
  const plain = await makeUser('plain');
  const denied = await refusal(plain.sts.assumeRole(new h.Sts.AssumeRoleRequest({ roleArn, roleSessionName: 'x2' })));
  assert.equal(denied.code, 'NoPermission');

  const caller = await makeUser('assumer', ['AliyunSTSAssumeRoleAccess']);
  const out = h.wire(await caller.sts.assumeRole(new h.Sts.AssumeRoleRequest({ roleArn, roleSessionName: 'session-1', durationSeconds: 900 })));
  const c = out.Credentials;
  assert.match(c.AccessKeyId, /^STS\./);
  assert.ok(c.SecurityToken.length > 40);
  assert.ok(Date.parse(c.Expiration) > Date.now() + 800 * 1000);
  assert.equal(out.AssumedRoleUser.Arn, `${roleArn}/session-1`);
  const opts = { ak: c.AccessKeyId, secret: c.AccessKeySecret, securityToken: c.SecurityToken };
  const roleEcs = h.ecsClient(server, opts);
  await roleEcs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION }));
  const who = h.wire(await h.stsClient(server, opts).getCallerIdentity());
  assert.equal(who.IdentityType, 'AssumedRoleUser');
  assert.equal(who.AccountId, account);
  const stop = await refusal(roleEcs.createSecurityGroup(new h.Ecs.CreateSecurityGroupRequest({ regionId: h.REGION, vpcId: network.vpcId })));
  assert.equal(stop.code, 'Forbidden.RAM');
  assert.equal(stop.accessDeniedDetail.AuthPrincipalType, 'AssumedRoleUser');
  // The pop-core (v1 signature, SecurityToken parameter) path too.
  const pop = new h.RPCClient({ accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret, securityToken: c.SecurityToken, endpoint: `http://${server.endpoint}`, apiVersion: h.ECS_VERSION });
  await pop.request('DescribeInstances', { RegionId: h.REGION }, { method: 'POST' });

  // A tampered token or a token of another key is refused.
  const bad = await refusal(h.ecsClient(server, { ...opts, securityToken: c.SecurityToken.slice(0, -4) + 'AAAA' })
    .describeRegions(new h.Ecs.DescribeRegionsRequest({})));
  assert.match(bad.code, /^InvalidSecurityToken\./);
  const none = await refusal(h.ecsClient(server, { ak: c.AccessKeyId, secret: c.AccessKeySecret }).describeRegions(new h.Ecs.DescribeRegionsRequest({})));
  assert.match(none.code, /^InvalidSecurityToken\./);

  // An inline policy narrows the session: Describe only of disks.
  const narrow = h.wire(await caller.sts.assumeRole(new h.Sts.AssumeRoleRequest({
    roleArn, roleSessionName: 'narrow',
    policy: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ecs:DescribeDisks', Resource: '*' }] }),
  }))).Credentials;
  const nEcs = h.ecsClient(server, { ak: narrow.AccessKeyId, secret: narrow.AccessKeySecret, securityToken: narrow.SecurityToken });
  await nEcs.describeDisks(new h.Ecs.DescribeDisksRequest({ regionId: h.REGION }));
  const inl = await refusal(nEcs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION })));
  assert.equal(inl.code, 'Forbidden.RAM');

  // Deleting the role ends its sessions.
  await ram.detachPolicyFromRole(new h.Ram.DetachPolicyFromRoleRequest({ roleName: 'ecs-reader', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  await ram.deleteRole(new h.Ram.DeleteRoleRequest({ roleName: 'ecs-reader' }));
  const gone = await refusal(roleEcs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION })));
  assert.equal(gone.code, 'InvalidSecurityToken.Expired');
});

test('an inactive AccessKey is refused; active again, it works', async () => {
  const u = await makeUser('toggler', ['AliyunECSReadOnlyAccess']);
  await ram.updateAccessKey(new h.Ram.UpdateAccessKeyRequest({ userName: 'toggler', userAccessKeyId: u.ak, status: 'Inactive' }));
  const e = await refusal(u.ecs.describeRegions(new h.Ecs.DescribeRegionsRequest({})));
  assert.equal(e.code, 'InvalidAccessKeyId.Inactive');
  await ram.updateAccessKey(new h.Ram.UpdateAccessKeyRequest({ userName: 'toggler', userAccessKeyId: u.ak, status: 'Active' }));
  await u.ecs.describeRegions(new h.Ecs.DescribeRegionsRequest({}));
});

test('instance RAM roles: attach, describe, detach; ECS roles only; ram:PassRole for RAM users', async () => {
  const account = h.wire(await h.stsClient(server).getCallerIdentity()).AccountId;
  const trust = (principal) => JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: principal }] });
  await ram.createRole(new h.Ram.CreateRoleRequest({ roleName: 'guest-role', assumeRolePolicyDocument: trust({ Service: ['ecs.aliyuncs.com'] }) }));
  await ram.createRole(new h.Ram.CreateRoleRequest({ roleName: 'people-role', assumeRolePolicyDocument: trust({ RAM: [`acs:ram::${account}:root`] }) }));
  const [inst] = await h.runRunning(ecs, network);

  const notEcs = await refusal(ecs.attachInstanceRamRole(new h.Ecs.AttachInstanceRamRoleRequest({ regionId: h.REGION, ramRoleName: 'people-role', instanceIds: JSON.stringify([inst]) })));
  assert.equal(notEcs.code, 'InvalidRamRole.NotEcsRole');
  const missing = await refusal(ecs.attachInstanceRamRole(new h.Ecs.AttachInstanceRamRoleRequest({ regionId: h.REGION, ramRoleName: 'no-such-role', instanceIds: JSON.stringify([inst]) })));
  assert.equal(missing.code, 'InvalidRamRole.NotFound');
  assert.equal(missing.statusCode, 404);

  const attached = h.wire(await ecs.attachInstanceRamRole(new h.Ecs.AttachInstanceRamRoleRequest({
    regionId: h.REGION, ramRoleName: 'guest-role', instanceIds: JSON.stringify([inst, 'i-zz0000000000000nonexist']),
  })));
  assert.equal(attached.TotalCount, 2);
  assert.equal(attached.FailCount, 1);
  const byId = Object.fromEntries(attached.AttachInstanceRamRoleResults.AttachInstanceRamRoleResult.map((r) => [r.InstanceId, r]));
  assert.equal(byId[inst].Success, true);
  assert.equal(byId['i-zz0000000000000nonexist'].Code, 'InvalidInstanceId.NotFound');

  const described = h.wire(await ecs.describeInstanceRamRole(new h.Ecs.DescribeInstanceRamRoleRequest({ regionId: h.REGION, instanceIds: JSON.stringify([inst]) })));
  assert.deepEqual(described.InstanceRamRoleSets.InstanceRamRoleSet, [{ InstanceId: inst, RamRoleName: 'guest-role' }]);
  const byRole = h.wire(await ecs.describeInstanceRamRole(new h.Ecs.DescribeInstanceRamRoleRequest({ regionId: h.REGION, ramRoleName: 'guest-role' })));
  assert.equal(byRole.TotalCount, 1);

  // A RAM user with full ECS rights but not ram:PassRole cannot give a role to an instance.
  const u = await makeUser('no-pass', ['AliyunECSFullAccess']);
  const pass = await refusal(u.ecs.attachInstanceRamRole(new h.Ecs.AttachInstanceRamRoleRequest({ regionId: h.REGION, ramRoleName: 'guest-role', instanceIds: JSON.stringify([inst]) })));
  assert.equal(pass.code, 'InvalidUser.PassRoleForbidden');
  assert.equal(pass.statusCode, 403);
  const runPass = await refusal(u.ecs.runInstances(new h.Ecs.RunInstancesRequest({
    regionId: h.REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: network.vSwitchId, securityGroupId: network.securityGroupId, ramRoleName: 'guest-role',
  })));
  assert.equal(runPass.code, 'InvalidUser.PassRoleForbidden');

  // RunInstances RamRoleName gives the role at creation.
  const [withRole] = await h.runInstances(ecs, network, { ramRoleName: 'guest-role' });
  const d2 = h.wire(await ecs.describeInstanceRamRole(new h.Ecs.DescribeInstanceRamRoleRequest({ regionId: h.REGION, instanceIds: JSON.stringify([withRole]) })));
  assert.equal(d2.InstanceRamRoleSets.InstanceRamRoleSet[0].RamRoleName, 'guest-role');
  const badRun = await refusal(h.runInstances(ecs, network, { ramRoleName: 'people-role' }));
  assert.equal(badRun.code, 'InvalidRamRole.NotEcsRole');

  const detached = h.wire(await ecs.detachInstanceRamRole(new h.Ecs.DetachInstanceRamRoleRequest({ regionId: h.REGION, ramRoleName: 'guest-role', instanceIds: JSON.stringify([inst]) })));
  assert.equal(detached.FailCount, 0);
  const after = h.wire(await ecs.describeInstanceRamRole(new h.Ecs.DescribeInstanceRamRoleRequest({ regionId: h.REGION, instanceIds: JSON.stringify([inst]) })));
  assert.deepEqual(after.InstanceRamRoleSets.InstanceRamRoleSet, [{ InstanceId: inst, RamRoleName: '' }], 'listed without a role');
});

test('review findings: names by template name, system policies, lower-case parameters, trust policies, a role made again', async () => {
  const account = h.wire(await h.stsClient(server).getCallerIdentity()).AccountId;
  // A Deny on a launch template by id holds when the call names it by name.
  const lt = h.wire(await ecs.createLaunchTemplate(new h.Ecs.CreateLaunchTemplateRequest({ regionId: h.REGION, launchTemplateName: 'guarded', imageId: h.IMAGE, instanceType: h.SMALL_TYPE })));
  await customPolicy('guard-lt', [{ Effect: 'Deny', Action: 'ecs:*', Resource: `acs:ecs:*:*:launchtemplate/${lt.LaunchTemplateId}` }]);
  const u = await makeUser('lt-user', ['AliyunECSFullAccess', 'guard-lt']);
  const byName = await refusal(u.ecs.deleteLaunchTemplate(new h.Ecs.DeleteLaunchTemplateRequest({ regionId: h.REGION, launchTemplateName: 'guarded' })), 'delete by name');
  assert.equal(byName.code, 'Forbidden.RAM');
  // ...and what a template adds to RunInstances is authorized too (its image here).
  await customPolicy('no-tiny-image', [{ Effect: 'Deny', Action: 'ecs:RunInstances', Resource: `acs:ecs:*:*:image/${h.IMAGE}` }]);
  const tmpl = h.wire(await ecs.createLaunchTemplate(new h.Ecs.CreateLaunchTemplateRequest({ regionId: h.REGION, launchTemplateName: 'with-image', imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: network.vSwitchId, securityGroupId: network.securityGroupId })));
  const runner = await makeUser('runner', ['AliyunECSFullAccess', 'no-tiny-image']);
  const viaTemplate = await refusal(runner.ecs.runInstances(new h.Ecs.RunInstancesRequest({ regionId: h.REGION, launchTemplateId: tmpl.LaunchTemplateId })), 'run via template');
  assert.equal(viaTemplate.code, 'Forbidden.RAM');

  // The automatic snapshot policy actions spell their parameters in lower camel case.
  const sp = h.wire(await ecs.createAutoSnapshotPolicy(new h.Ecs.CreateAutoSnapshotPolicyRequest({ regionId: h.REGION, timePoints: '["1"]', repeatWeekdays: '["1"]', retentionDays: 1 })));
  await customPolicy('guard-sp', [{ Effect: 'Deny', Action: 'ecs:*', Resource: `acs:ecs:*:*:autosnapshotpolicy/${sp.AutoSnapshotPolicyId}` }]);
  const spUser = await makeUser('sp-user', ['AliyunECSFullAccess', 'guard-sp']);
  const spDel = await refusal(spUser.ecs.deleteAutoSnapshotPolicy(new h.Ecs.DeleteAutoSnapshotPolicyRequest({ regionId: h.REGION, autoSnapshotPolicyId: sp.AutoSnapshotPolicyId })), 'delete policy');
  assert.equal(spDel.code, 'Forbidden.RAM');

  // A delegate allowed to attach the account's own policies cannot attach a system one.
  await customPolicy('attach-own', [{ Effect: 'Allow', Action: 'ram:AttachPolicyToUser', Resource: [`acs:ram::${account}:policy/*`, `acs:ram::${account}:user/*`] }]);
  const delegate = await makeUser('delegate', ['attach-own']);
  await delegate.ram.attachPolicyToUser(new h.Ram.AttachPolicyToUserRequest({ userName: 'delegate', policyName: 'guard-sp', policyType: 'Custom' }));
  const sys = await refusal(delegate.ram.attachPolicyToUser(new h.Ram.AttachPolicyToUserRequest({ userName: 'delegate', policyName: 'AdministratorAccess', policyType: 'System' })), 'attach admin');
  assert.equal(sys.code, 'NoPermission', sys.message);

  // Trust policies: no "*" principal, no (unevaluated) condition.
  for (const statement of [
    { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['*'] } },
    { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${account}:root`] }, Condition: { IpAddress: { 'acs:SourceIp': '10.0.0.0/8' } } },
  ]) {
    const bad = await refusal(ram.createRole(new h.Ram.CreateRoleRequest({ roleName: 'bad-trust', assumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [statement] }) })), 'bad trust');
    assert.equal(bad.code, 'MalformedPolicyDocument');
  }

  // A role deleted and made again under its name does not revive the old sessions.
  const trust = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${account}:root`] } }] });
  await ram.createRole(new h.Ram.CreateRoleRequest({ roleName: 'phoenix', assumeRolePolicyDocument: trust }));
  await ram.attachPolicyToRole(new h.Ram.AttachPolicyToRoleRequest({ roleName: 'phoenix', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  const caller = await makeUser('phoenix-caller', ['AliyunSTSAssumeRoleAccess']);
  // The ARN's role name in another case is the same role.
  const c = h.wire(await caller.sts.assumeRole(new h.Sts.AssumeRoleRequest({ roleArn: `acs:ram::${account}:role/PHOENIX`, roleSessionName: 'old' }))).Credentials;
  const old = h.ecsClient(server, { ak: c.AccessKeyId, secret: c.AccessKeySecret, securityToken: c.SecurityToken });
  await old.describeRegions(new h.Ecs.DescribeRegionsRequest({}));
  await ram.detachPolicyFromRole(new h.Ram.DetachPolicyFromRoleRequest({ roleName: 'phoenix', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  await ram.deleteRole(new h.Ram.DeleteRoleRequest({ roleName: 'phoenix' }));
  await ram.createRole(new h.Ram.CreateRoleRequest({ roleName: 'phoenix', assumeRolePolicyDocument: trust }));
  await ram.attachPolicyToRole(new h.Ram.AttachPolicyToRoleRequest({ roleName: 'phoenix', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  const revived = await refusal(old.describeRegions(new h.Ecs.DescribeRegionsRequest({})), 'old session');
  assert.equal(revived.code, 'InvalidSecurityToken.Expired');
  // Another account's role: not there and not trusted answer alike.
  const elsewhere = await refusal(caller.sts.assumeRole(new h.Sts.AssumeRoleRequest({ roleArn: 'acs:ram::9999999999999999:role/nothing', roleSessionName: 'probe' })), 'foreign role');
  assert.equal(elsewhere.code, 'NoPermission');
});
