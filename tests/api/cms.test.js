// CloudMonitor (issue 18) through the official SDK (@alicloud/cms20190101): the
// acs_ecs_dashboard metrics of an emulated instance (DescribeMetricList, DescribeMetricLast),
// and an alarm rule on its CPU that posts to a webhook on this machine's loopback when the
// alert is raised and when it clears.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const Cms = require('@alicloud/cms20190101');
const h = require('./helpers');

const { REGION } = h;
let server, ecs, cms, network, hook, hookPort;
const posts = [];

const operator = (method, route) => h.operatorCall(server, method, route);
const advance = (seconds) => operator('POST', `clock/advance?seconds=${seconds}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      posts.push({ path: req.url, type: req.headers['content-type'], fields: Object.fromEntries(new URLSearchParams(body)) });
      res.end('ok');
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  hookPort = hook.address().port;
  server = await h.startServer({
    delayMs: 0, extraArgs: ['--test-clock', '--metrics-interval-ms', '200', '--webhook-allow', '127.0.0.1/32'],
  });
  ecs = h.ecsClient(server);
  const { $OpenApiUtil } = h;
  cms = new Cms.default(new $OpenApiUtil.Config({
    accessKeyId: server.ak, accessKeySecret: server.secret, endpoint: server.endpoint, protocol: 'HTTP',
  }));
  network = await h.createNetwork(ecs, h.vpcClient(server));
});
after(async () => {
  if (server) await server.destroy();
  if (hook) hook.close();
});

test('DescribeMetricList and DescribeMetricLast answer the dashboard metrics of an instance', async () => {
  const [id] = await h.runRunning(ecs, network, { internetMaxBandwidthOut: 5 });
  await h.minuteAt(server, ecs, id, 40);
  const dims = JSON.stringify([{ instanceId: id }]);
  const list = h.wire(await cms.describeMetricList(new Cms.DescribeMetricListRequest({
    namespace: 'acs_ecs_dashboard', metricName: 'CPUUtilization', dimensions: dims, period: '60',
  })));
  assert.equal(list.Code, '200');
  assert.equal(list.Success, true);
  assert.equal(list.Period, '60');
  const points = JSON.parse(list.Datapoints);
  assert.ok(points.length >= 1, list.Datapoints);
  const last = points[points.length - 1];
  assert.equal(last.instanceId, id);
  assert.equal(typeof last.timestamp, 'number');
  assert.equal(last.timestamp % 60000, 0);
  assert.ok(Math.abs(last.Average - 40) < 1.5, JSON.stringify(last));
  assert.ok(last.Minimum <= last.Average && last.Average <= last.Maximum);
  const out = JSON.parse(h.wire(await cms.describeMetricLast(new Cms.DescribeMetricLastRequest({
    namespace: 'acs_ecs_dashboard', metricName: 'InternetOutRate', dimensions: dims,
  }))).Datapoints);
  assert.equal(out.length, 1, 'the latest point only');
  assert.ok(out[0].Average > 0, 'bits per second out through its public address');
  // Without dimensions: every instance of the caller; a paged answer gives a NextToken.
  const paged = h.wire(await cms.describeMetricList(new Cms.DescribeMetricListRequest({
    namespace: 'acs_ecs_dashboard', metricName: 'CPUUtilization', length: '1',
  })));
  assert.equal(JSON.parse(paged.Datapoints).length, 1);
  if (points.length > 1) assert.ok(paged.NextToken);
  await h.expectError(cms.describeMetricList(new Cms.DescribeMetricListRequest({
    namespace: 'acs_rds_dashboard', metricName: 'CpuUsage',
  })), 'InvalidParameter', 400);
  await h.expectError(cms.describeMetricList(new Cms.DescribeMetricListRequest({
    namespace: 'acs_ecs_dashboard', metricName: 'CPUUtilization', startTime: '2026-01-02 00:00:00', endTime: '2026-01-01 00:00:00',
  })), 'InvalidParameter', 400);
});

test('an alarm rule posts ALERT to its webhook when the CPU passes the threshold, and OK when it falls back', async () => {
  const [id] = await h.runRunning(ecs, network);
  await h.minuteAt(server, ecs, id, 90);  // from here on every sample is at 90 %
  await cms.putResourceMetricRule(new Cms.PutResourceMetricRuleRequest({
    ruleId: 'cpu-high', ruleName: 'CPU over 80', namespace: 'acs_ecs_dashboard', metricName: 'CPUUtilization',
    resources: JSON.stringify([{ instanceId: id }]), contactGroups: 'ops', period: '60',
    webhook: `http://127.0.0.1:${hookPort}/alarm`,
    escalations: new Cms.PutResourceMetricRuleRequestEscalations({
      critical: new Cms.PutResourceMetricRuleRequestEscalationsCritical({
        statistics: 'Average', comparisonOperator: 'GreaterThanThreshold', threshold: '80', times: 1,
      }),
    }),
  }));
  await sleep(1200);
  await advance(60);
  await h.waitFor(() => posts.some((p) => p.fields.alertState === 'ALERT'), 10000, 200, 'an ALERT post');
  const alert = posts.find((p) => p.fields.alertState === 'ALERT');
  assert.equal(alert.path, '/alarm');
  assert.equal(alert.type, 'application/x-www-form-urlencoded');
  assert.equal(alert.fields.ruleId, 'cpu-high');
  assert.equal(alert.fields.metricName, 'CPUUtilization');
  assert.equal(alert.fields.triggerLevel, 'CRITICAL');
  assert.ok(Number(alert.fields.curValue) > 80, alert.fields.curValue);
  assert.match(alert.fields.dimensions, new RegExp(id));
  const listed = h.wire(await cms.describeMetricRuleList(new Cms.DescribeMetricRuleListRequest({ ruleIds: 'cpu-high' })));
  assert.equal(listed.Alarms.Alarm.length, 1);
  assert.equal(listed.Alarms.Alarm[0].AlertState, 'ALARM');
  assert.equal(listed.Alarms.Alarm[0].EnableState, true);
  assert.equal(listed.Alarms.Alarm[0].Escalations.Critical.Threshold, '80');

  // The load falls: the next minute clears it.
  await h.minuteAt(server, ecs, id, 5);
  await h.waitFor(() => posts.some((p) => p.fields.alertState === 'OK'), 10000, 200, 'an OK post');
  assert.equal(posts.filter((p) => p.fields.alertState === 'ALERT').length, 1, 'one alert, not one a minute');

  await cms.disableMetricRules(new Cms.DisableMetricRulesRequest({ ruleId: ['cpu-high'] }));
  const disabled = h.wire(await cms.describeMetricRuleList(new Cms.DescribeMetricRuleListRequest({ ruleIds: 'cpu-high' })));
  assert.equal(disabled.Alarms.Alarm[0].EnableState, false);
  await cms.deleteMetricRules(new Cms.DeleteMetricRulesRequest({ id: ['cpu-high'] }));
  const gone = h.wire(await cms.describeMetricRuleList(new Cms.DescribeMetricRuleListRequest({})));
  assert.equal(gone.Alarms.Alarm.length, 0);
  await h.expectError(cms.deleteMetricRules(new Cms.DeleteMetricRulesRequest({ id: ['cpu-high'] })), 'InvalidParameter', 400);
  await h.expectError(cms.putResourceMetricRule(new Cms.PutResourceMetricRuleRequest({
    ruleId: 'x', ruleName: 'x', namespace: 'acs_ecs_dashboard', metricName: 'CPUUtilization', contactGroups: 'ops',
    resources: JSON.stringify([{ instanceId: 'i-nothere0000000000' }]),
    escalations: new Cms.PutResourceMetricRuleRequestEscalations({
      critical: new Cms.PutResourceMetricRuleRequestEscalationsCritical({ statistics: 'Average', comparisonOperator: 'GreaterThanThreshold', threshold: '80', times: 1 }),
    }),
  })), 'InvalidInstanceId.NotFound', 404);
});
