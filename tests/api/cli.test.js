'use strict';
// The `ecs` CLI: any action as `ecs <Action> --Param value`, signed with the credentials file
// that `ecsd dev` writes; JSON on stdout; on an API error a non-zero exit with the code and
// message on stderr.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const h = require('./helpers');

const CLI = process.env.ECS_BIN || path.resolve(__dirname, '../../build/bin/ecs');
let server;

// Runs the CLI with only the data dir to go on (no AccessKey in the environment).
function ecs(...args) {
  const env = { ...process.env, OPENECS_DATA_DIR: server.dataDir };
  delete env.OPENECS_ACCESS_KEY_ID;
  delete env.OPENECS_ACCESS_KEY_SECRET;
  const r = spawnSync(CLI, args, { env, encoding: 'utf8', timeout: 15000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

before(async () => { server = await h.startServer({ delayMs: 50 }); });
after(async () => { if (server) await server.destroy(); });

test('reads the credentials file and prints the JSON reply', () => {
  const r = ecs('DescribeRegions');
  assert.equal(r.code, 0, r.err);
  const body = JSON.parse(r.out);
  assert.equal(body.Regions.Region[0].RegionId, h.REGION);
});

test('creates a network and an instance with flattened parameters', () => {
  const vpc = ecs('CreateVpc', '--CidrBlock', '10.0.0.0/16', '--VpcName', 'cli-vpc');
  assert.equal(vpc.code, 0, vpc.err);
  const vpcId = JSON.parse(vpc.out).VpcId;
  const vsw = ecs('CreateVSwitch', '--VpcId', vpcId, '--ZoneId', h.ZONE_A, '--CidrBlock', '10.0.1.0/24');
  assert.equal(vsw.code, 0, vsw.err);
  const sg = ecs('CreateSecurityGroup', '--VpcId', vpcId);
  assert.equal(sg.code, 0, sg.err);
  const run = ecs('RunInstances', '--ImageId', h.IMAGE, '--InstanceType', h.SMALL_TYPE,
    '--VSwitchId', JSON.parse(vsw.out).VSwitchId, '--SecurityGroupId', JSON.parse(sg.out).SecurityGroupId,
    '--Tag.1.Key', 'made-by', '--Tag.1.Value', 'cli');
  assert.equal(run.code, 0, run.err);
  const [id] = JSON.parse(run.out).InstanceIdSets.InstanceIdSet;
  const list = ecs('DescribeInstances', `--InstanceIds=["${id}"]`);
  assert.equal(list.code, 0, list.err);
  const inst = JSON.parse(list.out).Instances.Instance[0];
  assert.equal(inst.InstanceId, id);
  assert.deepEqual(inst.Tags.Tag, [{ TagKey: 'made-by', TagValue: 'cli' }]);
});

test('an API error exits non-zero with the code and message on stderr', () => {
  const r = ecs('StopInstance', '--InstanceId', 'i-doesnotexist');
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.match(r.err, /^InvalidInstanceId\.NotFound: .*HTTP 404/);
});

test('an instance the platform released says why: its system event follows the NotFound', async () => {
  const vpcId = JSON.parse(ecs('CreateVpc', '--CidrBlock', '10.1.0.0/16').out).VpcId;
  const vswId = JSON.parse(ecs('CreateVSwitch', '--VpcId', vpcId, '--ZoneId', h.ZONE_A, '--CidrBlock', '10.1.1.0/24').out).VSwitchId;
  const sgId = JSON.parse(ecs('CreateSecurityGroup', '--VpcId', vpcId).out).SecurityGroupId;
  await server.injectFault('spawn', 1);
  const run = ecs('RunInstances', '--ImageId', h.IMAGE, '--InstanceType', h.SMALL_TYPE, '--VSwitchId', vswId, '--SecurityGroupId', sgId);
  assert.equal(run.code, 0, run.err);
  const [id] = JSON.parse(run.out).InstanceIdSets.InstanceIdSet;
  let r;
  await h.waitFor(async () => (r = ecs('DescribeInstanceAttribute', '--InstanceId', id)).code === 1, 10000, 100, 'the instance released');
  assert.match(r.err, /^InvalidInstanceId\.NotFound: /);
  assert.match(r.err, /\n  event \S+ SystemFailure\.Delete: The instance could not be created on its host and was released \(spawn: fake hypervisor: injected failure in spawn\)/);
});

test('usage errors exit 2', () => {
  assert.equal(ecs().code, 2);
  assert.equal(ecs('DescribeRegions', 'stray').code, 2);
});
