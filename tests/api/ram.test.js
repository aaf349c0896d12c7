'use strict';
// RAM (2015-05-01) through the official SDK (@alicloud/ram20150501) on the ECS endpoint: users
// (rename, paging with Marker), AccessKeys (the limit of 2, Inactive, a RAM user making its own,
// the account's root keys), groups and membership, custom policies and their versions (the limit
// of 5, rotation, the default version), system policies, attachments to users, groups and roles,
// roles and trust policies, console passwords (never returned, never stored), RAM's error codes,
// and the answers after a restart. Last, every RAM action's raw JSON is walked against the SDK's
// response model, as response_shapes.test.js does for ECS and VPC.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./helpers');
const { Ram, wire, expectError } = h;

const RAM_VERSION = '2015-05-01';
const ALLOW_ECS = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ecs:*', Resource: '*' }] });
const ALLOW_VPC = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'vpc:Describe*', Resource: '*' }] });
const TRUST = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: ['acs:ram::root:root'] } }] });
const PASSWORD = 'Open-ECS-pa55word';

let server;
let ram;

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ram = h.ramClient(server);
});
after(async () => { if (server) await server.destroy(); });

// Typed SDK calls, answered in wire form (PascalCase).
const call = async (method, Request, params = {}) => wire(await ram[method](new Ram[Request](params)));
const createUser = (p) => call('createUser', 'CreateUserRequest', p);
const getUser = (userName) => call('getUser', 'GetUserRequest', { userName });
const listUsers = (p = {}) => call('listUsers', 'ListUsersRequest', p);
const deleteUser = (userName) => call('deleteUser', 'DeleteUserRequest', { userName });
const createAccessKey = (p = {}) => call('createAccessKey', 'CreateAccessKeyRequest', p);
const listAccessKeys = (p = {}) => call('listAccessKeys', 'ListAccessKeysRequest', p);
const deleteAccessKey = (p) => call('deleteAccessKey', 'DeleteAccessKeyRequest', p);
const createGroup = (p) => call('createGroup', 'CreateGroupRequest', p);
const createPolicy = (p) => call('createPolicy', 'CreatePolicyRequest', p);
const getPolicy = (p) => call('getPolicy', 'GetPolicyRequest', p);
const createPolicyVersion = (p) => call('createPolicyVersion', 'CreatePolicyVersionRequest', p);
const listPolicyVersions = (policyName) => call('listPolicyVersions', 'ListPolicyVersionsRequest', { policyName, policyType: 'Custom' });
const createRole = (p) => call('createRole', 'CreateRoleRequest', p);
const attach = (kind, p) => call(`attachPolicyTo${kind}`, `AttachPolicyTo${kind}Request`, p);
const detach = (kind, p) => call(`detachPolicyFrom${kind}`, `DetachPolicyFrom${kind}Request`, p);
const policiesFor = async (kind, p) => (await call(`listPoliciesFor${kind}`, `ListPoliciesFor${kind}Request`, p)).Policies.Policy;
const fail = (method, Request, params, code, status) => expectError(ram[method](new Ram[Request](params)), code, status);

describe('users', () => {
  test('CreateUser, GetUser, ListUsers: a created user is gettable and listed', async () => {
    const u = (await createUser({ userName: 'alice', displayName: 'Alice A.', email: 'alice@example.com',
      mobilePhone: '86-18600008888', comments: 'first user' })).User;
    assert.equal(u.UserName, 'alice');
    assert.match(u.UserId, /^[1-9][0-9]{15}$/);
    assert.equal(u.DisplayName, 'Alice A.');
    assert.equal(u.Email, 'alice@example.com');
    assert.equal(u.MobilePhone, '86-18600008888');
    assert.equal(u.Comments, 'first user');
    assert.match(u.CreateDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const got = (await getUser('alice')).User;
    assert.equal(got.UserId, u.UserId);
    assert.equal(got.DisplayName, 'Alice A.');
    assert.ok((await listUsers()).Users.User.some((x) => x.UserName === 'alice'));
    // DisplayName defaults to the name.
    assert.equal((await createUser({ userName: 'bob' })).User.DisplayName, 'bob');
  });

  test('names and fields are validated with RAM\'s codes', async () => {
    await h.checkAll({
      duplicate: () => fail('createUser', 'CreateUserRequest', { userName: 'alice' }, 'EntityAlreadyExists.User', 409),
      chars: () => fail('createUser', 'CreateUserRequest', { userName: 'no spaces' }, 'InvalidParameter.UserName.InvalidChars', 400),
      slash: () => fail('createUser', 'CreateUserRequest', { userName: 'a/b' }, 'InvalidParameter.UserName.InvalidChars', 400),
      length: () => fail('createUser', 'CreateUserRequest', { userName: 'u'.repeat(65) }, 'InvalidParameter.UserName.Length', 400),
      displayName: () => fail('createUser', 'CreateUserRequest', { userName: 'carol', displayName: 'd'.repeat(129) }, 'InvalidParameter.DisplayName.Length', 400),
      email: () => fail('createUser', 'CreateUserRequest', { userName: 'carol', email: 'not-an-address' }, 'InvalidParameter.Email.Format', 400),
      phone: () => fail('createUser', 'CreateUserRequest', { userName: 'carol', mobilePhone: '12345' }, 'InvalidParameter.MobilePhone.Format', 400),
      comments: () => fail('createUser', 'CreateUserRequest', { userName: 'carol', comments: 'c'.repeat(129) }, 'InvalidParameter.Comments.Length', 400),
      missing: () => fail('createUser', 'CreateUserRequest', {}, 'MissingParameter', 400),
      notExist: () => fail('getUser', 'GetUserRequest', { userName: 'nobody' }, 'EntityNotExist.User', 404),
    });
    // The refused names made nothing.
    assert.ok(!(await listUsers()).Users.User.some((x) => x.UserName === 'carol'));
  });

  test('UpdateUser: a rename moves the user, its id stays', async () => {
    const before = (await getUser('bob')).User;
    const u = (await call('updateUser', 'UpdateUserRequest', { userName: 'bob', newUserName: 'robert',
      newDisplayName: 'Robert', newEmail: 'robert@example.com', newMobilePhone: '1-5550100', newComments: 'renamed' })).User;
    assert.equal(u.UserName, 'robert');
    assert.equal(u.UserId, before.UserId);
    assert.equal(u.DisplayName, 'Robert');
    assert.equal(u.Email, 'robert@example.com');
    assert.equal(u.MobilePhone, '1-5550100');
    assert.equal(u.Comments, 'renamed');
    await fail('getUser', 'GetUserRequest', { userName: 'bob' }, 'EntityNotExist.User', 404);
    assert.equal((await getUser('robert')).User.UserId, before.UserId);
    const names = (await listUsers()).Users.User.map((x) => x.UserName);
    assert.ok(names.includes('robert') && !names.includes('bob'));
    await fail('updateUser', 'UpdateUserRequest', { userName: 'robert', newUserName: 'alice' }, 'EntityAlreadyExists.User', 409);
    await fail('updateUser', 'UpdateUserRequest', { userName: 'robert', newUserName: 'bad name' }, 'InvalidParameter.NewUserName.InvalidChars', 400);
    await fail('updateUser', 'UpdateUserRequest', { userName: 'ghost', newDisplayName: 'x' }, 'EntityNotExist.User', 404);
  });

  test('ListUsers pages with MaxItems and Marker', async () => {
    for (let i = 1; i <= 5; i += 1) await createUser({ userName: `page-${i}` });
    const all = (await listUsers()).Users.User.map((x) => x.UserName);
    assert.deepEqual(all, [...all].sort(), 'listed by name');
    assert.equal((await listUsers()).IsTruncated, false);
    const seen = [];
    let marker;
    let pages = 0;
    for (;;) {
      const res = await listUsers({ maxItems: 2, ...(marker ? { marker } : {}) });
      pages += 1;
      assert.ok(res.Users.User.length <= 2);
      seen.push(...res.Users.User.map((x) => x.UserName));
      if (!res.IsTruncated) break;
      assert.ok(res.Marker, 'a truncated page has a Marker');
      marker = res.Marker;
    }
    assert.deepEqual(seen, all);
    assert.equal(pages, Math.ceil(all.length / 2));
    await fail('listUsers', 'ListUsersRequest', { maxItems: 0 }, 'InvalidParameter', 400);
    await fail('listUsers', 'ListUsersRequest', { marker: '%%%' }, 'InvalidParameter', 400);
    for (let i = 1; i <= 5; i += 1) await deleteUser(`page-${i}`);
  });
});

describe('AccessKeys', () => {
  let first;
  let second;

  test('CreateAccessKey: LTAI ids, a secret shown once, at most 2 per user', async () => {
    first = (await createAccessKey({ userName: 'alice' })).AccessKey;
    assert.match(first.AccessKeyId, /^LTAI[A-Za-z0-9]{20}$/);
    assert.match(first.AccessKeySecret, /^[A-Za-z0-9]{30}$/);
    assert.equal(first.Status, 'Active');
    assert.ok(first.CreateDate);
    second = (await createAccessKey({ userName: 'alice' })).AccessKey;
    assert.notEqual(second.AccessKeyId, first.AccessKeyId);
    await fail('createAccessKey', 'CreateAccessKeyRequest', { userName: 'alice' }, 'LimitExceeded.User.AccessKey', 409);
    await fail('createAccessKey', 'CreateAccessKeyRequest', { userName: 'nobody' }, 'EntityNotExist.User', 404);
    const listed = (await listAccessKeys({ userName: 'alice' })).AccessKeys.AccessKey;
    assert.deepEqual(listed.map((k) => k.AccessKeyId).sort(), [first.AccessKeyId, second.AccessKeyId].sort());
    assert.ok(listed.every((k) => k.AccessKeySecret === undefined), 'the secret is never listed');
    const raw = await h.rawV1(server, 'ListAccessKeys', { UserName: 'alice' }, { version: RAM_VERSION });
    assert.ok(!raw.body.includes(first.AccessKeySecret), 'the secret is not in the raw answer either');
  });

  test('UpdateAccessKey: Inactive is shown, and a bad Status refused', async () => {
    await call('updateAccessKey', 'UpdateAccessKeyRequest', { userName: 'alice', userAccessKeyId: second.AccessKeyId, status: 'Inactive' });
    const listed = (await listAccessKeys({ userName: 'alice' })).AccessKeys.AccessKey;
    assert.equal(listed.find((k) => k.AccessKeyId === second.AccessKeyId).Status, 'Inactive');
    assert.equal(listed.find((k) => k.AccessKeyId === first.AccessKeyId).Status, 'Active');
    await fail('updateAccessKey', 'UpdateAccessKeyRequest', { userName: 'alice', userAccessKeyId: second.AccessKeyId, status: 'Paused' },
      'InvalidParameter', 400);
    await fail('updateAccessKey', 'UpdateAccessKeyRequest', { userName: 'robert', userAccessKeyId: second.AccessKeyId, status: 'Active' },
      'EntityNotExist.User.AccessKey', 404);
  });

  test('a user with keys cannot be deleted; DeleteAccessKey removes one', async () => {
    await fail('deleteUser', 'DeleteUserRequest', { userName: 'alice' }, 'DeleteConflict.User.AccessKey', 409);
    await deleteAccessKey({ userName: 'alice', userAccessKeyId: second.AccessKeyId });
    assert.deepEqual((await listAccessKeys({ userName: 'alice' })).AccessKeys.AccessKey.map((k) => k.AccessKeyId), [first.AccessKeyId]);
    await fail('deleteAccessKey', 'DeleteAccessKeyRequest', { userName: 'alice', userAccessKeyId: second.AccessKeyId },
      'EntityNotExist.User.AccessKey', 404);
  });

  test('the account\'s own keys: the original is listed and kept, one more can be made', async () => {
    const own = (await listAccessKeys()).AccessKeys.AccessKey;
    assert.deepEqual(own.map((k) => [k.AccessKeyId, k.Status]), [[server.ak, 'Active']]);
    const extra = (await createAccessKey()).AccessKey;
    assert.match(extra.AccessKeyId, /^LTAI/);
    await fail('createAccessKey', 'CreateAccessKeyRequest', {}, 'LimitExceeded.User.AccessKey', 409);
    assert.equal((await listAccessKeys()).AccessKeys.AccessKey.length, 2);
    // The new root key signs as the account.
    const viaExtra = h.ramClient(server, { ak: extra.AccessKeyId, secret: extra.AccessKeySecret });
    assert.equal(wire(await viaExtra.getUser(new Ram.GetUserRequest({ userName: 'alice' }))).User.UserName, 'alice');
    await fail('deleteAccessKey', 'DeleteAccessKeyRequest', { userAccessKeyId: server.ak }, 'Forbidden', 403);
    await fail('updateAccessKey', 'UpdateAccessKeyRequest', { userAccessKeyId: server.ak, status: 'Inactive' }, 'Forbidden', 403);
    await deleteAccessKey({ userAccessKeyId: extra.AccessKeyId });
    assert.equal((await listAccessKeys()).AccessKeys.AccessKey.length, 1);
  });

  test('a RAM user allowed RAM makes its own key without UserName', async () => {
    await attach('User', { userName: 'alice', policyType: 'System', policyName: 'AliyunRAMFullAccess' });
    const asAlice = h.ramClient(server, { ak: first.AccessKeyId, secret: first.AccessKeySecret });
    const own = wire(await asAlice.createAccessKey(new Ram.CreateAccessKeyRequest({}))).AccessKey;
    const mine = (await listAccessKeys({ userName: 'alice' })).AccessKeys.AccessKey.map((k) => k.AccessKeyId);
    assert.ok(mine.includes(own.AccessKeyId), 'the key is alice\'s');
    const listedByAlice = wire(await asAlice.listAccessKeys(new Ram.ListAccessKeysRequest({}))).AccessKeys.AccessKey;
    assert.deepEqual(listedByAlice.map((k) => k.AccessKeyId).sort(), mine.sort());
    await deleteAccessKey({ userName: 'alice', userAccessKeyId: own.AccessKeyId });
    await detach('User', { userName: 'alice', policyType: 'System', policyName: 'AliyunRAMFullAccess' });
  });
});

describe('groups', () => {
  test('CreateGroup, GetGroup, ListGroups, UpdateGroup', async () => {
    const g = (await createGroup({ groupName: 'dev', comments: 'developers' })).Group;
    assert.equal(g.GroupName, 'dev');
    assert.equal(g.Comments, 'developers');
    assert.ok(g.GroupId);
    assert.equal((await call('getGroup', 'GetGroupRequest', { groupName: 'dev' })).Group.GroupId, g.GroupId);
    await createGroup({ groupName: 'ops' });
    assert.deepEqual((await call('listGroups', 'ListGroupsRequest', {})).Groups.Group.map((x) => x.GroupName), ['dev', 'ops']);
    const page = await call('listGroups', 'ListGroupsRequest', { maxItems: 1 });
    assert.equal(page.IsTruncated, true);
    assert.deepEqual((await call('listGroups', 'ListGroupsRequest', { marker: page.Marker })).Groups.Group.map((x) => x.GroupName), ['ops']);
    await h.checkAll({
      duplicate: () => fail('createGroup', 'CreateGroupRequest', { groupName: 'dev' }, 'EntityAlreadyExists.Group', 409),
      chars: () => fail('createGroup', 'CreateGroupRequest', { groupName: 'dev team' }, 'InvalidParameter.GroupName.InvalidChars', 400),
      length: () => fail('createGroup', 'CreateGroupRequest', { groupName: 'g'.repeat(65) }, 'InvalidParameter.GroupName.Length', 400),
      notExist: () => fail('getGroup', 'GetGroupRequest', { groupName: 'nope' }, 'EntityNotExist.Group', 404),
    });
  });

  test('membership: AddUserToGroup, ListGroupsForUser, ListUsersForGroup, conflicts, a group rename', async () => {
    await call('addUserToGroup', 'AddUserToGroupRequest', { userName: 'alice', groupName: 'dev' });
    await call('addUserToGroup', 'AddUserToGroupRequest', { userName: 'robert', groupName: 'dev' });
    await fail('addUserToGroup', 'AddUserToGroupRequest', { userName: 'alice', groupName: 'dev' }, 'EntityAlreadyExists.User.Group', 409);
    await fail('addUserToGroup', 'AddUserToGroupRequest', { userName: 'alice', groupName: 'nope' }, 'EntityNotExist.Group', 404);
    const groups = (await call('listGroupsForUser', 'ListGroupsForUserRequest', { userName: 'alice' })).Groups.Group;
    assert.deepEqual(groups.map((g) => g.GroupName), ['dev']);
    assert.ok(groups[0].JoinDate);
    const members = await call('listUsersForGroup', 'ListUsersForGroupRequest', { groupName: 'dev' });
    assert.deepEqual(members.Users.User.map((u) => u.UserName), ['alice', 'robert']);
    assert.equal(members.Users.User[1].DisplayName, 'Robert');
    const firstPage = await call('listUsersForGroup', 'ListUsersForGroupRequest', { groupName: 'dev', maxItems: 1 });
    assert.equal(firstPage.IsTruncated, true);
    assert.deepEqual(firstPage.Users.User.map((u) => u.UserName), ['alice']);

    await fail('deleteGroup', 'DeleteGroupRequest', { groupName: 'dev' }, 'DeleteConflict.Group.User', 409);
    await deleteAccessKey({ userName: 'alice', userAccessKeyId: (await listAccessKeys({ userName: 'alice' })).AccessKeys.AccessKey[0].AccessKeyId });
    await fail('deleteUser', 'DeleteUserRequest', { userName: 'alice' }, 'DeleteConflict.User.Group', 409);

    const renamed = (await call('updateGroup', 'UpdateGroupRequest', { groupName: 'dev', newGroupName: 'developers', newComments: 'all devs' })).Group;
    assert.equal(renamed.GroupName, 'developers');
    assert.equal(renamed.Comments, 'all devs');
    assert.deepEqual((await call('listGroupsForUser', 'ListGroupsForUserRequest', { userName: 'alice' })).Groups.Group.map((g) => g.GroupName),
      ['developers'], 'the members follow the rename');
    await fail('getGroup', 'GetGroupRequest', { groupName: 'dev' }, 'EntityNotExist.Group', 404);

    await call('removeUserFromGroup', 'RemoveUserFromGroupRequest', { userName: 'robert', groupName: 'developers' });
    await fail('removeUserFromGroup', 'RemoveUserFromGroupRequest', { userName: 'robert', groupName: 'developers' }, 'EntityNotExist.User.Group', 404);
    assert.deepEqual((await call('listGroupsForUser', 'ListGroupsForUserRequest', { userName: 'robert' })).Groups.Group, []);
  });
});

describe('policies', () => {
  test('system policies are listed and gettable', async () => {
    const system = (await call('listPolicies', 'ListPoliciesRequest', { policyType: 'System', maxItems: 1000 })).Policies.Policy;
    const names = system.map((p) => p.PolicyName);
    for (const n of ['AdministratorAccess', 'AliyunECSFullAccess', 'AliyunECSReadOnlyAccess', 'AliyunVPCFullAccess', 'AliyunRAMFullAccess']) {
      assert.ok(names.includes(n), n);
    }
    assert.ok(system.every((p) => p.PolicyType === 'System' && p.DefaultVersion === 'v1'));
    const admin = await getPolicy({ policyName: 'AdministratorAccess', policyType: 'System' });
    assert.equal(admin.Policy.PolicyType, 'System');
    assert.equal(JSON.parse(admin.DefaultPolicyVersion.PolicyDocument).Statement[0].Action, '*');
    assert.equal(admin.DefaultPolicyVersion.IsDefaultVersion, true);
    await fail('getPolicy', 'GetPolicyRequest', { policyName: 'AdministratorAccess', policyType: 'Custom' }, 'EntityNotExist.Policy', 404);
    await fail('getPolicy', 'GetPolicyRequest', { policyName: 'NoSuchPolicy', policyType: 'System' }, 'EntityNotExist.Policy', 404);
    await fail('getPolicy', 'GetPolicyRequest', { policyName: 'AdministratorAccess', policyType: 'Builtin' }, 'InvalidParameter.PolicyType', 400);
  });

  test('CreatePolicy validates the document; GetPolicy answers it; UpdatePolicyDescription', async () => {
    const p = (await createPolicy({ policyName: 'ecs-admin', policyDocument: ALLOW_ECS, description: 'ECS, all of it',
      tag: [new Ram.CreatePolicyRequestTag({ key: 'team', value: 'infra' })] })).Policy;
    assert.equal(p.PolicyName, 'ecs-admin');
    assert.equal(p.PolicyType, 'Custom');
    assert.equal(p.DefaultVersion, 'v1');
    assert.equal(p.Description, 'ECS, all of it');
    const got = await getPolicy({ policyName: 'ecs-admin', policyType: 'Custom' });
    assert.equal(got.DefaultPolicyVersion.PolicyDocument, ALLOW_ECS);
    assert.equal(got.DefaultPolicyVersion.VersionId, 'v1');
    assert.equal(got.Policy.AttachmentCount, 0);
    const custom = (await call('listPolicies', 'ListPoliciesRequest', { policyType: 'Custom' })).Policies.Policy;
    assert.deepEqual(custom.map((x) => x.PolicyName), ['ecs-admin']);
    assert.deepEqual(custom[0].Tags.Tag, [{ TagKey: 'team', TagValue: 'infra' }]);
    const both = (await call('listPolicies', 'ListPoliciesRequest', { maxItems: 1000 })).Policies.Policy;
    assert.ok(both.some((x) => x.PolicyType === 'System') && both.some((x) => x.PolicyName === 'ecs-admin'));
    const up = (await call('updatePolicyDescription', 'UpdatePolicyDescriptionRequest', { policyName: 'ecs-admin', newDescription: 'ECS admin' })).Policy;
    assert.equal(up.Description, 'ECS admin');
    await h.checkAll({
      malformed: () => fail('createPolicy', 'CreatePolicyRequest', { policyName: 'bad-doc', policyDocument: '{"Version": "1"}' }, 'MalformedPolicyDocument', 400),
      notJson: () => fail('createPolicy', 'CreatePolicyRequest', { policyName: 'bad-doc', policyDocument: 'allow everything' }, 'MalformedPolicyDocument', 400),
      noResource: () => fail('createPolicy', 'CreatePolicyRequest', { policyName: 'bad-doc',
        policyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'ecs:*' }] }) }, 'MalformedPolicyDocument', 400),
      duplicate: () => fail('createPolicy', 'CreatePolicyRequest', { policyName: 'ecs-admin', policyDocument: ALLOW_ECS }, 'EntityAlreadyExists.Policy', 409),
      chars: () => fail('createPolicy', 'CreatePolicyRequest', { policyName: 'ecs_admin', policyDocument: ALLOW_ECS }, 'InvalidParameter.PolicyName.InvalidChars', 400),
      length: () => fail('createPolicy', 'CreatePolicyRequest', { policyName: 'p'.repeat(129), policyDocument: ALLOW_ECS }, 'InvalidParameter.PolicyName.Length', 400),
    });
    await fail('getPolicy', 'GetPolicyRequest', { policyName: 'bad-doc', policyType: 'Custom' }, 'EntityNotExist.Policy', 404);
  });

  test('policy versions: at most 5, rotation, the default version cannot be deleted', async () => {
    for (const n of [2, 3, 4, 5]) {
      const v = (await createPolicyVersion({ policyName: 'ecs-admin', policyDocument: ALLOW_VPC })).PolicyVersion;
      assert.equal(v.VersionId, `v${n}`);
      assert.equal(v.IsDefaultVersion, false);
    }
    await fail('createPolicyVersion', 'CreatePolicyVersionRequest', { policyName: 'ecs-admin', policyDocument: ALLOW_VPC },
      'LimitExceeded.Policy.Version', 409);
    await fail('createPolicyVersion', 'CreatePolicyVersionRequest', { policyName: 'ecs-admin', policyDocument: '{}' }, 'MalformedPolicyDocument', 400);
    const v6 = (await createPolicyVersion({ policyName: 'ecs-admin', policyDocument: ALLOW_VPC, setAsDefault: true,
      rotateStrategy: 'DeleteOldestNonDefaultVersionWhenLimitExceeded' })).PolicyVersion;
    assert.equal(v6.VersionId, 'v6');
    assert.equal(v6.IsDefaultVersion, true);
    let versions = (await listPolicyVersions('ecs-admin')).PolicyVersions.PolicyVersion;
    assert.deepEqual(versions.map((v) => v.VersionId), ['v1', 'v3', 'v4', 'v5', 'v6'], 'v2, the oldest non-default, was rotated out');
    assert.deepEqual(versions.filter((v) => v.IsDefaultVersion).map((v) => v.VersionId), ['v6']);
    assert.equal((await getPolicy({ policyName: 'ecs-admin', policyType: 'Custom' })).Policy.DefaultVersion, 'v6');

    await fail('deletePolicyVersion', 'DeletePolicyVersionRequest', { policyName: 'ecs-admin', versionId: 'v6' },
      'DeleteConflict.Policy.Version.Default', 409);
    await call('setDefaultPolicyVersion', 'SetDefaultPolicyVersionRequest', { policyName: 'ecs-admin', versionId: 'v1' });
    const v1 = (await call('getPolicyVersion', 'GetPolicyVersionRequest', { policyName: 'ecs-admin', policyType: 'Custom', versionId: 'v1' })).PolicyVersion;
    assert.equal(v1.IsDefaultVersion, true);
    assert.equal(v1.PolicyDocument, ALLOW_ECS);
    for (const v of ['v3', 'v4', 'v5']) await call('deletePolicyVersion', 'DeletePolicyVersionRequest', { policyName: 'ecs-admin', versionId: v });
    versions = (await listPolicyVersions('ecs-admin')).PolicyVersions.PolicyVersion;
    assert.deepEqual(versions.map((v) => v.VersionId), ['v1', 'v6']);
    await h.checkAll({
      gone: () => fail('getPolicyVersion', 'GetPolicyVersionRequest', { policyName: 'ecs-admin', policyType: 'Custom', versionId: 'v3' },
        'EntityNotExist.Policy.Version', 404),
      format: () => fail('getPolicyVersion', 'GetPolicyVersionRequest', { policyName: 'ecs-admin', policyType: 'Custom', versionId: 'three' },
        'InvalidParameter.VersionId.Format', 400),
      setMissing: () => fail('setDefaultPolicyVersion', 'SetDefaultPolicyVersionRequest', { policyName: 'ecs-admin', versionId: 'v9' },
        'EntityNotExist.Policy.Version', 404),
      badRotate: () => fail('createPolicyVersion', 'CreatePolicyVersionRequest', { policyName: 'ecs-admin', policyDocument: ALLOW_ECS,
        rotateStrategy: 'Sometimes' }, 'InvalidParameter', 400),
      systemVersion: async () => {
        const sv = (await call('getPolicyVersion', 'GetPolicyVersionRequest', { policyName: 'AliyunECSFullAccess', policyType: 'System', versionId: 'v1' })).PolicyVersion;
        assert.equal(sv.IsDefaultVersion, true);
      },
      // Versions besides the default keep a policy from being deleted.
      versionsLeft: () => fail('deletePolicy', 'DeletePolicyRequest', { policyName: 'ecs-admin' }, 'DeleteConflict.Policy.Version', 409),
    });
  });
});

describe('roles', () => {
  test('CreateRole validates the trust policy; GetRole, UpdateRole, ListRoles', async () => {
    const r = (await createRole({ roleName: 'Deployer', assumeRolePolicyDocument: TRUST, description: 'deploys',
      tag: [new Ram.CreateRoleRequestTag({ key: 'env', value: 'prod' })] })).Role;
    assert.equal(r.RoleName, 'Deployer');
    assert.match(r.RoleId, /^[1-9][0-9]{15}$/);
    assert.match(r.Arn, /^acs:ram::[^:]+:role\/deployer$/);
    assert.equal(r.MaxSessionDuration, 3600);
    assert.equal(r.AssumeRolePolicyDocument, TRUST);
    assert.equal(r.Description, 'deploys');
    const got = (await call('getRole', 'GetRoleRequest', { roleName: 'Deployer' })).Role;
    assert.equal(got.RoleId, r.RoleId);
    const service = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] });
    const up = (await call('updateRole', 'UpdateRoleRequest', { roleName: 'Deployer', newMaxSessionDuration: 7200, newDescription: 'deploys more',
      newAssumeRolePolicyDocument: service })).Role;
    assert.equal(up.MaxSessionDuration, 7200);
    assert.equal(up.Description, 'deploys more');
    assert.equal(up.AssumeRolePolicyDocument, service);
    await createRole({ roleName: 'Auditor', assumeRolePolicyDocument: TRUST, maxSessionDuration: 43200 });
    const roles = (await call('listRoles', 'ListRolesRequest', {})).Roles.Role;
    assert.deepEqual(roles.map((x) => x.RoleName), ['Auditor', 'Deployer']);
    assert.deepEqual(roles[1].Tags.Tag, [{ TagKey: 'env', TagValue: 'prod' }]);
    const tagged = (await call('listRoles', 'ListRolesRequest', { tag: [new Ram.ListRolesRequestTag({ key: 'env', value: 'prod' })] })).Roles.Role;
    assert.deepEqual(tagged.map((x) => x.RoleName), ['Deployer']);
    await h.checkAll({
      notSts: () => fail('createRole', 'CreateRoleRequest', { roleName: 'Bad', assumeRolePolicyDocument: ALLOW_ECS }, 'MalformedPolicyDocument', 400),
      noPrincipal: () => fail('createRole', 'CreateRoleRequest', { roleName: 'Bad',
        assumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] }) },
      'MalformedPolicyDocument', 400),
      notJson: () => fail('createRole', 'CreateRoleRequest', { roleName: 'Bad', assumeRolePolicyDocument: 'trust me' }, 'MalformedPolicyDocument', 400),
      updateDoc: () => fail('updateRole', 'UpdateRoleRequest', { roleName: 'Deployer', newAssumeRolePolicyDocument: '{}' }, 'MalformedPolicyDocument', 400),
      duration: () => fail('updateRole', 'UpdateRoleRequest', { roleName: 'Deployer', newMaxSessionDuration: 100 }, 'InvalidParameter', 400),
      createDuration: () => fail('createRole', 'CreateRoleRequest', { roleName: 'Bad', assumeRolePolicyDocument: TRUST, maxSessionDuration: 50000 },
        'InvalidParameter', 400),
      chars: () => fail('createRole', 'CreateRoleRequest', { roleName: 'bad_role', assumeRolePolicyDocument: TRUST }, 'InvalidParameter.RoleName.InvalidChars', 400),
      length: () => fail('createRole', 'CreateRoleRequest', { roleName: 'r'.repeat(65), assumeRolePolicyDocument: TRUST }, 'InvalidParameter.RoleName.Length', 400),
      duplicate: () => fail('createRole', 'CreateRoleRequest', { roleName: 'Deployer', assumeRolePolicyDocument: TRUST }, 'EntityAlreadyExists.Role', 409),
      notExist: () => fail('getRole', 'GetRoleRequest', { roleName: 'Nobody' }, 'EntityNotExist.Role', 404),
    });
    assert.equal((await call('listRoles', 'ListRolesRequest', {})).Roles.Role.length, 2, 'nothing made by the refused requests');
  });
});

describe('attachments', () => {
  test('Attach to a user, a group and a role; list them both ways; conflicts', async () => {
    await attach('User', { userName: 'alice', policyType: 'System', policyName: 'AliyunECSReadOnlyAccess' });
    await attach('User', { userName: 'alice', policyType: 'Custom', policyName: 'ecs-admin' });
    await attach('Group', { groupName: 'developers', policyType: 'Custom', policyName: 'ecs-admin' });
    await attach('Role', { roleName: 'Deployer', policyType: 'Custom', policyName: 'ecs-admin' });
    await attach('Role', { roleName: 'Deployer', policyType: 'System', policyName: 'AdministratorAccess' });
    await h.checkAll({
      twiceUser: () => fail('attachPolicyToUser', 'AttachPolicyToUserRequest', { userName: 'alice', policyType: 'Custom', policyName: 'ecs-admin' },
        'EntityAlreadyExists.User.Policy', 409),
      twiceGroup: () => fail('attachPolicyToGroup', 'AttachPolicyToGroupRequest', { groupName: 'developers', policyType: 'Custom', policyName: 'ecs-admin' },
        'EntityAlreadyExists.Group.Policy', 409),
      twiceRole: () => fail('attachPolicyToRole', 'AttachPolicyToRoleRequest', { roleName: 'Deployer', policyType: 'System', policyName: 'AdministratorAccess' },
        'EntityAlreadyExists.Role.Policy', 409),
      missingPolicy: () => fail('attachPolicyToUser', 'AttachPolicyToUserRequest', { userName: 'alice', policyType: 'Custom', policyName: 'no-such' },
        'EntityNotExist.Policy', 404),
      missingSystem: () => fail('attachPolicyToUser', 'AttachPolicyToUserRequest', { userName: 'alice', policyType: 'System', policyName: 'ecs-admin' },
        'EntityNotExist.Policy', 404),
      missingUser: () => fail('attachPolicyToUser', 'AttachPolicyToUserRequest', { userName: 'nobody', policyType: 'Custom', policyName: 'ecs-admin' },
        'EntityNotExist.User', 404),
      missingRole: () => fail('attachPolicyToRole', 'AttachPolicyToRoleRequest', { roleName: 'Nobody', policyType: 'Custom', policyName: 'ecs-admin' },
        'EntityNotExist.Role', 404),
      badType: () => fail('attachPolicyToUser', 'AttachPolicyToUserRequest', { userName: 'alice', policyType: 'custom', policyName: 'ecs-admin' },
        'InvalidParameter.PolicyType', 400),
      resourceGroup: () => fail('attachPolicyToUser', 'AttachPolicyToUserRequest', { userName: 'alice', policyType: 'System',
        policyName: 'AliyunVPCFullAccess', resourceGroupId: 'rg-aek2xxxxxxxx' }, 'InvalidParameter', 400),
    });

    const forUser = await policiesFor('User', { userName: 'alice' });
    assert.deepEqual(forUser.map((p) => [p.PolicyType, p.PolicyName]), [['System', 'AliyunECSReadOnlyAccess'], ['Custom', 'ecs-admin']]);
    assert.ok(forUser.every((p) => p.AttachDate && p.DefaultVersion));
    assert.ok(forUser[0].Description.length > 0);
    assert.deepEqual((await policiesFor('Group', { groupName: 'developers' })).map((p) => p.PolicyName), ['ecs-admin']);
    assert.deepEqual((await policiesFor('Role', { roleName: 'Deployer' })).map((p) => p.PolicyName), ['ecs-admin', 'AdministratorAccess']);

    const entities = await call('listEntitiesForPolicy', 'ListEntitiesForPolicyRequest', { policyName: 'ecs-admin', policyType: 'Custom' });
    assert.deepEqual(entities.Users.User.map((u) => u.UserName), ['alice']);
    assert.deepEqual(entities.Groups.Group.map((g) => g.GroupName), ['developers']);
    assert.deepEqual(entities.Roles.Role.map((r) => r.RoleName), ['Deployer']);
    assert.match(entities.Roles.Role[0].Arn, /:role\/deployer$/);
    assert.ok(entities.Users.User[0].AttachDate);
    assert.equal((await getPolicy({ policyName: 'ecs-admin', policyType: 'Custom' })).Policy.AttachmentCount, 3);
    const sysEntities = await call('listEntitiesForPolicy', 'ListEntitiesForPolicyRequest', { policyName: 'AdministratorAccess', policyType: 'System' });
    assert.deepEqual(sysEntities.Roles.Role.map((r) => r.RoleName), ['Deployer']);
    assert.deepEqual(sysEntities.Users.User, []);
  });

  test('what has policies attached cannot be deleted; detaching twice is refused', async () => {
    await h.checkAll({
      role: () => fail('deleteRole', 'DeleteRoleRequest', { roleName: 'Deployer' }, 'DeleteConflict.Role.Policy', 409),
      policyUser: () => fail('deletePolicy', 'DeletePolicyRequest', { policyName: 'ecs-admin' }, ['DeleteConflict.Policy.User', 'DeleteConflict.Policy.Version'], 409),
    });
    // alice: policies attached (and a group), so DeleteUser answers one of the conflicts.
    await fail('deleteUser', 'DeleteUserRequest', { userName: 'alice' }, ['DeleteConflict.User.Group', 'DeleteConflict.User.Policy'], 409);
    await call('removeUserFromGroup', 'RemoveUserFromGroupRequest', { userName: 'alice', groupName: 'developers' });
    await fail('deleteUser', 'DeleteUserRequest', { userName: 'alice' }, 'DeleteConflict.User.Policy', 409);
    await fail('deleteGroup', 'DeleteGroupRequest', { groupName: 'developers' }, 'DeleteConflict.Group.Policy', 409);

    await detach('User', { userName: 'alice', policyType: 'System', policyName: 'AliyunECSReadOnlyAccess' });
    await fail('detachPolicyFromUser', 'DetachPolicyFromUserRequest', { userName: 'alice', policyType: 'System', policyName: 'AliyunECSReadOnlyAccess' },
      'EntityNotExist.User.Policy', 404);
    await detach('Role', { roleName: 'Deployer', policyType: 'System', policyName: 'AdministratorAccess' });
    await fail('detachPolicyFromRole', 'DetachPolicyFromRoleRequest', { roleName: 'Deployer', policyType: 'System', policyName: 'AdministratorAccess' },
      'EntityNotExist.Role.Policy', 404);
    await fail('detachPolicyFromGroup', 'DetachPolicyFromGroupRequest', { groupName: 'ops', policyType: 'Custom', policyName: 'ecs-admin' },
      'EntityNotExist.Group.Policy', 404);
    await call('deletePolicyVersion', 'DeletePolicyVersionRequest', { policyName: 'ecs-admin', versionId: 'v6' });
    await fail('deletePolicy', 'DeletePolicyRequest', { policyName: 'ecs-admin' }, 'DeleteConflict.Policy.User', 409);
  });

  test('DeletePolicy with CascadingDelete detaches it everywhere', async () => {
    await call('deletePolicy', 'DeletePolicyRequest', { policyName: 'ecs-admin', cascadingDelete: true });
    await fail('getPolicy', 'GetPolicyRequest', { policyName: 'ecs-admin', policyType: 'Custom' }, 'EntityNotExist.Policy', 404);
    assert.deepEqual(await policiesFor('User', { userName: 'alice' }), []);
    assert.deepEqual(await policiesFor('Group', { groupName: 'developers' }), []);
    assert.deepEqual(await policiesFor('Role', { roleName: 'Deployer' }), []);
    await call('deleteRole', 'DeleteRoleRequest', { roleName: 'Deployer' });
    await fail('getRole', 'GetRoleRequest', { roleName: 'Deployer' }, 'EntityNotExist.Role', 404);
    await call('deleteGroup', 'DeleteGroupRequest', { groupName: 'developers' });
  });
});

describe('login profiles', () => {
  test('CreateLoginProfile checks the password policy and never returns the password', async () => {
    await h.checkAll({
      short: () => fail('createLoginProfile', 'CreateLoginProfileRequest', { userName: 'alice', password: 'short1' }, 'InvalidParameter.Password.TooWeak', 400),
      long: () => fail('createLoginProfile', 'CreateLoginProfileRequest', { userName: 'alice', password: 'x'.repeat(33) }, 'InvalidParameter.Password.TooWeak', 400),
      space: () => fail('createLoginProfile', 'CreateLoginProfileRequest', { userName: 'alice', password: 'with a space' }, 'InvalidParameter.Password.TooWeak', 400),
      missing: () => fail('createLoginProfile', 'CreateLoginProfileRequest', { userName: 'alice' }, 'MissingParameter', 400),
      noUser: () => fail('createLoginProfile', 'CreateLoginProfileRequest', { userName: 'nobody', password: PASSWORD }, 'EntityNotExist.User', 404),
      noProfile: () => fail('getLoginProfile', 'GetLoginProfileRequest', { userName: 'alice' }, 'EntityNotExist.User.LoginProfile', 404),
    });
    const lp = (await call('createLoginProfile', 'CreateLoginProfileRequest', { userName: 'alice', password: PASSWORD,
      passwordResetRequired: true, MFABindRequired: false })).LoginProfile;
    assert.equal(lp.UserName, 'alice');
    assert.equal(lp.PasswordResetRequired, true);
    assert.equal(lp.MFABindRequired, false);
    assert.ok(lp.CreateDate);
    await fail('createLoginProfile', 'CreateLoginProfileRequest', { userName: 'alice', password: PASSWORD },
      'EntityAlreadyExists.User.LoginProfile', 409);
    const raw = await h.rawV1(server, 'GetLoginProfile', { UserName: 'alice' }, { version: RAM_VERSION });
    assert.equal(raw.status, 200, raw.body);
    assert.ok(!raw.body.includes(PASSWORD) && raw.json.LoginProfile.Password === undefined, raw.body);
    assert.equal(raw.json.LoginProfile.PasswordResetRequired, true);
  });

  test('UpdateLoginProfile, DeleteLoginProfile; a user with a profile cannot be deleted', async () => {
    await call('updateLoginProfile', 'UpdateLoginProfileRequest', { userName: 'alice', passwordResetRequired: false, MFABindRequired: true });
    let lp = (await call('getLoginProfile', 'GetLoginProfileRequest', { userName: 'alice' })).LoginProfile;
    assert.equal(lp.PasswordResetRequired, false);
    assert.equal(lp.MFABindRequired, true);
    await call('updateLoginProfile', 'UpdateLoginProfileRequest', { userName: 'alice', password: `${PASSWORD}-2` });
    lp = (await call('getLoginProfile', 'GetLoginProfileRequest', { userName: 'alice' })).LoginProfile;
    assert.equal(lp.MFABindRequired, true, 'a new password keeps the other settings');
    await fail('updateLoginProfile', 'UpdateLoginProfileRequest', { userName: 'alice', password: 'weak' }, 'InvalidParameter.Password.TooWeak', 400);
    await fail('updateLoginProfile', 'UpdateLoginProfileRequest', { userName: 'robert', password: PASSWORD }, 'EntityNotExist.User.LoginProfile', 404);
    await fail('deleteUser', 'DeleteUserRequest', { userName: 'alice' }, 'DeleteConflict.User.LoginProfile', 409);
  });

  test('the password is not stored anywhere on disk, and everything survives a restart', async () => {
    await server.restart();
    const files = fs.readdirSync(server.dataDir, { recursive: true }).map((f) => path.join(server.dataDir, String(f)))
      .filter((f) => fs.statSync(f).isFile());
    assert.ok(files.length > 0);
    for (const f of files) {
      assert.ok(!fs.readFileSync(f).includes(PASSWORD), `${f} holds the password`);
    }
    assert.equal((await call('getLoginProfile', 'GetLoginProfileRequest', { userName: 'alice' })).LoginProfile.MFABindRequired, true);
    assert.equal((await getUser('robert')).User.DisplayName, 'Robert');
    assert.deepEqual((await call('listGroups', 'ListGroupsRequest', {})).Groups.Group.map((g) => g.GroupName), ['ops']);
    assert.deepEqual((await call('listRoles', 'ListRolesRequest', {})).Roles.Role.map((r) => r.RoleName), ['Auditor']);
  });

  test('with nothing left, the user is deleted', async () => {
    await call('deleteLoginProfile', 'DeleteLoginProfileRequest', { userName: 'alice' });
    await fail('deleteLoginProfile', 'DeleteLoginProfileRequest', { userName: 'alice' }, 'EntityNotExist.User.LoginProfile', 404);
    await deleteUser('alice');
    await fail('getUser', 'GetUserRequest', { userName: 'alice' }, 'EntityNotExist.User', 404);
    assert.ok(!(await listUsers()).Users.User.some((u) => u.UserName === 'alice'));
    await fail('deleteUser', 'DeleteUserRequest', { userName: 'alice' }, 'EntityNotExist.User', 404);
  });
});

// ---------------------------------------------------------------------------------------------
// Every RAM action's raw JSON against the SDK's <Action>ResponseBody model: every field present,
// of the model's type (raw v1 GETs, so the JSON is seen as sent, not as the SDK parsed it).

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
function walk(model, value, p, problems) {
  if (typeof model === 'string') {
    if (model !== 'any' && jsonType(value) !== model) problems.push(`${p}: want ${model}, got ${jsonType(value)}`);
    return;
  }
  if (typeof model === 'function') {
    if (jsonType(value) !== 'object') { problems.push(`${p}: want object, got ${jsonType(value)}`); return; }
    const types = model.types();
    for (const [prop, name] of Object.entries(model.names())) {
      const q = p ? `${p}.${name}` : name;
      if (!Object.prototype.hasOwnProperty.call(value, name)) problems.push(`${q}: missing`);
      else walk(types[prop], value[name], q, problems);
    }
    return;
  }
  if (model && model.type === 'array') {
    if (!Array.isArray(value)) { problems.push(`${p}: want array, got ${jsonType(value)}`); return; }
    for (const e of value) walk(model.itemType, e, `${p}[]`, problems);
    return;
  }
  throw new Error(`unknown model type at ${p}`);
}

test('every RAM action answers with every field of its SDK model', async () => {
  const problems = [];
  const called = new Set();
  const shape = async (action, params = {}) => {
    const r = await h.rawV1(server, action, params, { version: RAM_VERSION });
    assert.equal(r.status, 200, `${action}: ${r.body}`);
    called.add(action);
    walk(Ram[`${action}ResponseBody`], r.json, action, problems);
    return r.json;
  };
  await shape('CreateUser', { UserName: 'shape-user' });
  await shape('GetUser', { UserName: 'shape-user' });
  await shape('UpdateUser', { UserName: 'shape-user', NewComments: 'shapes' });
  await shape('ListUsers', { MaxItems: '1' });
  const key = (await shape('CreateAccessKey', { UserName: 'shape-user' })).AccessKey.AccessKeyId;
  await shape('ListAccessKeys', { UserName: 'shape-user' });
  await shape('UpdateAccessKey', { UserName: 'shape-user', UserAccessKeyId: key, Status: 'Inactive' });
  await shape('DeleteAccessKey', { UserName: 'shape-user', UserAccessKeyId: key });
  await shape('CreateLoginProfile', { UserName: 'shape-user', Password: PASSWORD });
  await shape('GetLoginProfile', { UserName: 'shape-user' });
  await shape('UpdateLoginProfile', { UserName: 'shape-user', PasswordResetRequired: 'true' });
  await shape('DeleteLoginProfile', { UserName: 'shape-user' });
  await shape('CreateGroup', { GroupName: 'shape-group' });
  await shape('GetGroup', { GroupName: 'shape-group' });
  await shape('UpdateGroup', { GroupName: 'shape-group', NewComments: 'shapes' });
  await shape('ListGroups');
  await shape('AddUserToGroup', { UserName: 'shape-user', GroupName: 'shape-group' });
  await shape('ListGroupsForUser', { UserName: 'shape-user' });
  await shape('ListUsersForGroup', { GroupName: 'shape-group' });
  await shape('RemoveUserFromGroup', { UserName: 'shape-user', GroupName: 'shape-group' });
  await shape('CreatePolicy', { PolicyName: 'shape-policy', PolicyDocument: ALLOW_ECS });
  await shape('GetPolicy', { PolicyName: 'shape-policy', PolicyType: 'Custom' });
  await shape('GetPolicy', { PolicyName: 'AdministratorAccess', PolicyType: 'System' });
  await shape('ListPolicies', { MaxItems: '1000' });
  await shape('UpdatePolicyDescription', { PolicyName: 'shape-policy', NewDescription: 'shapes' });
  await shape('CreatePolicyVersion', { PolicyName: 'shape-policy', PolicyDocument: ALLOW_VPC });
  await shape('GetPolicyVersion', { PolicyName: 'shape-policy', PolicyType: 'Custom', VersionId: 'v2' });
  await shape('ListPolicyVersions', { PolicyName: 'shape-policy', PolicyType: 'Custom' });
  await shape('SetDefaultPolicyVersion', { PolicyName: 'shape-policy', VersionId: 'v2' });
  await shape('DeletePolicyVersion', { PolicyName: 'shape-policy', VersionId: 'v1' });
  await shape('CreateRole', { RoleName: 'ShapeRole', AssumeRolePolicyDocument: TRUST });
  await shape('GetRole', { RoleName: 'ShapeRole' });
  await shape('UpdateRole', { RoleName: 'ShapeRole', NewDescription: 'shapes' });
  await shape('ListRoles');
  for (const kind of ['User', 'Group', 'Role']) {
    const nameParam = { User: { UserName: 'shape-user' }, Group: { GroupName: 'shape-group' }, Role: { RoleName: 'ShapeRole' } }[kind];
    await shape(`AttachPolicyTo${kind}`, { ...nameParam, PolicyType: 'Custom', PolicyName: 'shape-policy' });
    await shape(`ListPoliciesFor${kind}`, nameParam);
  }
  await shape('ListEntitiesForPolicy', { PolicyName: 'shape-policy', PolicyType: 'Custom' });
  for (const kind of ['User', 'Group', 'Role']) {
    const nameParam = { User: { UserName: 'shape-user' }, Group: { GroupName: 'shape-group' }, Role: { RoleName: 'ShapeRole' } }[kind];
    await shape(`DetachPolicyFrom${kind}`, { ...nameParam, PolicyType: 'Custom', PolicyName: 'shape-policy' });
  }
  await shape('DeletePolicy', { PolicyName: 'shape-policy' });
  await shape('DeleteRole', { RoleName: 'ShapeRole' });
  await shape('DeleteGroup', { GroupName: 'shape-group' });
  await shape('DeleteUser', { UserName: 'shape-user' });
  assert.deepEqual([...new Set(problems)], [], 'fields missing from RAM answers, or of the wrong type');
  assert.equal(called.size, 47, 'every RAM action was called');
});

// Hostile values in every parameter of every RAM action (hostile_ring.test.js covers the ECS
// and VPC catalogue only): each answer is a 4xx or a 200, never a 5xx, and the server goes on.
test('hostile values in RAM parameters never get a 5xx', async () => {
  const base = {
    user: { UserName: 'h-user' }, group: { GroupName: 'h-group' }, role: { RoleName: 'HRole' },
    policy: { PolicyName: 'h-policy' },
  };
  const setup = [
    ['CreateUser', base.user], ['CreateGroup', base.group], ['CreatePolicy', { ...base.policy, PolicyDocument: ALLOW_ECS }],
    ['CreateRole', { ...base.role, AssumeRolePolicyDocument: TRUST }],
  ];
  for (const [a, p] of setup) assert.equal((await h.rawV1(server, a, p, { version: RAM_VERSION })).status, 200, a);
  // Reads and changes first, deletions last.
  const cases = [
    ['GetUser', base.user], ['ListUsers', { Marker: 'eA==', MaxItems: '10' }],
    ['UpdateUser', { ...base.user, NewDisplayName: 'd', NewEmail: 'a@b.cd', NewMobilePhone: '1-5550100', NewComments: 'c' }],
    ['CreateAccessKey', base.user], ['ListAccessKeys', base.user],
    ['UpdateAccessKey', { ...base.user, UserAccessKeyId: 'LTAIxxxxxxxxxxxxxxxxxxxx', Status: 'Inactive' }],
    ['CreateLoginProfile', { ...base.user, Password: PASSWORD, PasswordResetRequired: 'true', MFABindRequired: 'false' }],
    ['GetLoginProfile', base.user], ['UpdateLoginProfile', { ...base.user, Password: PASSWORD, PasswordResetRequired: 'false' }],
    ['GetGroup', base.group], ['ListGroups', { MaxItems: '5' }], ['UpdateGroup', { ...base.group, NewComments: 'c' }],
    ['AddUserToGroup', { ...base.user, ...base.group }], ['ListGroupsForUser', base.user],
    ['ListUsersForGroup', { ...base.group, MaxItems: '5' }],
    ['GetPolicy', { ...base.policy, PolicyType: 'Custom' }], ['ListPolicies', { PolicyType: 'Custom', MaxItems: '5', Tag: '[{"Key":"k","Value":"v"}]' }],
    ['UpdatePolicyDescription', { ...base.policy, NewDescription: 'd' }],
    ['CreatePolicyVersion', { ...base.policy, PolicyDocument: ALLOW_VPC, SetAsDefault: 'false', RotateStrategy: 'DeleteOldestNonDefaultVersionWhenLimitExceeded' }],
    ['GetPolicyVersion', { ...base.policy, PolicyType: 'Custom', VersionId: 'v1' }],
    ['ListPolicyVersions', { ...base.policy, PolicyType: 'Custom' }],
    ['SetDefaultPolicyVersion', { ...base.policy, VersionId: 'v1' }],
    ['GetRole', base.role], ['ListRoles', { MaxItems: '5' }],
    ['UpdateRole', { ...base.role, NewAssumeRolePolicyDocument: TRUST, NewMaxSessionDuration: '3600', NewDescription: 'd' }],
    ['AttachPolicyToUser', { ...base.user, ...base.policy, PolicyType: 'Custom' }],
    ['AttachPolicyToGroup', { ...base.group, ...base.policy, PolicyType: 'Custom' }],
    ['AttachPolicyToRole', { ...base.role, ...base.policy, PolicyType: 'Custom' }],
    ['ListPoliciesForUser', base.user], ['ListPoliciesForGroup', base.group], ['ListPoliciesForRole', base.role],
    ['ListEntitiesForPolicy', { ...base.policy, PolicyType: 'Custom' }],
    ['DetachPolicyFromUser', { ...base.user, ...base.policy, PolicyType: 'Custom' }],
    ['DetachPolicyFromGroup', { ...base.group, ...base.policy, PolicyType: 'Custom' }],
    ['DetachPolicyFromRole', { ...base.role, ...base.policy, PolicyType: 'Custom' }],
    ['RemoveUserFromGroup', { ...base.user, ...base.group }],
    ['DeletePolicyVersion', { ...base.policy, VersionId: 'v2' }], ['DeleteLoginProfile', base.user],
    ['DeleteAccessKey', { ...base.user, UserAccessKeyId: 'LTAIxxxxxxxxxxxxxxxxxxxx' }],
    ['DeletePolicy', { ...base.policy, CascadingDelete: 'true' }], ['DeleteRole', base.role], ['DeleteGroup', base.group],
    ['DeleteUser', base.user],
  ];
  const hostile = ['', '-1', '1e999', 'NaN', '9223372036854775808', '\u0000\u001b\r\n', '{"Version":', '['.repeat(5000),
    'x'.repeat(5000), 'é中文', '../../etc/passwd', '%s%n', 'true'];
  const bad = [];
  for (const [action, params] of cases) {
    for (const name of Object.keys(params)) {
      for (const v of hostile) {
        const r = await h.rawV1(server, action, { ...params, [name]: v }, { version: RAM_VERSION });
        if (r.status >= 500 || !(r.status === 200 || (r.json && r.json.Code))) bad.push(`${action} ${name}=${JSON.stringify(v).slice(0, 20)} -> ${r.status} ${r.body.slice(0, 120)}`);
      }
    }
    const alive = await h.rawV1(server, 'ListUsers', {}, { version: RAM_VERSION });
    assert.equal(alive.status, 200, `the server answers after ${action}`);
  }
  assert.deepEqual(bad, []);
});
