// The audit trail (issue 18): every authenticated call is recorded with its caller, parameters
// (secrets masked), outcome, RequestId and source, and ActionTrail's LookupEvents (2020-07-06,
// through @alicloud/pop-core's RPC client, as ActionTrail's own SDK is not on npm) finds it.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

const { Ecs, REGION } = h;
let server, ecs, trail;

async function lookup(params) {
  return trail.request('LookupEvents', { RegionId: REGION, ...params }, { method: 'POST' });
}
const attr = (key, value, n = 1) => ({ [`LookupAttribute.${n}.Key`]: key, [`LookupAttribute.${n}.Value`]: value });

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  trail = h.popClient(server, { apiVersion: '2020-07-06' });
});
after(async () => { if (server) await server.destroy(); });

test('calls are recorded with caller, masked parameters, outcome and source, and LookupEvents finds them', async () => {
  const net = await h.createNetwork(ecs, h.vpcClient(server));
  const run = h.wire(await ecs.runInstances(new Ecs.RunInstancesRequest({
    regionId: REGION, imageId: h.IMAGE, instanceType: h.SMALL_TYPE, vSwitchId: net.vSwitchId,
    securityGroupId: net.securityGroupId, password: 'Secr3t!Passw0rd', instanceName: 'audited',
  })));
  const id = run.InstanceIdSets.InstanceIdSet[0];
  await h.expectError(ecs.describeInstanceAttribute(new Ecs.DescribeInstanceAttributeRequest({
    instanceId: 'i-nothere0000000000',
  })), 'InvalidInstanceId.NotFound', 404);

  const found = await lookup(attr('EventName', 'RunInstances'));
  assert.equal(found.Events.length, 1, JSON.stringify(found));
  const e = found.Events[0];
  assert.equal(e.eventName, 'RunInstances');
  assert.equal(e.requestId, run.RequestId);
  assert.equal(e.eventRW, 'Write');
  assert.equal(e.serviceName, 'Ecs');
  assert.equal(e.apiVersion, '2014-05-26');
  assert.equal(e.sourceIpAddress, '127.0.0.1');
  assert.equal(e.userIdentity.type, 'root-account');
  assert.equal(e.userIdentity.accessKeyId, server.ak);
  assert.equal(e.requestParameters.Password, '******', 'the password is not kept');
  assert.equal(e.requestParameters.InstanceName, 'audited');
  assert.equal(e.requestParameters.Signature, undefined);
  assert.ok(e.resourceName.includes(net.vSwitchId), e.resourceName);
  assert.equal(e.errorCode, undefined);
  assert.ok(!JSON.stringify(found).includes('Secr3t'), 'the secret appears nowhere');

  const failed = (await lookup(attr('EventName', 'DescribeInstanceAttribute'))).Events[0];
  assert.equal(failed.errorCode, 'InvalidInstanceId.NotFound');
  assert.equal(failed.eventRW, 'Read');

  // By resource, by read/write, and paged.
  const byResource = await lookup(attr('ResourceName', net.vSwitchId));
  assert.ok(byResource.Events.some((x) => x.eventName === 'RunInstances'), 'RunInstances named the vSwitch');
  assert.ok(byResource.Events.every((x) => x.resourceName.split(';').includes(net.vSwitchId)));
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, forceStop: true }));
  assert.deepEqual((await lookup(attr('ResourceName', id))).Events.map((x) => x.eventName), ['StopInstance']);
  const writes = await lookup({ ...attr('EventRW', 'Write'), MaxResults: 50 });
  assert.ok(writes.Events.length >= 3, 'CreateVpc, CreateVSwitch, CreateSecurityGroup, RunInstances');
  assert.ok(writes.Events.every((x) => x.eventRW === 'Write'));
  const page1 = await lookup({ MaxResults: 2 });
  assert.equal(page1.Events.length, 2);
  assert.ok(page1.NextToken);
  const page2 = await lookup({ MaxResults: 2, NextToken: page1.NextToken });
  assert.ok(page2.Events.length >= 1);
  const ids1 = page1.Events.map((x) => x.eventId);
  assert.ok(page2.Events.every((x) => !ids1.includes(x.eventId)), 'pages do not overlap');
  // Newest first.
  assert.ok(page1.Events[0].eventTime >= page1.Events[1].eventTime);
  await assert.rejects(lookup(attr('Colour', 'blue')), /InvalidParameter/);
});

test('ecsd audit export writes the trail as JSON Lines, oldest first, secrets masked', async () => {
  const { execFileSync } = require('node:child_process');
  const before = new Date(Date.now() - 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: REGION, keyPairName: 'export-kp' }));
  await h.expectError(ecs.deleteKeyPairs(new Ecs.DeleteKeyPairsRequest({ regionId: REGION, keyPairNames: 'not json' })), 'InvalidParameter', 400);
  let lines;
  await h.waitFor(() => {
    const out = execFileSync(h.BIN, ['audit', 'export', '--data-dir', server.dataDir, '--since', before], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    lines = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    return lines.some((e) => e.eventName === 'DeleteKeyPairs');
  }, 10000, 200, 'the calls exported');
  const times = lines.map((e) => Date.parse(e.eventTime));
  assert.deepEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
  const made = lines.find((e) => e.eventName === 'CreateKeyPair');
  assert.equal(made.requestParameters.KeyPairName, 'export-kp');
  assert.equal(made.eventRW, 'Write');
  assert.equal(made.userIdentity.accessKeyId, h.AK);
  const failed = lines.find((e) => e.eventName === 'DeleteKeyPairs');
  assert.equal(failed.errorCode, 'InvalidParameter');
  // Only a window: --until before these calls gives none of them.
  const none = execFileSync(h.BIN, ['audit', 'export', '--data-dir', server.dataDir, '--until', '2001-01-01T00:00:00Z'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  assert.equal(none.trim(), '');
});
