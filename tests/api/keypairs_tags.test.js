'use strict';
// Key pairs (CreateKeyPair, ImportKeyPair, DescribeKeyPairs, DeleteKeyPairs, KeyPairName on
// RunInstances) and tags (TagResources, UntagResources, ListTagResources, and the legacy AddTags,
// RemoveTags, DescribeTags).
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./helpers');
const { Ecs, Vpc, REGION, wire, expectError } = h;

let server;
let ecs;
let net;
let vpc;

before(async () => {
  server = await h.startServer({ delayMs: 50 });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'kp' });
});
after(async () => { if (server) await server.destroy(); });

// ---- SSH key helpers ------------------------------------------------------------------------

const sshString = (b) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
const mpint = (b) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  b = b.subarray(i);
  return b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
};

// OpenSSH public key blob (RFC 4253 wire form) of a node KeyObject.
function sshBlob(key) {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'RSA') {
    return Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshString(mpint(Buffer.from(jwk.e, 'base64url'))),
      sshString(mpint(Buffer.from(jwk.n, 'base64url')))]);
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519') {
    return Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(Buffer.from(jwk.x, 'base64url'))]);
  }
  throw new Error(`unsupported key type ${jwk.kty}/${jwk.crv}`);
}

// Public key blob of a private key as returned by CreateKeyPair (PKCS#8 / PKCS#1 PEM; OpenSSH
// format accepted too, whose header carries the public blob in clear).
function blobFromPrivate(pem) {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-----([\s\S]+?)-----END OPENSSH PRIVATE KEY-----/.exec(pem);
  if (m) {
    const buf = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
    let off = 'openssh-key-v1\0'.length;
    const read = () => { const n = buf.readUInt32BE(off); const v = buf.subarray(off + 4, off + 4 + n); off += 4 + n; return v; };
    read(); read(); read(); // cipher, kdf, kdf options
    off += 4; // number of keys
    return read();
  }
  return sshBlob(crypto.createPublicKey(crypto.createPrivateKey(pem)));
}

const md5Fingerprint = (blob) => crypto.createHash('md5').update(blob).digest('hex');
const normFp = (fp) => String(fp).replace(/:/g, '').toLowerCase();
const publicKeyLine = (blob) => `${blob.subarray(4, 4 + blob.readUInt32BE(0)).toString()} ${blob.toString('base64')} test@openecs`;
const blobOfLine = (line) => Buffer.from(String(line).trim().split(/\s+/)[1], 'base64');

const describeKp = async (extra = {}) => wire(await ecs.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({ regionId: REGION, ...extra })));

// ---- key pairs --------------------------------------------------------------------------------

describe('key pairs', () => {
  let created;

  test('CreateKeyPair returns a usable private key and its MD5 fingerprint', async () => {
    const res = wire(await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({
      regionId: REGION, keyPairName: 'kp-created', tag: [{ key: 'team', value: 'infra' }],
    })));
    assert.equal(res.KeyPairName, 'kp-created');
    assert.match(res.PrivateKeyBody, /-----BEGIN [A-Z ]*PRIVATE KEY-----/);
    const blob = blobFromPrivate(res.PrivateKeyBody);
    assert.equal(normFp(res.KeyPairFingerPrint), md5Fingerprint(blob), 'fingerprint = MD5 of the public key blob (RFC 4716)');
    created = { ...res, blob };
  });

  test('DescribeKeyPairs lists it, with PublicKey only on request, and never the private key', async () => {
    const body = await describeKp({ keyPairName: 'kp-created' });
    assert.equal(body.TotalCount, 1);
    const kp = body.KeyPairs.KeyPair[0];
    assert.equal(kp.KeyPairName, 'kp-created');
    assert.equal(kp.KeyPairFingerPrint, created.KeyPairFingerPrint);
    assert.equal(typeof kp.CreationTime, 'string');
    assert.ok(!kp.PublicKey, 'PublicKey omitted by default');
    assert.deepEqual(h.tagsOf(kp), { team: 'infra' });
    const withPub = (await describeKp({ keyPairName: 'kp-created', includePublicKey: true })).KeyPairs.KeyPair[0];
    assert.ok(withPub.PublicKey, 'PublicKey returned with IncludePublicKey=true');
    assert.deepEqual(blobOfLine(withPub.PublicKey), created.blob, 'public key matches the private key handed out');
    assert.ok(!JSON.stringify(body).includes('PRIVATE KEY'));
  });

  test('CreateKeyPair errors', async () => {
    await expectError(ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'kp-created' })),
      'KeyPair.AlreadyExist', 400);
    await expectError(ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: '-bad-start' })),
      'InvalidKeyPairName.Malformed', 400);
    await expectError(ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'http://x' })),
      'InvalidKeyPairName.Malformed', 400);
    await expectError(ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION })), /^MissingParameter/, 400);
  });

  test('ImportKeyPair (RSA and Ed25519) computes the RFC 4716 fingerprint', async () => {
    const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    const ed = crypto.generateKeyPairSync('ed25519').publicKey;
    for (const [name, key] of [['kp-rsa', rsa], ['kp-ed', ed]]) {
      const blob = sshBlob(key);
      const res = wire(await ecs.importKeyPair(new Ecs.ImportKeyPairRequest({
        regionId: REGION, keyPairName: name, publicKeyBody: publicKeyLine(blob),
      })));
      assert.equal(res.KeyPairName, name);
      assert.equal(normFp(res.KeyPairFingerPrint), md5Fingerprint(blob), name);
      const kp = (await describeKp({ keyPairName: name, includePublicKey: true })).KeyPairs.KeyPair[0];
      assert.deepEqual(blobOfLine(kp.PublicKey), blob);
    }
  });

  test('ImportKeyPair errors', async () => {
    const blob = sshBlob(crypto.generateKeyPairSync('ed25519').publicKey);
    await expectError(ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'kp-junk', publicKeyBody: 'not a key' })),
      'InvalidPublicKeyBody.Malformed', 400);
    await expectError(ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'kp-junk2', publicKeyBody: 'ssh-rsa AAAAtruncated' })),
      'InvalidPublicKeyBody.Malformed', 400);
    await expectError(ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'kp-nobody' })),
      /^MissingParameter/, 400);
    await expectError(ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'kp-rsa', publicKeyBody: publicKeyLine(blob) })),
      'KeyPair.AlreadyExist', 400);
    const names = (await describeKp({ pageSize: 50 })).KeyPairs.KeyPair.map((k) => k.KeyPairName);
    assert.ok(!names.includes('kp-junk') && !names.includes('kp-junk2') && !names.includes('kp-nobody'));
  });

  test('DescribeKeyPairs filters and paging', async () => {
    const all = await describeKp({ pageSize: 50 });
    assert.equal(all.TotalCount, 3);
    assert.deepEqual(all.KeyPairs.KeyPair.map((k) => k.KeyPairName).sort(), ['kp-created', 'kp-ed', 'kp-rsa']);
    const byFp = await describeKp({ keyPairFingerPrint: created.KeyPairFingerPrint });
    assert.deepEqual(byFp.KeyPairs.KeyPair.map((k) => k.KeyPairName), ['kp-created']);
    // Docs: "*" wildcards in KeyPairName; a plain name is an exact match.
    const wild = await describeKp({ keyPairName: 'kp-r*' });
    assert.deepEqual(wild.KeyPairs.KeyPair.map((k) => k.KeyPairName), ['kp-rsa']);
    assert.equal((await describeKp({ keyPairName: 'kp' })).TotalCount, 0);
    const p1 = await describeKp({ pageSize: 2, pageNumber: 1 });
    const p2 = await describeKp({ pageSize: 2, pageNumber: 2 });
    assert.equal(p1.KeyPairs.KeyPair.length, 2);
    assert.equal(p2.KeyPairs.KeyPair.length, 1);
    assert.equal(p1.TotalCount, 3);
    const names = [...p1.KeyPairs.KeyPair, ...p2.KeyPairs.KeyPair].map((k) => k.KeyPairName);
    assert.equal(new Set(names).size, 3);
  });

  test('RunInstances with KeyPairName', async () => {
    const [id] = await h.runInstances(ecs, net, { keyPairName: 'kp-rsa' });
    assert.equal((await h.describeInstance(ecs, id)).KeyPairName, 'kp-rsa');
    const l = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, keyPairName: 'kp-rsa' })));
    assert.deepEqual(l.Instances.Instance.map((i) => i.InstanceId), [id]);
    await expectError(h.runInstances(ecs, net, { keyPairName: 'kp-missing' }), 'InvalidKeyPairName.NotFound', 404);
    await h.waitStatus(ecs, [id], 'Running');
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
    await h.waitGone(ecs, [id]);
  });

  test('DeleteKeyPairs removes the named pairs', async () => {
    await ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: REGION, keyPairNames: JSON.stringify(['kp-rsa', 'kp-ed']) }));
    const left = await describeKp({ pageSize: 50 });
    assert.deepEqual(left.KeyPairs.KeyPair.map((k) => k.KeyPairName), ['kp-created']);
    // The name is free again.
    const blob = sshBlob(crypto.generateKeyPairSync('ed25519').publicKey);
    await ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'kp-ed', publicKeyBody: publicKeyLine(blob) }));
    await ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: REGION, keyPairNames: JSON.stringify(['kp-ed']) }));
  });

  test('DeleteKeyPairs without KeyPairNames is MissingParameter', async () => {
    await expectError(ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: REGION })), /^MissingParameter/, 400);
  });
});

// ---- tags -------------------------------------------------------------------------------------

test('AttachKeyPair / DetachKeyPair: per instance, replacing, refusing what does not fit', async () => {
  const SAMPLE_PUB = publicKeyLine(sshBlob(crypto.generateKeyPairSync('ed25519').publicKey));
  const SAMPLE_PUB2 = publicKeyLine(sshBlob(crypto.generateKeyPairSync('ed25519').publicKey));
  await ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'kp-bind-a', publicKeyBody: SAMPLE_PUB }));
  const [id] = await h.runRunning(ecs, net);
  const bind = (attach, keyPairName, ids) => (attach ? ecs.attachKeyPair(new Ecs.AttachKeyPairRequest({ regionId: REGION, keyPairName, instanceIds: JSON.stringify(ids) }))
    : ecs.detachKeyPair(new Ecs.DetachKeyPairRequest({ regionId: REGION, keyPairName, instanceIds: JSON.stringify(ids) })));
  let r = wire(await bind(true, 'kp-bind-a', [id, 'i-nothere']));
  assert.deepEqual([r.TotalCount, r.FailCount, r.KeyPairName], ['2', '1', 'kp-bind-a']);
  assert.deepEqual(r.Results.Result.map((x) => [x.InstanceId, x.Success, x.Code]), [[id, 'true', '200'], ['i-nothere', 'false', 'InvalidInstanceId.NotFound']]);
  assert.equal((await h.describeInstance(ecs, id)).KeyPairName, 'kp-bind-a');
  // Detaching another key pair fails for that instance and changes nothing.
  await ecs.importKeyPair(new Ecs.ImportKeyPairRequest({ regionId: REGION, keyPairName: 'kp-bind-b', publicKeyBody: SAMPLE_PUB2 }));
  r = wire(await bind(false, 'kp-bind-b', [id]));
  assert.deepEqual([r.FailCount, r.Results.Result[0].Success], ['1', 'false']);
  assert.equal((await h.describeInstance(ecs, id)).KeyPairName, 'kp-bind-a');
  r = wire(await bind(true, 'kp-bind-b', [id]));  // replaces
  assert.equal((await h.describeInstance(ecs, id)).KeyPairName, 'kp-bind-b');
  // A bound key pair is not deleted (nor any other in the same call).
  await expectError(ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: REGION, keyPairNames: JSON.stringify(['kp-bind-a', 'kp-bind-b']) })),
    'InvalidParameter.KeypairAlreadyAttachedInstance', 400);
  assert.equal(wire(await ecs.describeKeyPairs(new Ecs.DescribeKeyPairsRequest({ regionId: REGION, keyPairName: 'kp-bind-a' }))).TotalCount, 1);
  r = wire(await bind(false, 'kp-bind-b', [id]));
  assert.equal(r.FailCount, '0');
  assert.equal((await h.describeInstance(ecs, id)).KeyPairName, '');
  await expectError(bind(true, 'kp-nothere', [id]), 'InvalidKeyPairName.NotFound', 404);
  await expectError(ecs.attachKeyPair(new Ecs.AttachKeyPairRequest({ regionId: REGION, keyPairName: 'kp-bind-a' })), 'MissingParameter', 400);
});

describe('tags', () => {
  let ids;
  let sysDisk;
  const tagRes = (resourceType, resourceId, tag) => ecs.tagResources(new Ecs.TagResourcesRequest({
    regionId: REGION, resourceType, resourceId, tag,
  }));
  const listTags = async (resourceType, extra = {}) => {
    const out = [];
    let nextToken;
    let pages = 0;
    do {
      const body = wire(await ecs.listTagResources(new Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType, nextToken, ...extra })));
      out.push(...body.TagResources.TagResource);
      nextToken = body.NextToken;
      assert.ok(++pages < 20, 'ListTagResources paging terminates');
    } while (nextToken);
    return out;
  };
  const tagMap = (entries, id) => Object.fromEntries(entries.filter((e) => e.ResourceId === id).map((e) => [e.TagKey, e.TagValue]));

  before(async () => {
    ids = await h.runInstances(ecs, net, { amount: 2 });
    sysDisk = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: ids[0] }))).Disks.Disk[0].DiskId;
  });

  test('TagResources + ListTagResources on instances', async () => {
    await tagRes('instance', ids, [{ key: 'owner', value: 'alice' }, { key: 'cost', value: '42' }]);
    const entries = await listTags('instance', { resourceId: ids });
    assert.equal(entries.length, 4);
    for (const id of ids) assert.deepEqual(tagMap(entries, id), { owner: 'alice', cost: '42' });
    assert.ok(entries.every((e) => e.ResourceType === 'instance'));
    // DescribeInstances shows them too.
    assert.deepEqual(h.tagsOf(await h.describeInstance(ecs, ids[0])), { owner: 'alice', cost: '42' });
  });

  test('tagging an existing key overwrites its value', async () => {
    await tagRes('instance', [ids[0]], [{ key: 'owner', value: 'bob' }]);
    const entries = await listTags('instance', { resourceId: ids });
    assert.deepEqual(tagMap(entries, ids[0]), { owner: 'bob', cost: '42' });
    assert.deepEqual(tagMap(entries, ids[1]), { owner: 'alice', cost: '42' });
  });

  test('ListTagResources by tag filter, without resource ids', async () => {
    const bob = await listTags('instance', { tag: [{ key: 'owner', value: 'bob' }] });
    assert.deepEqual([...new Set(bob.map((e) => e.ResourceId))], [ids[0]]);
    const owners = await listTags('instance', { tag: [{ key: 'owner', value: 'alice' }] });
    assert.deepEqual([...new Set(owners.map((e) => e.ResourceId))], [ids[1]]);
  });

  test('UntagResources by key, then All', async () => {
    await ecs.untagResources(new Ecs.UntagResourcesRequest({ regionId: REGION, resourceType: 'instance', resourceId: [ids[0]], tagKey: ['cost'] }));
    let entries = await listTags('instance', { resourceId: ids });
    assert.deepEqual(tagMap(entries, ids[0]), { owner: 'bob' });
    assert.deepEqual(tagMap(entries, ids[1]), { owner: 'alice', cost: '42' });
    await ecs.untagResources(new Ecs.UntagResourcesRequest({ regionId: REGION, resourceType: 'instance', resourceId: [ids[1]], all: true }));
    entries = await listTags('instance', { resourceId: ids });
    assert.deepEqual(tagMap(entries, ids[1]), {});
    assert.deepEqual(h.tagsOf(await h.describeInstance(ecs, ids[1])), {});
  });

  test('security groups and disks can be tagged', async () => {
    await tagRes('securitygroup', [net.securityGroupId], [{ key: 'tier', value: 'web' }]);
    const sgEntries = await listTags('securitygroup', { resourceId: [net.securityGroupId] });
    assert.deepEqual(tagMap(sgEntries, net.securityGroupId), { tier: 'web' });
    const sgs = wire(await ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: REGION, tag: [{ key: 'tier', value: 'web' }] })));
    assert.deepEqual(sgs.SecurityGroups.SecurityGroup.map((s) => s.SecurityGroupId), [net.securityGroupId]);

    await tagRes('disk', [sysDisk], [{ key: 'backup', value: 'daily' }]);
    const disks = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, tag: [{ key: 'backup', value: 'daily' }] })));
    assert.deepEqual(disks.Disks.Disk.map((d) => d.DiskId), [sysDisk]);
    assert.deepEqual(h.tagsOf(disks.Disks.Disk[0]), { backup: 'daily' });
  });

  test('ENIs and snapshots through the ECS API; VPCs, vSwitches and EIPs through the VPC API (UnTagResources)', async () => {
    const eni = wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
      regionId: REGION, vSwitchId: net.vSwitchId, securityGroupId: net.securityGroupId }))).NetworkInterfaceId;
    await h.waitStatus(ecs, [ids[0]], 'Running', 20000);
    const snap = wire(await ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ regionId: REGION, diskId: sysDisk }))).SnapshotId;
    for (const [type, id] of [['eni', eni], ['snapshot', snap]]) {
      await tagRes(type, [id], [{ key: 'team', value: type }]);
      assert.deepEqual(tagMap(await listTags(type, { resourceId: [id] }), id), { team: type });
    }
    const nics = wire(await ecs.describeNetworkInterfaces(new Ecs.DescribeNetworkInterfacesRequest({ regionId: REGION, networkInterfaceId: [eni] })));
    assert.deepEqual(h.tagsOf(nics.NetworkInterfaceSets.NetworkInterfaceSet[0]), { team: 'eni' });
    const eip = wire(await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION }))).AllocationId;
    const vpcApi = [['VPC', net.vpcId], ['VSWITCH', net.vSwitchId], ['EIP', eip]];
    for (const [type, id] of vpcApi) {
      await vpc.tagResources(new Vpc.TagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: [id],
        tag: [new Vpc.TagResourcesRequestTag({ key: 'env', value: 'prod' }), new Vpc.TagResourcesRequestTag({ key: 'tmp', value: '1' })] }));
      // TagKey with All=true removes only that key (All counts only without keys).
      await vpc.unTagResources(new Vpc.UnTagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: [id], tagKey: ['tmp'], all: true }));
      const listed = wire(await vpc.listTagResources(new Vpc.ListTagResourcesRequest({ regionId: REGION, resourceType: type, resourceId: [id] })));
      assert.deepEqual(listed.TagResources.TagResource.map((t) => [t.ResourceType, t.ResourceId, t.TagKey, t.TagValue]), [[type, id, 'env', 'prod']]);
    }
    const [v] = wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, vpcId: net.vpcId }))).Vpcs.Vpc;
    assert.deepEqual(v.Tags.Tag.map((t) => [t.Key, t.Value]), [['env', 'prod']]);
    // Each API tags its own resources only.
    await expectError(tagRes('vpc', [net.vpcId], [{ key: 'a', value: 'b' }]), 'InvalidResourceType.NotFound', 404);
    await expectError(vpc.tagResources(new Vpc.TagResourcesRequest({ regionId: REGION, resourceType: 'instance', resourceId: [ids[0]],
      tag: [new Vpc.TagResourcesRequestTag({ key: 'a', value: 'b' })] })), 'InvalidResourceType.NotFound', 404);
    await vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId: eip }));
  });

  test('ListTagResources pages with NextToken', async () => {
    const many = await h.runInstances(ecs, net, { amount: 10 });
    const tags = Array.from({ length: 6 }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));
    await tagRes('instance', many, tags);
    const entries = await listTags('instance', { resourceId: many });
    const pairs = new Set(entries.map((e) => `${e.ResourceId}/${e.TagKey}=${e.TagValue}`));
    assert.equal(entries.length, 60);
    assert.equal(pairs.size, 60, 'pages are disjoint');
  });

  test('errors', async () => {
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ key: `t${i}`, value: 'x' }));
    await h.checkAll({
      'unknown resource id': () => expectError(tagRes('instance', ['i-doesnotexist'], [{ key: 'a', value: 'b' }]), 'InvalidResourceId.NotFound', 404),
      'unknown ResourceType': () => expectError(tagRes('spaceship', [ids[0]], [{ key: 'a', value: 'b' }]), 'InvalidResourceType.NotFound', 404),
      'key starting with aliyun': () => expectError(tagRes('instance', [ids[0]], [{ key: 'aliyun-reserved', value: 'b' }]), 'InvalidTagKey.Malformed', 400),
      'key starting with acs:': () => expectError(tagRes('instance', [ids[0]], [{ key: 'acs:reserved', value: 'b' }]), 'InvalidTagKey.Malformed', 400),
      'duplicate key in one call': () => expectError(tagRes('instance', [ids[0]], [{ key: 'dup', value: '1' }, { key: 'dup', value: '2' }]), 'Duplicate.TagKey', 400),
      '21 tags in one call': () => expectError(tagRes('instance', [ids[0]], tooMany), ['NumberExceed.Tags', 'InvalidTagCount'], 400),
      'ListTagResources unknown ResourceType': () => expectError(ecs.listTagResources(new Ecs.ListTagResourcesRequest({ regionId: REGION, resourceType: 'spaceship', resourceId: [ids[0]] })),
        'InvalidResourceType.NotFound', 404),
    });
    // Nothing from the refused calls stuck.
    const entries = await listTags('instance', { resourceId: [ids[0]] });
    assert.deepEqual(tagMap(entries, ids[0]), { owner: 'bob' });
  });

  test('the legacy actions: AddTags, RemoveTags and DescribeTags on the same tags', async () => {
    const [x, y] = await h.runInstances(ecs, net, { amount: 2 });
    const sg = net.securityGroupId;
    const add = (resourceType, resourceId, tag) => ecs.addTags(new Ecs.AddTagsRequest({
      regionId: REGION, resourceType, resourceId, tag: tag.map((t) => new Ecs.AddTagsRequestTag(t)) }));
    const remove = (resourceType, resourceId, tag) => ecs.removeTags(new Ecs.RemoveTagsRequest({
      regionId: REGION, resourceType, resourceId, tag: tag.map((t) => new Ecs.RemoveTagsRequestTag(t)) }));
    const describeTags = async (over = {}) => wire(await ecs.describeTags(new Ecs.DescribeTagsRequest({ regionId: REGION, ...over })));
    const counts = (t) => Object.fromEntries(Object.entries(t.ResourceTypeCount).filter(([, n]) => n > 0));

    await add('instance', x, [{ key: 'legacy-team', value: 'blue' }, { key: 'legacy-env', value: 'prod' }]);
    await add('instance', y, [{ key: 'legacy-team', value: 'blue' }]);
    await add('securitygroup', sg, [{ key: 'legacy-team', value: 'blue' }]);
    // The same store as TagResources: ListTagResources sees them.
    assert.deepEqual(tagMap(await listTags('instance', { resourceId: [x] }), x), { 'legacy-team': 'blue', 'legacy-env': 'prod' });

    let body = await describeTags({ tag: [new Ecs.DescribeTagsRequestTag({ key: 'legacy-team' })] });
    assert.equal(body.TotalCount, 1);
    let [t] = body.Tags.Tag;
    assert.deepEqual([t.TagKey, t.TagValue, counts(t)], ['legacy-team', 'blue', { Instance: 2, Securitygroup: 1 }]);
    for (const f of ['Ddh', 'Disk', 'Eni', 'Image', 'Instance', 'KeyPair', 'LaunchTemplate', 'ReservedInstance', 'Securitygroup', 'Snapshot', 'SnapshotPolicy', 'Volume'])
      assert.equal(typeof t.ResourceTypeCount[f], 'number', `ResourceTypeCount.${f}`);

    // One resource's tags, in key order, a page at a time.
    body = await describeTags({ resourceType: 'instance', resourceId: x, pageSize: 1 });
    assert.deepEqual([body.TotalCount, body.PageNumber, body.PageSize], [2, 1, 1]);
    assert.deepEqual(body.Tags.Tag.map((e) => `${e.TagKey}=${e.TagValue}`), ['legacy-env=prod']);
    body = await describeTags({ resourceType: 'instance', resourceId: x, pageSize: 1, pageNumber: 2 });
    assert.deepEqual(body.Tags.Tag.map((e) => `${e.TagKey}=${e.TagValue}`), ['legacy-team=blue']);
    assert.deepEqual(counts(body.Tags.Tag[0]), { Instance: 1 });

    // AddTags overwrites a key's value: two values of the key now, counted apart.
    await add('instance', y, [{ key: 'legacy-team', value: 'green' }]);
    body = await describeTags({ tag: [new Ecs.DescribeTagsRequestTag({ key: 'legacy-team' })] });
    assert.deepEqual(body.Tags.Tag.map((e) => [e.TagValue, counts(e)]), [['blue', { Instance: 1, Securitygroup: 1 }], ['green', { Instance: 1 }]]);
    body = await describeTags({ resourceType: 'securitygroup', tag: [new Ecs.DescribeTagsRequestTag({ key: 'legacy-team', value: 'blue' })] });
    assert.deepEqual(body.Tags.Tag.map((e) => [e.TagValue, counts(e)]), [['blue', { Securitygroup: 1 }]]);
    assert.deepEqual((await describeTags({ category: 'system' })).Tags.Tag, [], 'no system tags');

    // RemoveTags: by key, and by key and value only when the value matches.
    await remove('instance', x, [{ key: 'legacy-team', value: 'red' }]);
    assert.deepEqual(tagMap(await listTags('instance', { resourceId: [x] }), x), { 'legacy-team': 'blue', 'legacy-env': 'prod' });
    await remove('instance', x, [{ key: 'legacy-team', value: 'blue' }, { key: 'legacy-env' }]);
    assert.deepEqual(tagMap(await listTags('instance', { resourceId: [x] }), x), {});
    await remove('instance', x, [{ key: 'legacy-env' }]);  // a tag it no longer has: fine
    body = await describeTags({ resourceType: 'instance', resourceId: x });
    assert.deepEqual([body.TotalCount, body.Tags.Tag], [0, []]);

    const tooMany = Array.from({ length: 21 }, (_, i) => ({ key: `t${i}`, value: 'x' }));
    await h.checkAll({
      'AddTags unknown resource': () => expectError(add('instance', 'i-doesnotexist', [{ key: 'a', value: 'b' }]), 'InvalidResourceId.NotFound', 404),
      'AddTags unknown type': () => expectError(add('spaceship', x, [{ key: 'a', value: 'b' }]), 'InvalidResourceType.NotFound', 404),
      'AddTags 21 tags': () => expectError(add('instance', x, tooMany), 'InvalidTagCount', 400),
      'AddTags reserved key': () => expectError(add('instance', x, [{ key: 'acs:x', value: 'b' }]), 'InvalidTagKey.Malformed', 400),
      'AddTags value without key': () => expectError(add('instance', x, [{ value: 'b' }]), 'InvalidTagKey.Malformed', 400),
      'AddTags without ResourceId': () => expectError(ecs.addTags(new Ecs.AddTagsRequest({ regionId: REGION, resourceType: 'instance', tag: [new Ecs.AddTagsRequestTag({ key: 'a', value: 'b' })] })), 'MissingParameter', 400),
      'RemoveTags unknown resource': () => expectError(remove('disk', 'd-doesnotexist', [{ key: 'a' }]), 'InvalidResourceId.NotFound', 404),
      'DescribeTags unknown type': () => expectError(describeTags({ resourceType: 'spaceship' }), 'InvalidResourceType.NotFound', 404),
      'DescribeTags unknown resource': () => expectError(describeTags({ resourceType: 'instance', resourceId: 'i-doesnotexist' }), 'InvalidResourceId.NotFound', 404),
    });
    assert.deepEqual(tagMap(await listTags('instance', { resourceId: [x] }), x), {}, 'refused calls changed nothing');
  });
});
