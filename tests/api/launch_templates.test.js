'use strict';
// Launch templates (issue 14), through the official SDK: a template with network, image, type,
// disks and tags; its versions (create, list and filter, change the default, delete one, the
// default refused, the 31st refused); RunInstances from it by id, by name and by version, with
// the request's own parameters winning; the errors ECS gives (unknown template or version with
// 404, a duplicate name, bad values refused whole); and a restart that keeps every template.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, IMAGE, SMALL_TYPE, wire, expectError } = h;

let server;
let ecs;
let net;
let lt;  // the main template's id

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'lt' });
});
after(async () => { if (server) await server.destroy(); });

const templates = async (extra = {}) => wire(await ecs.describeLaunchTemplates(
  new Ecs.DescribeLaunchTemplatesRequest({ regionId: REGION, ...extra })));
const versions = async (extra = {}) => wire(await ecs.describeLaunchTemplateVersions(
  new Ecs.DescribeLaunchTemplateVersionsRequest({ regionId: REGION, ...extra })));
const createVersion = async (extra) => wire(await ecs.createLaunchTemplateVersion(
  new Ecs.CreateLaunchTemplateVersionRequest({ regionId: REGION, ...extra })));
const run = async (extra) => wire(await ecs.runInstances(new Ecs.RunInstancesRequest({ regionId: REGION, ...extra })))
  .InstanceIdSets.InstanceIdSet;
const disksOf = async (instanceId) => wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId }))).Disks.Disk;

test('CreateLaunchTemplate keeps network, image, type, disks and tags; DescribeLaunchTemplates finds it', async () => {
  const made = wire(await ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({
    regionId: REGION,
    launchTemplateName: 'web-template',
    versionDescription: 'first',
    imageId: IMAGE,
    instanceType: SMALL_TYPE,
    vpcId: net.vpcId,
    vSwitchId: net.vSwitchId,
    securityGroupId: net.securityGroupId,
    instanceName: 'from-template',
    hostName: 'lt-host',
    description: 'made from a launch template',
    systemDisk: new Ecs.CreateLaunchTemplateRequestSystemDisk({ category: 'cloud_essd', size: 30 }),
    dataDisk: [new Ecs.CreateLaunchTemplateRequestDataDisk({ category: 'cloud_efficiency', size: 25, deleteWithInstance: true })],
    tag: [new Ecs.CreateLaunchTemplateRequestTag({ key: 'team', value: 'web' })],
    templateTag: [new Ecs.CreateLaunchTemplateRequestTemplateTag({ key: 'env', value: 'test' })],
    deletionProtection: false,
  })));
  lt = made.LaunchTemplateId;
  assert.match(lt, /^lt-[a-z0-9]+$/);
  assert.equal(made.LaunchTemplateVersionNumber, 1);

  const all = await templates({ launchTemplateId: [lt] });
  assert.equal(all.TotalCount, 1);
  const [t] = all.LaunchTemplateSets.LaunchTemplateSet;
  assert.equal(t.LaunchTemplateName, 'web-template');
  assert.equal(t.DefaultVersionNumber, 1);
  assert.equal(t.LatestVersionNumber, 1);
  assert.deepEqual(t.Tags.Tag, [{ TagKey: 'env', TagValue: 'test' }]);
  assert.match(t.CreateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // Filters: template tags, names, ids.
  assert.equal((await templates({ templateTag: [new Ecs.DescribeLaunchTemplatesRequestTemplateTag({ key: 'env', value: 'test' })] })).TotalCount, 1);
  assert.equal((await templates({ templateTag: [new Ecs.DescribeLaunchTemplatesRequestTemplateTag({ key: 'env', value: 'prod' })] })).TotalCount, 0);
  assert.equal((await templates({ templateTag: [new Ecs.DescribeLaunchTemplatesRequestTemplateTag({ key: 'team' })] })).TotalCount, 0,
    'instance tags (Tag.N) are not the template\'s tags (TemplateTag.N)');
  assert.equal((await templates({ launchTemplateName: ['web-template', 'nope'] })).TotalCount, 1);
  assert.equal((await templates({ launchTemplateName: ['nope'] })).TotalCount, 0);

  const v = await versions({ launchTemplateId: lt });
  assert.equal(v.TotalCount, 1);
  const [v1] = v.LaunchTemplateVersionSets.LaunchTemplateVersionSet;
  assert.equal(v1.VersionNumber, 1);
  assert.equal(v1.DefaultVersion, true);
  assert.equal(v1.VersionDescription, 'first');
  assert.equal(v1.LaunchTemplateName, 'web-template');
  const d = v1.LaunchTemplateData;
  assert.equal(d.ImageId, IMAGE);
  assert.equal(d.InstanceType, SMALL_TYPE);
  assert.equal(d.VpcId, net.vpcId);
  assert.equal(d.VSwitchId, net.vSwitchId);
  assert.equal(d.SecurityGroupId, net.securityGroupId);
  assert.equal(d.InstanceName, 'from-template');
  assert.equal(d.HostName, 'lt-host');
  assert.equal(d.SystemDisk.Category, 'cloud_essd');
  assert.equal(d.SystemDisk.Size, 30);
  assert.deepEqual(d.DataDisks.DataDisk.map((x) => [x.Category, x.Size, x.DeleteWithInstance]), [['cloud_efficiency', 25, true]]);
  assert.deepEqual(d.Tags.InstanceTag, [{ Key: 'team', Value: 'web' }]);
  assert.equal(d.DeletionProtection, false);
  // DetailFlag=false: the basics only.
  const basic = (await versions({ launchTemplateName: 'web-template', detailFlag: false })).LaunchTemplateVersionSets.LaunchTemplateVersionSet[0];
  assert.equal(basic.VersionNumber, 1);
  assert.equal(basic.LaunchTemplateData, undefined);
});

test('versions: numbered, listed and filtered, a new default, a version deleted, the default kept', async () => {
  const v2 = await createVersion({ launchTemplateId: lt, versionDescription: 'second', imageId: IMAGE, instanceType: SMALL_TYPE,
    vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId, instanceName: 'version-two',
    tag: [new Ecs.CreateLaunchTemplateVersionRequestTag({ key: 'team', value: 'v2' })] });
  assert.deepEqual(v2, { LaunchTemplateId: lt, LaunchTemplateVersionNumber: 2, RequestId: v2.RequestId });
  const v3 = await createVersion({ launchTemplateName: 'web-template', versionDescription: 'third', imageId: IMAGE });
  assert.equal(v3.LaunchTemplateVersionNumber, 3);

  const numbers = (body) => body.LaunchTemplateVersionSets.LaunchTemplateVersionSet.map((v) => v.VersionNumber);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt })), [1, 2, 3]);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt, launchTemplateVersion: [2] })), [2]);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt, minVersion: 2 })), [2, 3]);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt, maxVersion: 2 })), [1, 2]);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt, defaultVersion: true })), [1]);
  const page = await versions({ launchTemplateId: lt, pageSize: 2, pageNumber: 2 });
  assert.deepEqual([numbers(page), page.TotalCount, page.PageNumber, page.PageSize], [[3], 3, 2, 2]);
  const second = (await versions({ launchTemplateId: lt, launchTemplateVersion: [2] })).LaunchTemplateVersionSets.LaunchTemplateVersionSet[0];
  assert.equal(second.LaunchTemplateData.InstanceName, 'version-two');
  assert.deepEqual(second.LaunchTemplateData.Tags.InstanceTag, [{ Key: 'team', Value: 'v2' }]);

  const modified = wire(await ecs.modifyLaunchTemplateDefaultVersion(new Ecs.ModifyLaunchTemplateDefaultVersionRequest({
    regionId: REGION, launchTemplateId: lt, defaultVersionNumber: 2 })));
  assert.equal(modified.LaunchTemplateId, lt);
  let [t] = (await templates({ launchTemplateId: [lt] })).LaunchTemplateSets.LaunchTemplateSet;
  assert.deepEqual([t.DefaultVersionNumber, t.LatestVersionNumber], [2, 3]);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt, defaultVersion: true })), [2]);

  const deleted = wire(await ecs.deleteLaunchTemplateVersion(new Ecs.DeleteLaunchTemplateVersionRequest({
    regionId: REGION, launchTemplateId: lt, deleteVersion: [3] })));
  assert.deepEqual(deleted.LaunchTemplateVersions.LaunchTemplateVersion, [{ LaunchTemplateId: lt, LaunchTemplateVersionNumber: 3 }]);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt })), [1, 2]);
  [t] = (await templates({ launchTemplateId: [lt] })).LaunchTemplateSets.LaunchTemplateSet;
  assert.equal(t.LatestVersionNumber, 2);

  const del = (deleteVersion) => ecs.deleteLaunchTemplateVersion(new Ecs.DeleteLaunchTemplateVersionRequest({
    regionId: REGION, launchTemplateId: lt, deleteVersion }));
  await expectError(del([2]), 'InvalidOperation.DeleteDefaultVersion', 403);
  await expectError(del([1, 2]), 'InvalidOperation.DeleteDefaultVersion', 403);
  await expectError(del([1, 9]), 'InvalidLaunchTemplateVersion.NotFound', 404);
  await expectError(del([3]), 'InvalidLaunchTemplateVersion.NotFound', 404);
  assert.deepEqual(numbers(await versions({ launchTemplateId: lt })), [1, 2], 'refused deletes delete nothing');
  await expectError(ecs.modifyLaunchTemplateDefaultVersion(new Ecs.ModifyLaunchTemplateDefaultVersionRequest({
    regionId: REGION, launchTemplateId: lt, defaultVersionNumber: 3 })), 'InvalidLaunchTemplateVersion.NotFound', 404);
  // A number is never given twice: the next version is 4, not 3.
  assert.equal((await createVersion({ launchTemplateId: lt, imageId: IMAGE })).LaunchTemplateVersionNumber, 4);
  await del([4]);
});

test('at most 30 versions: the 31st is refused until one is deleted', async () => {
  const id = wire(await ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({
    regionId: REGION, launchTemplateName: 'many-versions', imageId: IMAGE }))).LaunchTemplateId;
  for (let n = 2; n <= 30; n += 1) assert.equal((await createVersion({ launchTemplateId: id })).LaunchTemplateVersionNumber, n);
  await expectError(createVersion({ launchTemplateId: id, instanceName: 'one-too-many' }), 'LaunchTemplateVersionLimitExceed', 403);
  assert.equal((await versions({ launchTemplateId: id, pageSize: 50 })).TotalCount, 30);
  await ecs.deleteLaunchTemplateVersion(new Ecs.DeleteLaunchTemplateVersionRequest({ regionId: REGION, launchTemplateId: id, deleteVersion: [30] }));
  assert.equal((await createVersion({ launchTemplateId: id })).LaunchTemplateVersionNumber, 31);
  const gone = wire(await ecs.deleteLaunchTemplate(new Ecs.DeleteLaunchTemplateRequest({ regionId: REGION, launchTemplateName: 'many-versions' })));
  assert.equal(gone.LaunchTemplateId, id);
  assert.equal(gone.LaunchTemplateVersionNumbers.versionNumbers.length, 30);
  assert.deepEqual(gone.LaunchTemplateVersionNumbers.versionNumbers.slice(-2), [29, 31]);
  assert.equal((await templates({ launchTemplateId: [id] })).TotalCount, 0);
  await expectError(versions({ launchTemplateId: id }), 'InvalidLaunchTemplate.NotFound', 404);
});

test('RunInstances from the template: by id (default version), by name and version, request parameters win', { timeout: 60000 }, async () => {
  // By id, nothing else: version 2 (the default) gives everything.
  const [a] = await run({ launchTemplateId: lt });
  // By name, version 1, with its own name and a bigger system disk.
  const [b] = await run({ launchTemplateName: 'web-template', launchTemplateVersion: 1, instanceName: 'overridden',
    systemDisk: new Ecs.RunInstancesRequestSystemDisk({ size: 40 }) });
  // By id and an explicit version 1, its own tags (the template's are replaced, not added to).
  const [c] = await run({ launchTemplateId: lt, launchTemplateVersion: 1, tag: [new Ecs.RunInstancesRequestTag({ key: 'own', value: 'tag' })] });
  await h.waitStatus(ecs, [a, b, c], 'Running');
  const [ia, ib, ic] = await Promise.all([a, b, c].map((id) => h.describeInstance(ecs, id)));
  for (const i of [ia, ib, ic]) {
    assert.equal(i.ImageId, IMAGE);
    assert.equal(i.InstanceType, SMALL_TYPE);
    assert.equal(i.VpcAttributes.VSwitchId, net.vSwitchId);
    assert.deepEqual(i.SecurityGroupIds.SecurityGroupId, [net.securityGroupId]);
  }
  assert.equal(ia.InstanceName, 'version-two');
  assert.deepEqual(h.tagsOf(ia), { team: 'v2' });
  assert.equal(ib.InstanceName, 'overridden');
  assert.equal(ib.HostName, 'lt-host');
  assert.equal(ib.Description, 'made from a launch template');
  assert.deepEqual(h.tagsOf(ib), { team: 'web' });
  assert.equal(ic.InstanceName, 'from-template');
  assert.deepEqual(h.tagsOf(ic), { own: 'tag' });
  // Disks: version 1's system disk (30 GiB, or the request's 40) and its data disk; version 2
  // has neither, so the image's default system disk and no data disk.
  const sizes = async (id) => (await disksOf(id)).map((d) => `${d.Type}:${d.Category}:${d.Size}`).sort();
  assert.deepEqual(await sizes(b), ['data:cloud_efficiency:25', 'system:cloud_essd:40']);
  assert.deepEqual(await sizes(c), ['data:cloud_efficiency:25', 'system:cloud_essd:30']);
  assert.equal((await disksOf(a)).length, 1);
});

test('errors: unknown template or version (404), a duplicate name, bad values refused and nothing made', async () => {
  await expectError(run({ launchTemplateId: 'lt-doesnotexist0000000' }), 'InvalidLaunchTemplate.NotFound', 404);
  await expectError(run({ launchTemplateName: 'no-such-template' }), 'InvalidLaunchTemplate.NotFound', 404);
  await expectError(run({ launchTemplateId: lt, launchTemplateName: 'not-its-name' }), 'InvalidLaunchTemplate.NotFound', 404);
  await expectError(run({ launchTemplateId: lt, launchTemplateVersion: 3 }), 'InvalidLaunchTemplateVersion.NotFound', 404);
  await expectError(run({ launchTemplateId: lt, launchTemplateVersion: -1 }), 'InvalidParameter', 400);
  await expectError(versions({ launchTemplateName: 'no-such-template' }), 'InvalidLaunchTemplate.NotFound', 404);
  await expectError(versions({}), 'MissingParameter', 400);
  await expectError(createVersion({ launchTemplateId: 'lt-doesnotexist0000000', imageId: IMAGE }), 'InvalidLaunchTemplate.NotFound', 404);
  await expectError(createVersion({ imageId: IMAGE }), 'MissingParameter', 400);
  await expectError(ecs.deleteLaunchTemplate(new Ecs.DeleteLaunchTemplateRequest({ regionId: REGION, launchTemplateId: 'lt-doesnotexist0000000' })),
    'InvalidLaunchTemplate.NotFound', 404);
  await expectError(ecs.modifyLaunchTemplateDefaultVersion(new Ecs.ModifyLaunchTemplateDefaultVersionRequest({
    regionId: REGION, launchTemplateName: 'no-such-template', defaultVersionNumber: 1 })), 'InvalidLaunchTemplate.NotFound', 404);

  const create = (extra) => ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({ regionId: REGION, ...extra }));
  await expectError(create({ launchTemplateName: 'web-template', imageId: IMAGE }), 'LaunchTemplateName.Duplicated', 403);
  await expectError(create({ imageId: IMAGE }), 'MissingParameter', 400);
  const refused = [
    [{ launchTemplateName: '1-starts-with-a-digit' }, 'InvalidLaunchTemplateName.Malformed'],
    [{ launchTemplateName: 'has space' }, 'InvalidLaunchTemplateName.Malformed'],
    [{ launchTemplateName: 'bad-host', hostName: '-host-' }, 'InvalidHostName.Malformed'],
    [{ launchTemplateName: 'bad-name', instanceName: '9lives' }, 'InvalidInstanceName.Malformed'],
    [{ launchTemplateName: 'bad-userdata', userData: 'not base64!' }, 'InvalidUserData.Base64FormatInvalid'],
    [{ launchTemplateName: 'bad-size', systemDisk: new Ecs.CreateLaunchTemplateRequestSystemDisk({ size: -1 }) }, 'InvalidParameter'],
    [{ launchTemplateName: 'bad-charge', instanceChargeType: 'Free' }, 'InvalidParameter'],
    [{ launchTemplateName: 'bad-spot', spotStrategy: 'Cheap' }, 'InvalidSpotStrategy'],
    [{ launchTemplateName: 'bad-hops', httpPutResponseHopLimit: 65 }, 'InvalidHttpPutResponseHopLimit.NotSupported'],
    [{ launchTemplateName: 'bad-tag', tag: [new Ecs.CreateLaunchTemplateRequestTag({ key: 'aliyun:x', value: 'v' })] }, 'InvalidTagKey.Malformed'],
    [{ launchTemplateName: 'bad-template-tag', templateTag: [new Ecs.CreateLaunchTemplateRequestTemplateTag({ key: 'acs:x' })] }, 'InvalidTagKey.Malformed'],
    [{ launchTemplateName: 'bad-description', versionDescription: 'http://example.com' }, 'InvalidDescription.Malformed'],
    [{ launchTemplateName: 'bad-control', imageId: 'img\u001b[31m' }, 'InvalidParameter'],
  ];
  for (const [extra, code] of refused) await expectError(create(extra), code, 400);
  const names = refused.map(([extra]) => extra.launchTemplateName);
  assert.equal((await templates({ launchTemplateName: names })).TotalCount, 0, 'no refused template was made');
  // A refused version adds nothing either.
  await expectError(createVersion({ launchTemplateId: lt, hostName: 'bad..host' }), 'InvalidHostName.Malformed', 400);
  const [t] = (await templates({ launchTemplateId: [lt] })).LaunchTemplateSets.LaunchTemplateSet;
  assert.equal(t.LatestVersionNumber, 2);

  // What a template names is checked when instances are made from it, as on ECS.
  const bad = wire(await create({ launchTemplateName: 'missing-image', imageId: 'm-doesnotexist', instanceType: SMALL_TYPE,
    vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId })).LaunchTemplateId;
  const count = async () => wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION }))).TotalCount;
  const before = await count();
  await expectError(run({ launchTemplateId: bad }), 'InvalidImageId.NotFound', 404);
  await expectError(run({ launchTemplateId: bad, imageId: IMAGE, instanceType: 'ecs.no-such-type' }), 'InvalidInstanceType.ValueNotSupported', 400);
  assert.equal(await count(), before, 'no instance was made');
  // The request's ImageId wins over the template's unknown one.
  const [ok] = await run({ launchTemplateId: bad, imageId: IMAGE, instanceName: 'image-from-request' });
  await h.waitStatus(ecs, [ok], 'Running');
  await ecs.deleteLaunchTemplate(new Ecs.DeleteLaunchTemplateRequest({ regionId: REGION, launchTemplateId: bad }));
});

test('DescribeLaunchTemplates pages with PageNumber/PageSize, in creation order', async () => {
  const ids = [];
  for (const n of [1, 2, 3]) {
    ids.push(wire(await ecs.createLaunchTemplate(new Ecs.CreateLaunchTemplateRequest({
      regionId: REGION, launchTemplateName: `page-${n}`, templateTag: [new Ecs.CreateLaunchTemplateRequestTemplateTag({ key: 'paging', value: 'yes' })] }))).LaunchTemplateId);
  }
  const tag = [new Ecs.DescribeLaunchTemplatesRequestTemplateTag({ key: 'paging', value: 'yes' })];
  const p1 = await templates({ templateTag: tag, pageSize: 2 });
  const p2 = await templates({ templateTag: tag, pageSize: 2, pageNumber: 2 });
  assert.deepEqual([p1.TotalCount, p1.PageNumber, p1.PageSize, p2.PageNumber], [3, 1, 2, 2]);
  assert.deepEqual([...p1.LaunchTemplateSets.LaunchTemplateSet, ...p2.LaunchTemplateSets.LaunchTemplateSet].map((t) => t.LaunchTemplateId), ids);
  await expectError(templates({ pageSize: 0 }), 'InvalidParameter', 400);
  for (const id of ids) await ecs.deleteLaunchTemplate(new Ecs.DeleteLaunchTemplateRequest({ regionId: REGION, launchTemplateId: id }));
});

test('a restart keeps every template and version, and RunInstances still uses them', { timeout: 60000 }, async () => {
  const was = [await templates(), await versions({ launchTemplateId: lt })];
  await server.restart();
  ecs = h.ecsClient(server);
  const now = [await templates(), await versions({ launchTemplateId: lt })];
  const strip = (b) => ({ ...b, RequestId: undefined });
  assert.deepEqual(now.map(strip), was.map(strip));
  const [id] = await run({ launchTemplateName: 'web-template', instanceName: 'after-restart' });
  await h.waitStatus(ecs, [id], 'Running');
  assert.equal((await h.describeInstance(ecs, id)).InstanceType, SMALL_TYPE);
});
