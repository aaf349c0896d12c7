'use strict';
// authz.js — what authorization costs per call: the server-side handling time
// (x-openecs-handler-us) of the same signed request made by the account's own key (no policy
// evaluation) and by a RAM user whose policies are evaluated on every call (a system policy, a
// custom policy with several statements and a tag condition, and a group's policy).
//
// Usage: node bench/authz.js [--requests 2000] [--instances 100]
// Prints p50/p90/p99 per identity and action; asserts nothing.
const { h, parseArgs, summary } = require('./common');

const args = parseArgs({ requests: 2000, instances: 100 });

async function timed(server, action, params, n) {
  const lat = [];
  for (let i = 0; i < n; i++) {
    const r = await h.rawV1(server, action, params);
    if (r.status !== 200) throw new Error(`${action}: ${r.status} ${r.body.slice(0, 200)}`);
    lat.push(Number(r.headers['x-openecs-handler-us']) / 1000);
  }
  return summary(lat);
}

const fmt = (s) => `p50 ${s.p50.toFixed(3)} ms  p90 ${s.p90.toFixed(3)} ms  p99 ${s.p99.toFixed(3)} ms  (n=${s.n})`;

(async () => {
  const server = await h.startServer({ delayMs: 0 });
  try {
    const ecs = h.ecsClient(server);
    const ram = h.ramClient(server);
    const net = await h.createNetwork(ecs, h.vpcClient(server));
    for (let left = Number(args.instances); left > 0; left -= 100) {
      await h.runInstances(ecs, net, { amount: Math.min(100, left), tag: [new h.Ecs.RunInstancesRequestTag({ key: 'env', value: 'dev' })] });
    }
    await ram.createUser(new h.Ram.CreateUserRequest({ userName: 'bench' }));
    await ram.createGroup(new h.Ram.CreateGroupRequest({ groupName: 'bench-group' }));
    await ram.addUserToGroup(new h.Ram.AddUserToGroupRequest({ userName: 'bench', groupName: 'bench-group' }));
    await ram.attachPolicyToGroup(new h.Ram.AttachPolicyToGroupRequest({ groupName: 'bench-group', policyName: 'AliyunVPCReadOnlyAccess', policyType: 'System' }));
    await ram.createPolicy(new h.Ram.CreatePolicyRequest({
      policyName: 'bench-policy',
      policyDocument: JSON.stringify({ Version: '1', Statement: [
        { Effect: 'Allow', Action: ['ecs:Describe*', 'ecs:List*'], Resource: 'acs:ecs:*:*:*' },
        { Effect: 'Deny', Action: 'ecs:Delete*', Resource: '*', Condition: { StringEquals: { 'ecs:tag/env': 'prod' } } },
        { Effect: 'Allow', Action: 'ecs:*Instance*', Resource: 'acs:ecs:*:*:instance/*', Condition: { IpAddress: { 'acs:SourceIp': ['127.0.0.0/8', '10.0.0.0/8'] } } },
      ] }),
    }));
    await ram.attachPolicyToUser(new h.Ram.AttachPolicyToUserRequest({ userName: 'bench', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
    await ram.attachPolicyToUser(new h.Ram.AttachPolicyToUserRequest({ userName: 'bench', policyName: 'bench-policy', policyType: 'Custom' }));
    const key = h.wire(await ram.createAccessKey(new h.Ram.CreateAccessKeyRequest({ userName: 'bench' }))).AccessKey;
    const user = { ...server, ak: key.AccessKeyId, secret: key.AccessKeySecret, port: server.port, endpoint: server.endpoint };
    const one = h.wire(await ecs.describeInstances(new h.Ecs.DescribeInstancesRequest({ regionId: h.REGION, pageSize: 1 }))).Instances.Instance[0].InstanceId;

    const n = Number(args.requests);
    console.log(`# ${args.instances} instances; ${n} sequential requests per row; server-side time (x-openecs-handler-us)`);
    for (const [action, params] of [
      ['DescribeRegions', {}],
      ['DescribeInstances', { RegionId: h.REGION, PageSize: '100' }],
      ['DescribeInstanceAttribute', { InstanceId: one }],
    ]) {
      await timed(server, action, params, 50);  // warm up
      const root = await timed(server, action, params, n);
      const ramUser = await timed(user, action, params, n);
      console.log(`${action.padEnd(26)} account key: ${fmt(root)}`);
      console.log(`${''.padEnd(26)} RAM user:    ${fmt(ramUser)}   (+${(ramUser.p50 - root.p50).toFixed(3)} ms at p50)`);
    }
  } finally {
    await server.destroy();
  }
})().catch((e) => { console.error(e); process.exit(1); });
