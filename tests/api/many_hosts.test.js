'use strict';
// Many hosts on one server (issue 20): `ecsd agent --simulate-hosts N` runs N emulated hosts in
// one process, each registered on its own and pulling over HTTP from its own loopback address.
// A commit wakes only the agents it concerns (service/host_wake.h): an instance's start, stop
// and its host's reports wake that host, not the others, and the long-polls of all N wait at
// once without holding a server thread each (service/pull_waiters.h). Before, every commit
// woke every host's pull, and only 8 pulls could wait at a time.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs } = h;

const HOSTS = 24;  // three times the server's 8 blocking threads
let server, ecs, net, agents;

async function hosts() {
  return (await h.operatorCall(server, 'GET', 'hosts')).Hosts || [];
}
// openecs_agent_desired_bytes_total by form (whole | delta), from the server's /metrics.
async function desiredBytes() {
  const r = await h.httpRequest({ port: server.port, method: 'GET', path: '/metrics' });
  const out = { whole: 0, delta: 0 };
  for (const m of r.body.matchAll(/^openecs_agent_desired_bytes_total\{form="(\w+)"\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}
// openecs_agent_pull_requests_total by result, from the server's /metrics.
async function pulls() {
  const r = await h.httpRequest({ port: server.port, method: 'GET', path: '/metrics' });
  assert.equal(r.status, 200);
  const out = { changed: 0, full: 0, unchanged: 0, error: 0 };
  for (const m of r.body.matchAll(/^openecs_agent_pull_requests_total\{result="(\w+)"\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

before(async () => {
  server = await h.startServer({ extraArgs: ['--no-local-agent'] });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'many' });
  agents = new h.AgentProcess(server, 'sim', ['--simulate-hosts', String(HOSTS), '--fake-host-vcpus', '4']);
  await h.waitFor(async () => (await hosts()).length === HOSTS, 30000, 200, `${HOSTS} simulated hosts`);
});
after(async () => {
  if (agents) await agents.stop();
  if (server) await server.destroy();
});

test('simulated hosts register one by one and take instances; a stop wakes only its own host', async () => {
  const list = await hosts();
  const names = list.map((x) => x.Name).sort();
  assert.equal(new Set(names).size, HOSTS);
  assert.equal(names[0], 'sim-0001');
  assert.equal(names[HOSTS - 1], `sim-${String(HOSTS).padStart(4, '0')}`);

  // Twelve 4-vCPU instances need twelve hosts: each lands on its own and runs there.
  const ids = await h.runRunning(ecs, net, { instanceType: 'ecs.c7.xlarge', amount: 12 });
  assert.equal(ids.length, 12);
  const used = (await hosts()).filter((x) => x.UsedVcpus === 4);
  assert.equal(used.length, 12, 'one instance per host');

  // Every host's long-poll waits at the same time: an idle second answers no pull early.
  await h.sleep(1500);
  const idle0 = await pulls();
  await h.sleep(2000);
  const idle1 = await pulls();
  assert.equal(idle1.changed - idle0.changed, 0, 'nothing changed, nobody woken');

  // A stop: the request, the host's Stopping and Stopped reports are commits. Each wakes the
  // instance's host alone; before, each woke all 24.
  const p0 = await pulls();
  const b0 = await desiredBytes();
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: ids[0] }));
  await h.waitStatus(ecs, [ids[0]], 'Stopped', 20000);
  const p1 = await pulls();
  const b1 = await desiredBytes();
  const woken = p1.changed - p0.changed;
  assert.ok(woken >= 1 && woken <= 6, `pulls woken by one stop: ${woken} (one host's)`);
  assert.equal(p1.error, p0.error);
  // What the woken pulls carried: deltas of the state the host holds (its one instance's
  // change), not its whole state again.
  assert.ok(b1.delta > b0.delta, `the stop was answered as deltas: ${JSON.stringify([b0, b1])}`);

  // A security group change concerns only the hosts that build VPCs (none here): the merged
  // rules are all it shapes. A new vSwitch concerns every host.
  const g0 = await pulls();
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({
    regionId: h.REGION, securityGroupId: net.securityGroupId, ipProtocol: 'tcp', portRange: '80/80', sourceCidrIp: '0.0.0.0/0',
  }));
  await h.sleep(1000);
  assert.equal((await pulls()).changed - g0.changed, 0, 'no host woken by a rule change');
  const v0 = await pulls();
  await h.createVSwitch(h.vpcClient(server), net.vpcId, '192.168.9.0/24');
  await h.waitFor(async () => (await pulls()).changed - v0.changed >= HOSTS, 10000, 100, 'every host woken by a new vSwitch');

  // The stopped instance starts again on its host; the rest keep running.
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: ids[0] }));
  await h.waitStatus(ecs, ids, 'Running', 20000);
});
