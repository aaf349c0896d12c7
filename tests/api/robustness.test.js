'use strict';
// "No input produces a 500": every action OpenECS serves gets malformed, missing, oversized
// and hostile parameters (deterministic pseudo-random mix). Every answer must be a well-formed
// ECS reply: 2xx with a RequestId, or a 4xx error envelope with Code/Message/RequestId — never a
// 5xx, a dropped connection or a non-JSON body. The server must still answer afterwards.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

const ECS_ACTIONS = [
  'DescribeRegions', 'DescribeZones', 'DescribeInstanceTypes', 'DescribeInstanceTypeFamilies',
  'DescribeAvailableResource', 'DescribeImages', 'CreateVpc', 'DescribeVpcs', 'DeleteVpc',
  'CreateVSwitch', 'DescribeVSwitches', 'DeleteVSwitch', 'CreateSecurityGroup',
  'DescribeSecurityGroups', 'DescribeSecurityGroupAttribute', 'AuthorizeSecurityGroup',
  'AuthorizeSecurityGroupEgress', 'RevokeSecurityGroup', 'RevokeSecurityGroupEgress',
  'DeleteSecurityGroup', 'RunInstances', 'CreateInstance', 'DescribeInstances',
  'DescribeInstanceStatus', 'DescribeInstancesFullStatus', 'DescribeInstanceAttribute',
  'StartInstance', 'StartInstances', 'StopInstance', 'StopInstances', 'RebootInstance',
  'RebootInstances', 'DeleteInstance', 'DeleteInstances', 'ModifyInstanceAttribute',
  'DescribeUserData', 'DescribeDisks', 'CreateKeyPair', 'ImportKeyPair', 'DescribeKeyPairs',
  'DeleteKeyPairs', 'TagResources', 'UntagResources', 'ListTagResources',
];
const VPC_ACTIONS = ['CreateVpc', 'DescribeVpcs', 'ModifyVpcAttribute', 'DeleteVpc', 'CreateVSwitch',
  'DescribeVSwitches', 'DeleteVSwitch'];

const PARAMS = ['RegionId', 'ZoneId', 'InstanceId', 'InstanceIds', 'InstanceId.1', 'InstanceId.2',
  'VpcId', 'VSwitchId', 'SecurityGroupId', 'SecurityGroupIds.1', 'ImageId', 'InstanceType',
  'Amount', 'MinAmount', 'PageNumber', 'PageSize', 'MaxResults', 'NextToken', 'CidrBlock',
  'PrivateIpAddress', 'PrivateIpAddresses', 'Status', 'Tag.1.Key', 'Tag.1.Value', 'Tag.99999.Key',
  'DataDisk.1.Size', 'DataDisk.1.Category', 'SystemDisk.Size', 'SystemDisk.Category',
  'InstanceChargeType', 'Period', 'PeriodUnit', 'SpotStrategy', 'SpotPriceLimit', 'UserData',
  'Password', 'HostName', 'InstanceName', 'KeyPairName', 'KeyPairNames', 'PublicKeyBody',
  'IpProtocol', 'PortRange', 'SourceCidrIp', 'DestCidrIp', 'Policy', 'Priority', 'NicType',
  'Permissions.1.IpProtocol', 'Permissions.1.PortRange', 'Permissions.1.Priority',
  'SecurityGroupRuleId.1', 'ResourceType', 'ResourceId.1', 'TagKey.1', 'All', 'DryRun', 'Force',
  'ForceStop', 'StoppedMode', 'BatchOptimization', 'DeletionProtection', 'ClientToken',
  'DestinationResource', 'Direction', 'InternetMaxBandwidthOut', 'DiskIds', 'Generation',
  'Cores', 'Memory', 'MinimumCpuCoreCount', 'ImageOwnerAlias'];

const VALUES = ['', ' ', 'true', 'false', 'TRUE', 'yes', '0', '-1', '1', '99999999999999999999',
  '1e309', 'NaN', '3.5', '[]', '[1,2]', '["i-x"', '{"a":1}', 'null', '\u0000', '%', '%%zz',
  '../../etc/passwd', '<xml>&amp;', "'; DROP TABLE docs; --", 'local', 'local-a', 'local-z',
  '10.0.0.0/8', '192.168.1.0/33', '300.1.1.1', '-1/-1', '22/22', '65535/1', 'a/b', 'TCP', 'ALL',
  'accept', 'drop', 'i-doesnotexist', 'vpc-nope', 'sg-nope', 'ecs.g7.large', 'ecs.nope',
  'debian_12_tiny_x64_openecs', 'PrePaid', 'Week', 'SpotWithPriceLimit', 'StopCharging',
  'SuccessFirst', 'instance', 'disk', 'InstanceType', 'x'.repeat(5000), '\u4e2d\u6587\u540d',
  'aGVsbG8=', '!!!notbase64', 'Abcdefg1!', 'ssh-rsa AAAA', 'http://evil'];

// Small deterministic PRNG so a failure can be replayed.
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

let server;
before(async () => { server = await h.startServer({ delayMs: 0 }); });
after(async () => { if (server) await server.destroy(); });

test('no parameter mix yields a 5xx or a malformed reply', async () => {
  const rand = rng(20261127);
  const pick = (arr) => arr[Math.floor(rand() * arr.length)];
  const cases = [];
  for (const action of ECS_ACTIONS) cases.push([action, h.ECS_VERSION]);
  for (const action of VPC_ACTIONS) cases.push([action, h.VPC_VERSION]);
  let calls = 0;
  for (const [action, version] of cases) {
    for (let round = 0; round < 25; round++) {
      const params = {};
      const n = Math.floor(rand() * 8);
      if (rand() < 0.8) params.RegionId = 'local';
      for (let i = 0; i < n; i++) params[pick(PARAMS)] = pick(VALUES);
      const method = rand() < 0.5 ? 'GET' : 'POST';
      const r = await h.rawV1(server, action, params, { version, method });
      calls++;
      const what = `${action} ${method} ${JSON.stringify(params).slice(0, 300)}`;
      assert.ok(r.status < 500, `${what} -> HTTP ${r.status} ${r.body.slice(0, 300)}`);
      assert.ok(r.json, `${what} -> non-JSON body: ${r.body.slice(0, 200)}`);
      assert.ok(r.json.RequestId, `${what} -> no RequestId`);
      if (r.status >= 400) {
        assert.equal(typeof r.json.Code, 'string', `${what} -> error without Code`);
        assert.equal(typeof r.json.Message, 'string', `${what} -> error without Message`);
      } else {
        assert.equal(r.json.Code, undefined, `${what} -> success body carries a Code`);
      }
    }
  }
  assert.ok(calls >= 1000);
  // Still alive and consistent.
  const ok = await h.rawV1(server, 'DescribeInstances', { RegionId: 'local', PageSize: 100 });
  assert.equal(ok.status, 200);
});

test('malformed HTTP requests get a 4xx, not a crash', async () => {
  const cases = [
    { method: 'PUT', path: '/' },
    { method: 'GET', path: '/?Action=DescribeRegions' },
    { method: 'GET', path: '/?%zz=%' },
    { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '&&&==&=' },
    { method: 'POST', path: '/', headers: { authorization: 'ACS3-HMAC-SHA256 garbage' } },
    { method: 'POST', path: '/', headers: { authorization: 'ACS3-HMAC-SHA256 Credential=testAK,SignedHeaders=host,Signature=00', 'x-acs-date': 'yesterday' } },
    { method: 'GET', path: '/openecs/nothing-here' },
  ];
  for (const c of cases) {
    const r = await h.httpRequest({ port: server.port, ...c, headers: { host: server.endpoint, ...(c.headers || {}) } });
    assert.ok(r.status >= 400 && r.status < 500, `${c.method} ${c.path} -> ${r.status} ${r.body.slice(0, 200)}`);
    assert.ok(r.json && r.json.Code, `${c.method} ${c.path} -> ${r.body.slice(0, 200)}`);
  }
});
