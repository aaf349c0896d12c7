// Monitoring (issue 18): the emulator's guests report counters (the fake hypervisor makes them
// up at a load the test sets), the server keeps 60/600/3600 s points, and the ECS monitoring
// actions answer them through the official SDK. A test clock (`--test-clock`) closes minutes
// and periods without waiting for them.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');

const { Ecs, Vpc, REGION } = h;
let server, ecs, vpc, network;

const operator = (method, route) => h.operatorCall(server, method, route);
const advance = (seconds) => operator('POST', `clock/advance?seconds=${seconds}`);
const cloudNow = async () => Date.parse((await operator('GET', 'clock')).Now) / 1000;
const iso = (s) => new Date(s * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));


// The last `minutes` of the cloud's clock.
async function window(minutes, period = 60) {
  const now = await cloudNow();
  return { startTime: iso(now - minutes * 60), endTime: iso(now), period };
}

async function instancePoints(instanceId, minutes = 10, period = 60) {
  const r = h.wire(await ecs.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
    instanceId, ...(await window(minutes, period)),
  })));
  return r.MonitorData.InstanceMonitorData;
}


before(async () => {
  server = await h.startServer({
    delayMs: 0, extraArgs: ['--test-clock', '--metrics-interval-ms', '200'],
  });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  network = await h.createNetwork(ecs, vpc);
});
after(async () => { if (server) await server.destroy(); });

test('an instance\'s CPU, disk I/O and traffic reach DescribeInstanceMonitorData and DescribeDiskMonitorData', async () => {
  const [id] = await h.runRunning(ecs, network, {
    internetMaxBandwidthOut: 10,
    dataDisk: [new Ecs.RunInstancesRequestDataDisk({ size: 20, category: 'cloud_essd' })],
  });
  const p = await h.minuteAt(server, ecs, id, 70);
  assert.equal(p.InstanceId, id);
  assert.match(p.TimeStamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:00Z$/);
  assert.ok(p.IOPSRead > 0 && p.BPSRead > 0 && p.IOPSWrite > 0, JSON.stringify(p));
  assert.ok(p.IntranetRX > 0 && p.IntranetTX > 0, JSON.stringify(p));
  assert.ok(p.InternetRX > 0 && p.InternetTX > 0 && p.InternetBandwidth > 0, 'it has a public address');

  // Its load changes: a later minute shows it.
  const later = await h.minuteAt(server, ecs, id, 10);
  assert.ok(Date.parse(later.TimeStamp) > Date.parse(p.TimeStamp), 'a later minute');

  // Each disk on its own, with its latency.
  const disks = h.wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: REGION, instanceId: id })));
  assert.equal(disks.Disks.Disk.length, 2);
  for (const d of disks.Disks.Disk) {
    const r = h.wire(await ecs.describeDiskMonitorData(new Ecs.DescribeDiskMonitorDataRequest({
      diskId: d.DiskId, ...(await window(10)),
    })));
    const dp = r.MonitorData.DiskMonitorData;
    assert.ok(dp.length >= 2, `${d.DiskId}: ${JSON.stringify(r)}`);
    assert.equal(r.TotalCount, dp.length);
    const last = dp[dp.length - 1];
    assert.equal(last.DiskId, d.DiskId);
    assert.equal(last.IOPSTotal, last.IOPSRead + last.IOPSWrite);
    assert.equal(last.LatencyRead, 200);  // the fake disk takes 200 us a read
    assert.equal(last.LatencyWrite, 400);
  }

  // Ten minutes later the 600 s rollups hold those minutes, and the CPU is their average: never
  // above the highest load, and the 70 % and 10 % minutes together are well above the lower.
  await advance(600);
  const tens = await instancePoints(id, 60, 600);
  assert.ok(tens.length >= 1, 'a 600 s point');
  const cpu = tens.map((t) => t.CPU);
  assert.ok(cpu.every((c) => c <= 71) && Math.max(...cpu) > 12, `averages of the minutes: ${cpu}`);

  // A stopped instance has no points for the time it is stopped.
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id }));
  await h.waitStatus(ecs, [id], 'Stopped');
  await advance(60);  // the minute it stopped in ends
  const before = (await instancePoints(id, 60)).length;
  await sleep(600);
  await advance(120);
  assert.equal((await instancePoints(id, 60)).length, before, 'no point while stopped');
});

test('ENI and EIP traffic reach DescribeEniMonitorData and DescribeEipMonitorData', async () => {
  const created = h.wire(await ecs.createInstance(new Ecs.CreateInstanceRequest({
    regionId: REGION, imageId: h.IMAGE, instanceType: 'ecs.g7.large',
    vSwitchId: network.vSwitchId, securityGroupId: network.securityGroupId,
  })));
  const id = created.InstanceId;
  await h.waitStatus(ecs, [id], 'Stopped');
  const eni = h.wire(await ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
    regionId: REGION, vSwitchId: network.vSwitchId, securityGroupId: network.securityGroupId,
  }))).NetworkInterfaceId;
  await ecs.attachNetworkInterface(new Ecs.AttachNetworkInterfaceRequest({
    regionId: REGION, networkInterfaceId: eni, instanceId: id,
  }));
  const eip = h.wire(await vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION, bandwidth: '10' })));
  await vpc.associateEipAddress(new Vpc.AssociateEipAddressRequest({
    regionId: REGION, allocationId: eip.AllocationId, instanceId: id,
  }));
  await ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id }));
  await h.waitStatus(ecs, [id], 'Running');
  // Samples come every 200 ms; a minute's point is written once the clock ends that minute.
  // Under load the first samples of a started guest may come late: end minutes until both the
  // interface and the address have a point with traffic (at most 8).
  const eniPoints = async () => h.wire(await ecs.describeEniMonitorData(new Ecs.DescribeEniMonitorDataRequest({
    regionId: REGION, instanceId: id, ...(await window(10)),
  })));
  const eipPoints = async () => h.wire(await ecs.describeEipMonitorData(new Ecs.DescribeEipMonitorDataRequest({
    regionId: REGION, allocationId: eip.AllocationId, ...(await window(10)),
  })));
  let r, e;
  for (let attempt = 0; attempt < 8; attempt++) {
    await sleep(1000);
    await advance(60);
    r = await eniPoints();
    e = await eipPoints();
    const en = r.MonitorData.EniMonitorData, xp = e.EipMonitorDatas.EipMonitorData;
    if (en.some((p) => Number(p.IntranetRx) > 0) && xp.some((p) => p.EipRX > 0)) break;
  }
  const ep = r.MonitorData.EniMonitorData;
  assert.ok(ep.length >= 1, JSON.stringify(r));
  assert.equal(ep[0].EniId, eni, 'only the secondary ENI');
  assert.equal(typeof ep[0].IntranetRx, 'string');
  const busy = ep.filter((p) => Number(p.IntranetRx) > 0);
  assert.ok(busy.length >= 1 && Number(busy[0].PacketTx) > 0, JSON.stringify(ep));
  const one = h.wire(await ecs.describeEniMonitorData(new Ecs.DescribeEniMonitorDataRequest({
    regionId: REGION, instanceId: id, eniId: eni, ...(await window(10)),
  })));
  assert.equal(one.TotalCount, ep.length);

  const xp = e.EipMonitorDatas.EipMonitorData;
  assert.ok(xp.length >= 1, JSON.stringify(e));
  const last = xp.filter((p) => p.EipRX > 0).pop();
  assert.ok(last && last.EipTX > 0, JSON.stringify(xp));
  assert.equal(last.EipFlow, last.EipRX + last.EipTX);
  assert.ok(last.EipBandwidth > 0 && last.EipPackets > 0);
  // The instance's own public traffic is the EIP's.
  const ip = await instancePoints(id);
  assert.ok(ip.some((p) => p.InternetTX > 0), JSON.stringify(ip));
});

test('bad ranges and unknown resources get ECS\'s codes', async () => {
  const [id] = await h.runRunning(ecs, network);
  const now = await cloudNow();
  const ask = (extra) => ecs.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
    instanceId: id, startTime: iso(now - 600), endTime: iso(now), ...extra,
  }));
  await h.expectError(ask({ period: 30 }), 'InvalidPeriod.ValueNotSupported', 400);
  await h.expectError(ask({ startTime: 'yesterday' }), 'InvalidStartTime.Malformed', 400);
  await h.expectError(ask({ endTime: '2026-13-01T00:00:00Z' }), 'InvalidEndTime.Malformed', 400);
  await h.expectError(ask({ startTime: iso(now + 600) }), 'InvalidStartTime.ValueNotSupported', 400);
  await h.expectError(ask({ startTime: iso(now - 86400) }), 'InvalidParameter.TooManyDataQueried', 400);
  await h.expectError(ask({ startTime: iso(now - 40 * 86400), period: 3600 }), 'InvalidStartTime.TooEarly', 400);
  await h.expectError(ecs.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
    instanceId: 'i-nothere0000000000', startTime: iso(now - 600), endTime: iso(now),
  })), 'InvalidInstanceId.NotFound', 404);
  await h.expectError(ecs.describeDiskMonitorData(new Ecs.DescribeDiskMonitorDataRequest({
    diskId: 'd-nothere0000000000', startTime: iso(now - 600), endTime: iso(now),
  })), 'InvalidDiskId.NotFound', 404);
  await h.expectError(ecs.describeDiskMonitorData(new Ecs.DescribeDiskMonitorDataRequest({
    diskId: 'd-nothere0000000000', startTime: iso(now), endTime: iso(now - 600),
  })), 'InvalidParameter.EndTime', 400);
  await h.expectError(ecs.describeEipMonitorData(new Ecs.DescribeEipMonitorDataRequest({
    regionId: REGION, allocationId: 'eip-nothere000000000', startTime: iso(now - 600), endTime: iso(now),
  })), 'InvalidAllocationId.NotFound', 404);
  await h.expectError(ecs.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
    instanceId: id, endTime: iso(now),
  })), 'MissingParameter', 400);
  // Seconds round up to the minute: a range of 59 s is one minute, within the limit.
  const ok = h.wire(await ask({ startTime: iso(now - 400 * 60 + 1), period: 60 }));
  assert.ok(Array.isArray(ok.MonitorData.InstanceMonitorData));
});

test('--metrics-retention-days: points older than their period\'s retention are gone', async () => {
  const short = await h.startServer({
    delayMs: 0, extraArgs: ['--test-clock', '--metrics-interval-ms', '200', '--metrics-retention-days', '1,2,2'],
  });
  try {
    const e = h.ecsClient(short);
    const net = await h.createNetwork(e, h.vpcClient(short));
    const [id] = await h.runRunning(e, net);
    const p = await h.minuteAt(short, e, id, 30);
    const at = Date.parse(p.TimeStamp) / 1000;
    const points = async (period) => h.wire(await e.describeInstanceMonitorData(new Ecs.DescribeInstanceMonitorDataRequest({
      instanceId: id, startTime: iso(at - 3600), endTime: iso(at + 3600), period,
    }))).MonitorData.InstanceMonitorData.filter((x) => x.TimeStamp === p.TimeStamp || period !== 60);
    await e.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, forceStop: true }));
    await h.waitStatus(e, [id], 'Stopped');
    assert.equal((await points(60)).length, 1, 'the minute is there');
    await h.operatorCall(short, 'POST', `clock/advance?seconds=${36 * 3600}`);
    assert.equal((await points(60)).length, 0, '60 s points kept one day');
    assert.ok((await points(3600)).length >= 1, 'hourly points kept two days');
    await h.operatorCall(short, 'POST', `clock/advance?seconds=${24 * 3600}`);
    assert.equal((await points(3600)).length, 0, 'and then gone');
  } finally {
    await short.destroy();
  }
});
