'use strict';
// Metadata service options (emulator mode): RunInstances HttpEndpoint/HttpTokens and
// ModifyInstanceMetadataOptions show in DescribeInstances MetadataOptions; bad values get the
// ECS codes and change nothing. (What guests see: tests/system/net.test.js.)
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
before(async () => {
  server = await h.startServer();
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc, { name: 'md' });
});
after(async () => { if (server) await server.destroy(); });

const optionsOf = async (id) => (await h.describeInstance(ecs, id)).MetadataOptions;
const modify = (p) => ecs.modifyInstanceMetadataOptions(new Ecs.ModifyInstanceMetadataOptionsRequest({ regionId: REGION, ...p }));

test('metadata options at creation and after', async () => {
  const [plain] = await h.runRunning(ecs, net);
  assert.deepEqual(await optionsOf(plain), { HttpEndpoint: 'enabled', HttpTokens: 'optional', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'disabled' });

  const [hardened] = await h.runInstances(ecs, net, { httpTokens: 'required', httpPutResponseHopLimit: 2 });
  assert.deepEqual(await optionsOf(hardened), { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: 2, InstanceMetadataTags: 'disabled' });

  await modify({ instanceId: plain, httpTokens: 'required' });
  assert.equal((await optionsOf(plain)).HttpTokens, 'required');
  await modify({ instanceId: plain, httpEndpoint: 'disabled' });
  assert.deepEqual(await optionsOf(plain), { HttpEndpoint: 'disabled', HttpTokens: 'required', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'disabled' });
  await modify({ instanceId: plain, httpEndpoint: 'enabled', httpTokens: 'optional' });
  assert.deepEqual(await optionsOf(plain), { HttpEndpoint: 'enabled', HttpTokens: 'optional', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'disabled' });
});

test('bad metadata options are refused and change nothing', async () => {
  const [id] = await h.runRunning(ecs, net);
  await expectError(modify({ instanceId: id, httpTokens: 'always' }), 'InvalidHttpTokens.NotSupported', 400);
  await expectError(modify({ instanceId: id, httpEndpoint: 'on' }), 'InvalidHttpEndpoint.NotSupported', 400);
  await expectError(modify({ instanceId: id, httpPutResponseHopLimit: 65 }), 'InvalidHttpPutResponseHopLimit.NotSupported', 400);
  await expectError(modify({ instanceId: 'i-doesnotexist', httpTokens: 'required' }), 'InvalidInstanceId.NotFound', 404);
  assert.deepEqual(await optionsOf(id), { HttpEndpoint: 'enabled', HttpTokens: 'optional', HttpPutResponseHopLimit: 1, InstanceMetadataTags: 'disabled' });

  const before = (await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100 })).then(wire)).TotalCount;
  await expectError(h.runInstances(ecs, net, { httpTokens: 'sometimes' }), 'InvalidHttpTokens.NotSupported', 400);
  await expectError(h.runInstances(ecs, net, { httpEndpoint: 'maybe' }), 'InvalidHttpEndpoint.NotSupported', 400);
  const after = (await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, pageSize: 100 })).then(wire)).TotalCount;
  assert.equal(after, before, 'a refused RunInstances makes nothing');
});
