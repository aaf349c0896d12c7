'use strict';
// Authentication and the wire protocol: ACS3 (typed SDK default), v1 via openapi-core
// (signatureAlgorithm v2) and pop-core (GET and POST form), signature and AccessKey errors,
// nonce replay, expired timestamps, tampering, the error envelope, and Format=XML.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, Vpc, REGION, wire, expectError, expectPopError } = h;

let server;

before(async () => {
  server = await h.startServer({ delayMs: 50 });
});
after(async () => { if (server) await server.destroy(); });

describe('signing schemes that must work', () => {
  test('typed ECS SDK (ACS3-HMAC-SHA256)', async () => {
    const res = await h.ecsClient(server).describeRegions(new Ecs.DescribeRegionsRequest({}));
    assert.ok(wire(res).Regions.Region.some((r) => r.RegionId === REGION));
  });

  test('typed VPC SDK (ACS3, version 2016-04-28) on the same endpoint', async () => {
    const res = await h.vpcClient(server).describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION }));
    assert.ok(Array.isArray(wire(res).Vpcs.Vpc));
  });

  test('typed SDK with signatureAlgorithm v2 (v1 HMAC-SHA1, Format=json lowercase)', async () => {
    const ecs = h.ecsClient(server, { signatureAlgorithm: 'v2' });
    const res = await ecs.describeZones(new Ecs.DescribeZonesRequest({ regionId: REGION }));
    assert.equal(wire(res).Zones.Zone.length, 2);
  });

  test('pop-core RPCClient GET and POST (v1)', async () => {
    const pop = h.popClient(server);
    const viaGet = await pop.request('DescribeRegions', {}, { timeout: 10000 });
    assert.ok(viaGet.RequestId);
    assert.ok(viaGet.Regions.Region.some((r) => r.RegionId === REGION));
    assert.equal(viaGet.Code, undefined, 'success bodies carry no Code');
    const viaPost = await pop.request('DescribeInstanceTypes', { InstanceTypes: ['ecs.g7.large'] }, { method: 'POST', timeout: 10000 });
    assert.deepEqual(viaPost.InstanceTypes.InstanceType.map((t) => t.InstanceTypeId), ['ecs.g7.large']);
  });

  test('pop-core against the VPC API version', async () => {
    const pop = h.popClient(server, { apiVersion: h.VPC_VERSION });
    const v = await pop.request('CreateVpc', { RegionId: REGION, CidrBlock: '10.0.0.0/8', VpcName: 'pop-vpc' }, { method: 'POST', timeout: 10000 });
    assert.match(v.VpcId, /^vpc-/);
    const d = await pop.request('DescribeVpcs', { RegionId: REGION, VpcId: v.VpcId }, { timeout: 10000 });
    assert.equal(d.Vpcs.Vpc[0].VpcName, 'pop-vpc');
  });

  test('pop-core surfaces API errors by Code', async () => {
    const pop = h.popClient(server);
    const e = await expectPopError(pop.request('DescribeInstanceAttribute', { InstanceId: 'i-doesnotexist' }, { timeout: 10000 }),
      'InvalidInstanceId.NotFound');
    assert.ok(e.data.RequestId);
  });

  test('hand-signed v1 GET with non-ASCII and reserved characters in values', async () => {
    const r = await h.rawV1(server, 'DescribeInstances', { RegionId: REGION, InstanceName: "my vm*(1)!~ ü'" });
    assert.equal(r.status, 200, r.body);
    assert.equal(r.json.TotalCount, 0);
  });
});

describe('signature and credential errors', () => {
  test('wrong secret: SignatureDoesNotMatch (400) — ACS3, v1 SDK, pop-core', async () => {
    await expectError(h.ecsClient(server, { secret: 'wrongSecret' }).describeRegions(new Ecs.DescribeRegionsRequest({})),
      'SignatureDoesNotMatch', 400);
    await expectError(h.ecsClient(server, { secret: 'wrongSecret', signatureAlgorithm: 'v2' }).describeRegions(new Ecs.DescribeRegionsRequest({})),
      'SignatureDoesNotMatch', 400);
    await expectPopError(h.popClient(server, { secret: 'wrongSecret' }).request('DescribeRegions', {}, { timeout: 10000 }),
      'SignatureDoesNotMatch');
  });

  test('unknown AccessKeyId: InvalidAccessKeyId.NotFound (404)', async () => {
    await expectError(h.ecsClient(server, { ak: 'nobodyAK' }).describeRegions(new Ecs.DescribeRegionsRequest({})),
      'InvalidAccessKeyId.NotFound', 404);
    await expectError(h.ecsClient(server, { ak: 'nobodyAK', signatureAlgorithm: 'v2' }).describeRegions(new Ecs.DescribeRegionsRequest({})),
      'InvalidAccessKeyId.NotFound', 404);
    await expectPopError(h.popClient(server, { ak: 'nobodyAK' }).request('DescribeRegions', {}, { timeout: 10000 }),
      'InvalidAccessKeyId.NotFound');
  });

  test('v1 nonce replay: SignatureNonceUsed', async () => {
    const q = h.v1Query('DescribeRegions', {}, { ak: server.ak, secret: server.secret });
    const send = () => h.httpRequest({ port: server.port, path: `/?${q}`, headers: { host: server.endpoint } });
    const first = await send();
    assert.equal(first.status, 200, first.body);
    const second = await send();
    assert.equal(second.status, 400, second.body);
    assert.equal(second.json.Code, 'SignatureNonceUsed');
  });

  test('ACS3 nonce replay: SignatureNonceUsed', async () => {
    // The same signed request again: same nonce, same x-acs-date (the server keeps nonces by
    // signed time, api/nonce_window.h; a nonce with another date is another signed request).
    const same = { nonce: 'f'.repeat(64), date: h.isoNow() };
    const first = await h.rawAcs3(server, 'DescribeRegions', {}, same);
    assert.equal(first.status, 200, first.body);
    const second = await h.rawAcs3(server, 'DescribeRegions', {}, same);
    assert.equal(second.status, 400, second.body);
    assert.equal(second.json.Code, 'SignatureNonceUsed');
  });

  test('ACS3: every x-acs-* header must be signed (IncompleteSignature); other headers need not be', async () => {
    const added = await h.rawAcs3(server, 'DescribeRegions', {}, { unsignedHeaders: { 'x-acs-security-token': 'forged' } });
    assert.equal(added.status, 400, added.body);
    assert.equal(added.json.Code, 'IncompleteSignature');
    assert.match(added.json.Message, /x-acs-security-token must be signed/);
    const other = await h.rawAcs3(server, 'DescribeRegions', {}, { unsignedHeaders: { 'user-agent': 'a proxy' } });
    assert.equal(other.status, 200, other.body);
  });

  test('a nonce used before a restart (even a kill -9) cannot be replayed after it', async () => {
    const same = { nonce: `replay-${h.nonce()}`, timestamp: h.isoNow() };
    assert.equal((await h.rawV1(server, 'DescribeRegions', {}, same)).status, 200);
    const acs3Same = { nonce: `replay3-${h.nonce()}`, date: h.isoNow() };
    assert.equal((await h.rawAcs3(server, 'DescribeRegions', {}, acs3Same)).status, 200);
    await server.restart({ kill: true });
    const again = await h.rawV1(server, 'DescribeRegions', {}, same);
    assert.equal(again.status, 400, again.body);
    assert.equal(again.json.Code, 'SignatureNonceUsed');
    const again3 = await h.rawAcs3(server, 'DescribeRegions', {}, acs3Same);
    assert.equal(again3.json.Code, 'SignatureNonceUsed');
    assert.equal((await h.rawV1(server, 'DescribeRegions', {})).status, 200, 'fresh nonces still pass');
  });

  test('expired timestamps: InvalidTimeStamp.Expired', async () => {
    const v1 = await h.rawV1(server, 'DescribeRegions', {}, { timestamp: h.isoNow(-60 * 60 * 1000) });
    assert.equal(v1.status, 400, v1.body);
    assert.equal(v1.json.Code, 'InvalidTimeStamp.Expired');
    const acs3 = await h.rawAcs3(server, 'DescribeRegions', {}, { date: h.isoNow(-60 * 60 * 1000) });
    assert.equal(acs3.status, 400, acs3.body);
    assert.equal(acs3.json.Code, 'InvalidTimeStamp.Expired');
    const future = await h.rawV1(server, 'DescribeRegions', {}, { timestamp: h.isoNow(60 * 60 * 1000) });
    assert.equal(future.status, 400, future.body);
  });

  test('tampered parameters: SignatureDoesNotMatch', async () => {
    const q = h.v1Query('DescribeZones', { RegionId: REGION }, { ak: server.ak, secret: server.secret });
    const r = await h.httpRequest({ port: server.port, path: `/?${q.replace('RegionId=local', 'RegionId=other')}`, headers: { host: server.endpoint } });
    assert.equal(r.status, 400, r.body);
    assert.equal(r.json.Code, 'SignatureDoesNotMatch');
    const a = await h.rawAcs3(server, 'DescribeZones', { RegionId: REGION }, { tamper: (q2) => ({ ...q2, RegionId: 'other' }) });
    assert.equal(a.status, 400, a.body);
    assert.equal(a.json.Code, 'SignatureDoesNotMatch');
  });

  test('anonymous request is refused', async () => {
    const r = await h.httpRequest({ port: server.port, path: `/?Action=DescribeRegions&Version=${h.ECS_VERSION}&Format=JSON`, headers: { host: server.endpoint } });
    assert.equal(r.status, 400, r.body);
    assert.ok(['MissingParameter', 'IncompleteSignature'].includes(r.json.Code) || /^MissingParameter/.test(r.json.Code), r.body);
  });

  test('unknown action and unknown version are refused', async () => {
    const r = await h.rawV1(server, 'LaunchRockets', { RegionId: REGION });
    assert.ok([400, 403, 404].includes(r.status), r.body);
    assert.match(r.json.Code, /^InvalidAction/);
    const v = await h.rawV1(server, 'DescribeRegions', {}, { version: '2099-01-01' });
    assert.ok(v.status >= 400 && v.status < 500, v.body);
  });
});

describe('envelopes', () => {
  test('error envelope: JSON with RequestId, HostId, Code, Message', async () => {
    const e = await expectError(h.ecsClient(server).describeInstanceAttribute(new Ecs.DescribeInstanceAttributeRequest({ instanceId: 'i-doesnotexist' })),
      'InvalidInstanceId.NotFound', 404);
    assert.ok(e.requestId, 'requestId surfaced by the SDK');
    assert.equal(e.data.Code, 'InvalidInstanceId.NotFound');
    assert.equal(typeof e.data.Message, 'string');
    assert.ok(e.data.Message.length > 0);
    assert.ok(e.data.HostId, 'HostId present');
    const raw = await h.rawV1(server, 'DescribeInstanceAttribute', { InstanceId: 'i-doesnotexist' });
    assert.equal(raw.status, 404);
    assert.match(raw.headers['content-type'], /application\/json/);
    assert.equal(raw.json.Code, 'InvalidInstanceId.NotFound');
    assert.equal(raw.json.RequestId.length > 0, true);
  });

  test('success envelope: JSON, RequestId, no Code', async () => {
    const raw = await h.rawV1(server, 'DescribeRegions', {});
    assert.equal(raw.status, 200);
    assert.match(raw.headers['content-type'], /application\/json/);
    assert.ok(raw.json.RequestId);
    assert.equal(raw.json.Code, undefined);
    assert.ok(Array.isArray(raw.json.Regions.Region), 'lists are wrapped: Regions.Region[]');
  });

  test('RequestIds are unique per request', async () => {
    const a = await h.rawV1(server, 'DescribeRegions', {});
    const b = await h.rawV1(server, 'DescribeRegions', {});
    assert.notEqual(a.json.RequestId, b.json.RequestId);
  });

  test('Format=XML returns an XML document', async () => {
    const r = await h.rawV1(server, 'DescribeRegions', {}, { format: 'XML' });
    assert.equal(r.status, 200, r.body);
    assert.match(r.headers['content-type'], /xml/);
    assert.match(r.body, /<DescribeRegionsResponse[\s>]/);
    assert.match(r.body, /<RegionId>local<\/RegionId>/);
    assert.match(r.body, /<RequestId>[^<]+<\/RequestId>/);
    const e = await h.rawV1(server, 'DescribeZones', { RegionId: 'mars-north-1' }, { format: 'XML' });
    assert.equal(e.status, 404, e.body);
    assert.match(e.body, /<Code>InvalidRegionId\.NotFound<\/Code>/);
  });
});
