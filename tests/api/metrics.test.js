'use strict';
// ecsd's own metrics (issue 18): GET /metrics in Prometheus's text format 0.0.4, on the API
// listener for loopback callers (unsigned, like /openecs/health) and on `--metrics-listen`, in
// `ecsd dev` (API and embedded agent in one scrape) and `ecsd agent`. SDK calls that succeed and
// fail move openecs_api_requests_total by product, action and code; an unknown action counts as
// "unknown"; a guest's life shows in the instance gauges and the agent's driver and reconcile
// histograms; a remote agent serves its own metrics and the server sees its pulls. Every line
// of every scrape parses (a comment or `name{labels} value`, each sample of a declared family).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const h = require('./helpers');

const { Ecs, REGION, wire } = h;
let server;
let ecs;
let vpc;
let remote;

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})? (-?[0-9.eE+-]+|\+Inf|-Inf|NaN)$/;

// The text as a Map of `name{labels}` -> value, failing on any line that is not a HELP, a TYPE
// or a sample of a family a TYPE line declared before it.
function parse(text) {
  const samples = new Map();
  const types = new Map();
  assert.ok(text.endsWith('\n'), 'the text ends with a newline');
  for (const line of text.slice(0, -1).split('\n')) {
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      assert.ok(!types.has(type[1]), `family ${type[1]} declared twice`);
      types.set(type[1], type[2]);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m = SAMPLE.exec(line);
    assert.ok(m, `not a comment or a sample: ${JSON.stringify(line)}`);
    const family = types.has(m[1]) ? m[1] : m[1].replace(/_(bucket|sum|count)$/, '');
    assert.ok(types.has(family), `sample of an undeclared family: ${line}`);
    const key = m[1] + (m[2] || '');
    assert.ok(!samples.has(key), `series ${key} twice`);
    samples.set(key, Number(m[3].replace('+Inf', 'Infinity').replace('-Inf', '-Infinity')));
  }
  return { samples, types };
}

async function scrape(port = server.port) {
  const r = await h.httpRequest({ port, path: '/metrics' });
  assert.equal(r.status, 200, r.body);
  assert.match(r.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  return parse(r.body);
}

const value = (s, key) => s.samples.get(key) ?? 0;
const requests = (product, action, code) =>
  `openecs_api_requests_total{product="${product}",action="${action}",code="${code}"}`;

before(async () => {
  server = await h.startServer();
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
});
after(async () => {
  if (remote) {
    remote.kill('SIGTERM');
    await remote.exitPromise;
  }
  if (server) await server.destroy();
});

test('API calls are counted by product, action and code, and timed', async () => {
  const before = await scrape();
  assert.equal(before.types.get('openecs_api_requests_total'), 'counter');
  assert.equal(before.types.get('openecs_api_request_duration_seconds'), 'histogram');

  await ecs.describeRegions(new Ecs.DescribeRegionsRequest({}));
  await ecs.describeRegions(new Ecs.DescribeRegionsRequest({}));
  await h.expectError(ecs.describeInstanceAttribute(new Ecs.DescribeInstanceAttributeRequest({
    instanceId: 'i-doesnotexist000000',
  })), 'InvalidInstanceId.NotFound', 404);
  await h.expectError(vpc.describeVpcs(new h.Vpc.DescribeVpcsRequest({
    regionId: 'no-such-region',
  })), /^InvalidRegionId/, [400, 404]);
  // An action nobody registered: counted, but under "unknown" (callers cannot grow the labels).
  const bogus = await h.rawV1(server, 'NoSuchActionAtAll', { RegionId: REGION });
  assert.equal(bogus.status, 404);
  assert.equal(bogus.json.Code, 'InvalidAction.NotFound');

  const after = await scrape();
  const moved = (key) => value(after, key) - value(before, key);
  assert.equal(moved(requests('ecs', 'DescribeRegions', 'OK')), 2);
  assert.equal(moved(requests('ecs', 'DescribeInstanceAttribute', 'InvalidInstanceId.NotFound')), 1);
  const regionCode = [...after.samples.keys()].find((k) => k.startsWith('openecs_api_requests_total{product="vpc",action="DescribeVpcs",code="InvalidRegionId'));
  assert.ok(regionCode, 'the VPC call is counted under product vpc with its error code');
  assert.equal(moved(regionCode), 1);
  assert.equal(moved(requests('ecs', 'unknown', 'InvalidAction.NotFound')), 1);
  assert.ok(![...after.samples.keys()].some((k) => k.includes('NoSuchActionAtAll')));
  const count = 'openecs_api_request_duration_seconds_count{product="ecs",action="DescribeRegions"}';
  assert.equal(moved(count), 2);
  const inf = 'openecs_api_request_duration_seconds_bucket{product="ecs",action="DescribeRegions",le="+Inf"}';
  assert.equal(value(after, inf), value(after, count));
  assert.ok(value(after, 'openecs_api_request_duration_seconds_sum{product="ecs",action="DescribeRegions"}') > 0);
  // Scrapes are not API calls.
  assert.ok(![...after.samples.keys()].some((k) => k.includes('action="metrics"')));
});

test('a guest shows in the instance gauges and in the embedded agent\'s histograms', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'metrics' });
  const before = await scrape();
  for (const f of ['openecs_instances', 'openecs_instance_operations', 'openecs_tasks', 'openecs_agent_guests',
    'openecs_host_contact_age_seconds']) {
    assert.equal(before.types.get(f), 'gauge', f);
  }
  for (const f of ['openecs_agent_pull_duration_seconds', 'openecs_agent_reconcile_lag_seconds',
    'openecs_agent_driver_operation_duration_seconds']) {
    assert.equal(before.types.get(f), 'histogram', f);
  }
  assert.ok(value(before, 'openecs_agent_pull_duration_seconds_count') > 0, 'the embedded agent pulls');
  assert.ok(['changed', 'full', 'unchanged'].reduce(
    (n, r) => n + value(before, `openecs_agent_pull_requests_total{result="${r}"}`), 0) > 0, 'the server counts the pulls');
  assert.equal(value(before, 'openecs_tasks{status="Processing"}'), 0);

  const [id] = await h.runRunning(ecs, net);
  const running = await scrape();
  assert.equal(value(running, 'openecs_instances{status="Running"}') - value(before, 'openecs_instances{status="Running"}'), 1);
  assert.equal(value(running, 'openecs_agent_guests{power="running"}') - value(before, 'openecs_agent_guests{power="running"}'), 1);
  const ops = (s, op) => value(s, `openecs_agent_driver_operation_duration_seconds_count{operation="${op}"}`);
  assert.ok(ops(running, 'spawn') - ops(before, 'spawn') >= 1);
  assert.ok(ops(running, 'power_on') - ops(before, 'power_on') >= 1);
  // The fake driver takes 50 ms per operation: the pass that started the guest lasted at least
  // that (a change, or a full sync if one came first).
  const lag = (s) => value(s, 'openecs_agent_reconcile_lag_seconds_sum{trigger="change"}')
    + value(s, 'openecs_agent_reconcile_lag_seconds_sum{trigger="full_sync"}');
  assert.ok(lag(running) - lag(before) >= 0.05, `reconcile lag ${lag(running) - lag(before)}`);

  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }));
  await h.waitStatus(ecs, [id], 'Stopped');
  const stopped = await scrape();
  assert.ok(ops(stopped, 'power_off') - ops(running, 'power_off') >= 1);
  assert.equal(value(stopped, 'openecs_instances{status="Stopped"}') - value(running, 'openecs_instances{status="Stopped"}'), 1);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id }));
  await h.waitGone(ecs, [id]);
});

test('the API listener serves /metrics to loopback callers only, as a GET', async () => {
  const r = await h.httpRequest({ port: server.port, method: 'POST', path: '/metrics' });
  assert.equal(r.status, 405);
  // From another address (127.0.0.2 is not the loopback caller the server admits): refused as
  // the /openecs/ routes are, and the metrics stay unread.
  const other = await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: '/metrics', localAddress: '127.0.0.2', agent: false },
      (res) => {
        let body = '';
        res.on('data', (c) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode, body }));
      });
    req.on('error', reject);
    req.end();
  });
  assert.equal(other.status, 404, other.body);
  assert.equal(JSON.parse(other.body).Code, 'InvalidAction.NotFound');
  assert.ok(!other.body.includes('openecs_'));
});

test('ecsd agent --metrics-listen serves the agent\'s own metrics; the server sees its pulls', async () => {
  const port = await h.freePort();
  const dataDir = path.join(server.root, 'agent-metrics');
  const logFile = path.join(server.root, 'agent-metrics.log');
  const log = fs.openSync(logFile, 'a');
  remote = spawn(h.BIN, ['agent', '--server', `http://${server.endpoint}`,
    '--token-file', path.join(server.dataDir, 'agent-token'), '--zone', h.ZONE_B, '--name', 'metrics-host',
    '--driver', 'fake', '--fake-delay-ms', '50', '--data-dir', dataDir, '--metrics-listen', `127.0.0.1:${port}`],
  { stdio: ['ignore', log, log] });
  fs.closeSync(log);
  remote.exitPromise = new Promise((resolve) => remote.on('exit', resolve));
  const pulled = await h.waitFor(async () => {
    try {
      const s = await scrape(port);
      return value(s, 'openecs_agent_pull_duration_seconds_count') >= 2 ? s : null;
    } catch { return null; }
  }, 15000, 200, `the agent's /metrics (log: ${logFile})`);
  assert.equal(value(pulled, 'openecs_agent_guests{power="running"}'), 0);
  assert.equal(value(pulled, 'openecs_agent_pull_failures_total'), 0);
  // Only the agent's families: no API ones in its process.
  assert.ok(![...pulled.types.keys()].some((f) => f.startsWith('openecs_api_')));
  const other = await h.httpRequest({ port, path: '/' });
  assert.equal(other.status, 404);

  const seen = await scrape();
  const age = seen.samples.get('openecs_host_contact_age_seconds{host="metrics-host"}');
  assert.ok(age !== undefined && age < 5, `the server saw the host lately (age ${age})`);
});
