'use strict';
// many_hosts.js — the control plane with many hosts (issue 20): launches to Running on one
// embedded host, then on N hosts simulated by one `ecsd agent --simulate-hosts N` process, in
// the same run, printed side by side.
//
// Usage: node bench/many_hosts.js [--hosts 1000] [--calls 10] [--amount 100] [--delay-ms 0]
//                                 [--parallel] [--host-vcpus N] [--bin build/bin/ecsd]
//
// Each side: a fresh `ecsd dev` (SQLite), a VPC with a /16 vSwitch, `calls` RunInstances of
// Amount=`amount` (one after another, or all at once with --parallel), then DescribeInstances
// until all are Running. Prints RunInstances latency, instances/s to Running, the server's pulls
// by result (service/agent_service.h) per instance launched, and the VmRSS of ecsd and of the
// agent process. Then, on the quiet cloud, five StopInstance calls one at a time, 3 s apart: ms
// until Stopped, which is how long the host's agent takes to hear of a change. Hosts get --host-vcpus vCPUs each (default: room for twice the instances).
const { h, parseArgs, summary, fmt, fmtSummary, rssOf, nowMs, startEcsd } = require('./common');

const { Ecs, REGION, wire } = h;

// The pulls by result, and the bytes of desired state answered by form (whole | delta: what
// an HTTP agent gets; the embedded agent takes states in memory).
async function pulls(server) {
  const r = await h.httpRequest({ port: server.port, method: 'GET', path: '/metrics' });
  const out = { changed: 0, full: 0, unchanged: 0, error: 0, whole: 0, delta: 0 };
  for (const m of r.body.matchAll(/^openecs_agent_pull_requests_total\{result="(\w+)"\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
  for (const m of r.body.matchAll(/^openecs_agent_desired_bytes_total\{form="(\w+)"\} (\S+)$/gm)) out[m[1]] = Number(m[2]);
  return out;
}

// CPU seconds (user + system) a process has used.
function cpuOf(pid) {
  const f = require('fs').readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

async function side(opt, hosts) {
  const sim = hosts > 1;
  // The one host has the room of all the simulated ones.
  const extraArgs = sim ? ['--no-local-agent'] : ['--fake-host-vcpus', String(opt.hostVcpus * Number(opt.hosts))];
  const server = await startEcsd({ bin: opt.bin, delayMs: opt.delayMs, extraArgs });
  let agents = null;
  try {
    const ecs = h.ecsClient(server, { readTimeout: 120000, connectTimeout: 60000 });
    const t_reg = nowMs();
    if (sim) {
      agents = new h.AgentProcess(server, 'sim', ['--simulate-hosts', String(hosts), '--fake-host-vcpus', String(opt.hostVcpus),
        '--fake-delay-ms', String(opt.delayMs)]);
      await h.waitFor(async () => ((await h.operatorCall(server, 'GET', 'hosts')).Hosts || []).length === hosts,
        600000, 500, `${hosts} hosts registered`);
    }
    const registered = nowMs() - t_reg;
    const network = await h.createNetwork(ecs, h.vpcClient(server), { vpcCidr: '172.16.0.0/12', vswCidr: '172.16.0.0/16', name: 'many' });
    const tag = [{ key: 'bench', value: `many-${Date.now()}` }];
    const calls = Number(opt.calls), amount = Number(opt.amount), n = calls * amount;
    const before = await pulls(server);
    const cpu0 = cpuOf(server.pid);
    const lat = [];
    const one = async () => {
      const s = nowMs();
      await h.runInstances(ecs, network, { amount, tag });
      lat.push(nowMs() - s);
    };
    const t0 = nowMs();
    if (opt.parallel) await Promise.all(Array.from({ length: calls }, one));
    else for (let i = 0; i < calls; i++) await one();
    await h.waitFor(async () => {
      const body = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, status: 'Running', tag, pageSize: 1 })));
      return body.TotalCount >= n;
    }, 1800000, 100, `${n} instances Running`);
    const secs = (nowMs() - t0) / 1000;
    const after = await pulls(server);
    const cpu = cpuOf(server.pid) - cpu0;
    // On a quiet cloud, one instance at a time: StopInstance until DescribeInstances says Stopped.
    // How long the agent of its host takes to hear of it.
    const all = [];
    for (let page = 1; all.length < Math.min(n, 5); page++) {
      const body = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, tag, pageSize: 5, pageNumber: page })));
      all.push(...body.Instances.Instance.map((i) => i.InstanceId));
    }
    const stops = [];
    for (const id of all.slice(0, 5)) {
      await h.sleep(3000);
      const s = nowMs();
      await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, forceStop: true }));
      await h.waitStatus(ecs, [id], 'Stopped', 600000);
      stops.push(nowMs() - s);
    }
    const used = sim ? ((await h.operatorCall(server, 'GET', 'hosts')).Hosts || []).filter((x) => x.UsedVcpus > 0).length : 1;
    return {
      hosts, used, n, secs, lat: summary(lat), registered, stops: summary(stops), cpu,
      pulls: Object.fromEntries(Object.keys(after).map((k) => [k, after[k] - before[k]])),
      ecsdMiB: rssOf(server.pid).rssKb / 1024,
      agentMiB: agents ? rssOf(agents.child.pid).rssKb / 1024 : 0,
    };
  } finally {
    if (agents) await agents.stop();
    await server.destroy();
  }
}

async function main() {
  const opt = parseArgs({ hosts: 1000, calls: 10, amount: 100, delayMs: 0, parallel: false, hostVcpus: 0 });
  // Room for twice the instances (1 vCPU each), so the scheduler has a choice.
  opt.hostVcpus = Number(opt.hostVcpus) || Math.max(4, 2 * Math.ceil((opt.calls * opt.amount) / opt.hosts));
  const rows = [await side(opt, 1), await side(opt, Number(opt.hosts))];
  console.log(`${opt.calls} x RunInstances Amount=${opt.amount} (${opt.parallel ? 'parallel' : 'sequential'}), fake delay ${opt.delayMs} ms, SQLite`);
  const col = (r) => `${r.hosts} host${r.hosts > 1 ? 's' : ''}`;
  const line = (label, f) => console.log(`${label.padEnd(34)}${rows.map((r) => String(f(r)).padStart(22)).join('')}`);
  line('', col);
  line('hosts registered after (s)', (r) => fmt(r.registered / 1000));
  line('hosts given instances', (r) => r.used);
  line('instances to Running /s', (r) => fmt(r.n / r.secs));
  line('all Running after (s)', (r) => fmt(r.secs));
  line('RunInstances p50 / p99 (ms)', (r) => `${fmt(r.lat.p50)} / ${fmt(r.lat.p99)}`);
  line('ecsd CPU s per 1000 launched', (r) => fmt((r.cpu * 1000) / r.n));
  line('pulls changed per instance', (r) => fmt(r.pulls.changed / r.n));
  line('quiet StopInstance to Stopped p50/max', (r) => `${fmt(r.stops.p50)} / ${fmt(r.stops.max)}`);
  line('pulls full / unchanged', (r) => `${r.pulls.full} / ${r.pulls.unchanged}`);
  line('desired KiB whole / delta', (r) => `${fmt(r.pulls.whole / 1024)} / ${fmt(r.pulls.delta / 1024)}`);
  line('ecsd VmRSS (MiB)', (r) => fmt(r.ecsdMiB));
  line('agent process VmRSS (MiB)', (r) => (r.agentMiB ? fmt(r.agentMiB) : 'embedded'));
}

main().catch((e) => { console.error(e); process.exit(1); });
