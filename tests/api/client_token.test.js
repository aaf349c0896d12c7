'use strict';
// ClientToken under retries and crashes (issue 13's M3): concurrent retries with one token make
// one set of resources; a call whose changes were committed but whose answer was lost to a
// crash answers a retry with the same ids (the token is committed with the creation); a token's
// parameters are fixed.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, Vpc, REGION, wire, expectError } = h;

let server, ecs, vpc, net;
const reconnect = () => { ecs = h.ecsClient(server); vpc = h.vpcClient(server); };
before(async () => {
  server = await h.startServer({ delayMs: 20 });
  reconnect();
  net = await h.createNetwork(ecs, vpc, { name: 'tokens' });
});
after(async () => { if (server) await server.destroy(); });

const byTag = async (value) => wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({
  regionId: REGION, tag: [{ key: 'token-test', value }], pageSize: 100,
}))).TotalCount;

test('eight concurrent retries with one token make one set of instances, and all get its ids', async () => {
  const token = `conc-${h.nonce()}`.slice(0, 60);
  const params = { amount: 2, clientToken: token, tag: [{ key: 'token-test', value: token }] };
  const answers = await Promise.all(Array.from({ length: 8 }, () => h.runInstances(h.ecsClient(server), net, params)));
  for (const ids of answers) assert.deepEqual(ids, answers[0]);
  assert.equal(await byTag(token), 2, 'two instances, not sixteen');
});

test('a creation committed before a crash lost its answer: the retry answers with the same ids', async () => {
  const token = `crash-${h.nonce()}`.slice(0, 60);
  const params = { amount: 2, clientToken: token, tag: [{ key: 'token-test', value: token }] };
  const ids = await h.runInstances(ecs, net, params);
  const vpcToken = `vpc-${h.nonce()}`.slice(0, 60);
  const createVpc = () => vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '10.77.0.0/16', clientToken: vpcToken }));
  const madeVpc = wire(await createVpc());
  await server.stop();
  // What a kill -9 between the commit and the recording of the answer leaves: the token's
  // record pending, with what the call made (committed together by Cloud::Write).
  const pending = server.storeSql({
    sqlite: "UPDATE docs SET body = json_set(body, '$.pending', json('true'), '$.response', '') WHERE kind = 'idempotency';"
      + "SELECT count(*) FROM docs WHERE kind = 'idempotency' AND json_extract(body, '$.pending') = 1;",
    postgres: "UPDATE docs SET body = (body::jsonb || '{\"pending\": true, \"response\": \"\"}')::text WHERE kind = 'idempotency';"
      + "SELECT count(*) FROM docs WHERE kind = 'idempotency' AND (body::jsonb->>'pending')::boolean;",
  });
  assert.ok(Number(pending.trim()) >= 2);
  await server.start();
  reconnect();
  assert.deepEqual(await h.runInstances(ecs, net, params), ids, 'the same instances');
  assert.equal(await byTag(token), 2, 'no second set');
  const again = wire(await createVpc());
  assert.deepEqual([again.VpcId, again.VRouterId, again.RouteTableId], [madeVpc.VpcId, madeVpc.VRouterId, madeVpc.RouteTableId]);
  assert.equal(wire(await vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: REGION, pageSize: 50 }))).Vpcs.Vpc
    .filter((v) => v.CidrBlock === '10.77.0.0/16').length, 1, 'one VPC');
  // Answered once from the pending record, it is an ordinary record now (and survives a restart).
  await server.restart({ kill: true });
  reconnect();
  assert.deepEqual(await h.runInstances(ecs, net, params), ids);
  await expectError(h.runInstances(ecs, net, { ...params, amount: 3 }), 'IdempotentParameterMismatch', 400);
});

test('a call that fails forgets its token: the retry with valid input runs', async () => {
  const token = `fail-${h.nonce()}`.slice(0, 60);
  const params = { amount: 1, clientToken: token, tag: [{ key: 'token-test', value: token }] };
  await expectError(h.runInstances(ecs, net, { ...params, instanceType: 'ecs.nope' }), 'InvalidInstanceType.ValueNotSupported');
  const ids = await h.runInstances(ecs, net, params);  // other parameters, same token: not a mismatch
  assert.equal(ids.length, 1);
  assert.deepEqual(await h.runInstances(ecs, net, params), ids);
});
