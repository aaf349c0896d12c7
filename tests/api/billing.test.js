// Billing (issue 17): prices, metering and bills through the BSS SDK, subscriptions with expiry
// and renewal, overdue accounts, the security lock — on a server with a test clock
// (`ecsd dev --test-clock`), moved forward through the operator route.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const Bss = require('@alicloud/bssopenapi20171214');
const h = require('./helpers');

const { Ecs, REGION, SMALL_TYPE } = h;
let server, ecs, vpc, bss, network;

// An operator route (api/operator_endpoint.h) with the server's operator token.
const operator = (method, route) => h.operatorCall(server, method, route);
const advance = (seconds) => operator('POST', `clock/advance?seconds=${seconds}`);
const cycleOf = (iso) => iso.slice(0, 7);

async function balance() {
  const r = h.wire(await bss.queryAccountBalance());
  return Number(r.Data.AvailableCashAmount.replace(/,/g, ''));
}

async function instanceBill(cycle, id) {
  const r = h.wire(await bss.queryInstanceBill(new Bss.QueryInstanceBillRequest({
    billingCycle: cycle, isBillingItem: true, pageSize: 300,
  })));
  assert.equal(r.Success, true);
  return r.Data.Items.Item.filter((i) => i.InstanceID === id || id === undefined);
}

before(async () => {
  server = await h.startServer({ delayMs: 0, extraArgs: ['--test-clock', '--credit-limit', '0'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  const { $OpenApiUtil } = h;
  bss = new Bss.default(new $OpenApiUtil.Config({
    accessKeyId: server.ak, accessKeySecret: server.secret, endpoint: server.endpoint, protocol: 'HTTP',
  }));
  network = await h.createNetwork(ecs, vpc);
});
after(async () => { if (server) await server.destroy(); });

test('DescribePrice prices instances, disks and traffic from the price table', async () => {
  const hourly = h.wire(await ecs.describePrice(new Ecs.DescribePriceRequest({
    regionId: REGION, instanceType: 'ecs.g7.large',
    systemDisk: new Ecs.DescribePriceRequestSystemDisk({ category: 'cloud_essd', size: 40 }),
  })));
  const price = hourly.PriceInfo.Price;
  const lines = Object.fromEntries(price.DetailInfos.DetailInfo.map((d) => [d.Resource, d.TradePrice]));
  assert.ok(Math.abs(lines.instanceType - 0.07) < 0.011, JSON.stringify(lines));  // 2 vCPU x 0.036
  assert.ok(lines.systemDisk > 0);
  assert.ok(Math.abs(price.TradePrice - (lines.instanceType + lines.systemDisk)) < 0.011);
  const month = h.wire(await ecs.describePrice(new Ecs.DescribePriceRequest({
    regionId: REGION, instanceType: 'ecs.g7.large', priceUnit: 'Month', period: 1,
  })));
  assert.ok(month.PriceInfo.Price.TradePrice > price.TradePrice * 300, 'a month costs hundreds of hours');
  const year = h.wire(await ecs.describePrice(new Ecs.DescribePriceRequest({
    regionId: REGION, instanceType: 'ecs.g7.large', priceUnit: 'Year', period: 1,
  })));
  assert.ok(year.PriceInfo.Price.TradePrice < month.PriceInfo.Price.TradePrice * 12, 'a year is discounted');
  const disk = h.wire(await ecs.describePrice(new Ecs.DescribePriceRequest({
    regionId: REGION, resourceType: 'disk',
    dataDisk: [new Ecs.DescribePriceRequestDataDisk({ category: 'cloud_essd', size: 100, performanceLevel: 'PL3' })],
  })));
  assert.ok(disk.PriceInfo.Price.TradePrice > 0);
  await h.expectError(ecs.describePrice(new Ecs.DescribePriceRequest({ regionId: REGION })),
    'InvalidInstanceType.Missing', 404);
  await h.expectError(ecs.describePrice(new Ecs.DescribePriceRequest({ regionId: REGION, resourceType: 'ddx' })),
    'InvalidResourceType.ValueNotSupported', 400);
  await h.expectError(ecs.describePrice(new Ecs.DescribePriceRequest({
    regionId: REGION, instanceType: 'ecs.g7.large', priceUnit: 'Month', period: 10,
  })), 'InvalidPeriod', 400);
});

test('spot prices move within their band, hour by hour', async () => {
  const r = h.wire(await ecs.describeSpotPriceHistory(new Ecs.DescribeSpotPriceHistoryRequest({
    regionId: REGION, instanceType: 'ecs.c7.xlarge', networkType: 'vpc', zoneId: h.ZONE_A,
  })));
  const points = r.SpotPrices.SpotPriceType;
  assert.ok(points.length >= 3, JSON.stringify(r));
  for (const p of points) {
    assert.ok(p.SpotPrice > 0 && p.SpotPrice < p.OriginPrice, JSON.stringify(p));
  }
});

test('pay-as-you-go is metered per second; an economical stop stops the compute charge, not the disk', async () => {
  await operator('POST', `accounts/credit?account=root&amount=1000`);
  const before = await balance();
  const [id] = await h.runRunning(ecs, network, { instanceType: 'ecs.g7.large' });
  await advance(3600);
  await ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: 'StopCharging' }));
  await h.waitStatus(ecs, id, 'Stopped');
  const now = (await advance(3600)).Now;
  const items = await instanceBill(cycleOf(now), id);
  const disk = (await h.describeInstance(ecs, id));
  const byItem = Object.fromEntries(items.map((i) => [i.BillingItem, i]));
  const computeHours = Number(byItem.instance_type.Usage);
  const diskGibHours = Number(byItem.system_disk.Usage);
  assert.ok(computeHours > 0.99 && computeHours < 1.05, `compute ${computeHours} h (one hour running)`);
  const sizeGib = 20;
  assert.ok(diskGibHours / sizeGib > 1.99 && diskGibHours / sizeGib < 2.1, `disk ${diskGibHours} GiB-h (two hours kept)`);
  assert.ok(Math.abs(byItem.instance_type.PretaxAmount - 0.072) < 0.01, JSON.stringify(byItem.instance_type));
  assert.equal(disk.StoppedMode, 'StopCharging');
  const after = await balance();
  assert.ok(before - after > 0.07 && before - after < 0.2, `charged ${before - after}`);
  const overview = h.wire(await bss.queryBillOverview(new Bss.QueryBillOverviewRequest({ billingCycle: cycleOf(now) })));
  const payg = overview.Data.Items.Item.find((i) => i.SubscriptionType === 'PayAsYouGo');
  assert.ok(payg && payg.PretaxAmount > 0.07, JSON.stringify(overview.Data));
  await h.expectError(bss.queryBill(new Bss.QueryBillRequest({ billingCycle: '2026-13' })),
    'InvalidParameter', 400);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
});

test('subscriptions: paid up front, expire to a financial lock, renew, auto-renew, released after retention', async () => {
  // Not enough money: refused, nothing made.
  const cash = await balance();
  await h.expectError(h.runInstances(ecs, network, {
    instanceType: 'ecs.r7.8xlarge', instanceChargeType: 'PrePaid', period: 60, periodUnit: 'Month',
  }), 'InvalidAccountStatus.NotEnoughBalance', 403);
  const res = h.wire(await ecs.runInstances(new Ecs.RunInstancesRequest({
    regionId: REGION, imageId: h.IMAGE, instanceType: SMALL_TYPE, vSwitchId: network.vSwitchId,
    securityGroupId: network.securityGroupId, instanceChargeType: 'PrePaid', period: 1, periodUnit: 'Month',
  })));
  const id = res.InstanceIdSets.InstanceIdSet[0];
  assert.ok(res.OrderId && /^\d+$/.test(res.OrderId), JSON.stringify(res));
  assert.ok(res.TradePrice > 0);
  assert.ok(Math.abs(cash - (await balance()) - res.TradePrice) < 0.02, 'the order was taken from the balance');
  await h.waitStatus(ecs, id, 'Running');
  let inst = await h.describeInstance(ecs, id);
  assert.equal(inst.InstanceChargeType, 'PrePaid');
  assert.equal(inst.SaleCycle, 'month');
  await h.expectError(ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true })),
    'ChargeTypeViolation', 403);
  const renew = h.wire(await ecs.describeInstanceAutoRenewAttribute(new Ecs.DescribeInstanceAutoRenewAttributeRequest({
    regionId: REGION, instanceId: id,
  })));
  assert.equal(renew.InstanceRenewAttributes.InstanceRenewAttribute[0].RenewalStatus, 'Normal');

  // Past the expiry: Stopped, locked for financial reasons; Start refused; renewal brings it back.
  await advance(32 * 86400);
  await h.waitStatus(ecs, id, 'Stopped');
  inst = await h.describeInstance(ecs, id);
  assert.deepEqual(inst.OperationLocks.LockReason.map((l) => l.LockReason), ['financial']);
  await h.expectError(ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id })), 'InstanceExpired', 403);
  const events = h.wire(await ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({
    regionId: REGION, instanceId: id,
  })));
  assert.ok(events.InstanceSystemEventSet.InstanceSystemEventType.some((e) => e.EventType.Name === 'InstanceExpiration.Stop'),
    JSON.stringify(events));
  const price = h.wire(await ecs.describeRenewalPrice(new Ecs.DescribeRenewalPriceRequest({ regionId: REGION, resourceId: id })));
  assert.ok(Math.abs(price.PriceInfo.Price.TradePrice - res.TradePrice) < 0.02);
  const renewed = h.wire(await ecs.renewInstance(new Ecs.RenewInstanceRequest({ instanceId: id, period: 1 })));
  assert.ok(renewed.OrderId);
  await h.waitStatus(ecs, id, 'Running');
  inst = await h.describeInstance(ecs, id);
  assert.deepEqual(inst.OperationLocks.LockReason, []);

  // Auto-renewal: at the next expiry it renews itself instead of stopping.
  await ecs.modifyInstanceAutoRenewAttribute(new Ecs.ModifyInstanceAutoRenewAttributeRequest({
    regionId: REGION, instanceId: id, renewalStatus: 'AutoRenewal', duration: 1, periodUnit: 'Month',
  }));
  const expiry = Date.parse(inst.ExpiredTime);
  await advance(32 * 86400);
  inst = await h.describeInstance(ecs, id);
  assert.equal(inst.Status, 'Running');
  assert.ok(Date.parse(inst.ExpiredTime) > expiry + 27 * 86400e3, `${inst.ExpiredTime} after ${new Date(expiry).toISOString()}`);

  // Without renewal: expired, then released 15 days later.
  await ecs.modifyInstanceAutoRenewAttribute(new Ecs.ModifyInstanceAutoRenewAttributeRequest({
    regionId: REGION, instanceId: id, renewalStatus: 'NotRenewal',
  }));
  await advance(32 * 86400);
  await h.waitStatus(ecs, id, 'Stopped');
  await advance(16 * 86400);
  await h.waitGone(ecs, id);
});

test('ModifyPrepayInstanceSpec: an upgrade now for the price difference, a downgrade at renewal', async () => {
  const res = h.wire(await ecs.runInstances(new Ecs.RunInstancesRequest({
    regionId: REGION, imageId: h.IMAGE, instanceType: 'ecs.g7.large', vSwitchId: network.vSwitchId,
    securityGroupId: network.securityGroupId, instanceChargeType: 'PrePaid', period: 1,
  })));
  const id = res.InstanceIdSets.InstanceIdSet[0];
  await h.waitStatus(ecs, id, 'Running');
  const quote = h.wire(await ecs.describeInstanceModificationPrice(new Ecs.DescribeInstanceModificationPriceRequest({
    regionId: REGION, instanceId: id, instanceType: 'ecs.g7.xlarge',
  })));
  const diff = quote.PriceInfo.Price.TradePrice;
  // A month of g7.xlarge costs twice g7.large's: the difference for (almost) a whole month.
  assert.ok(diff > res.TradePrice * 0.9 && diff < res.TradePrice * 1.1, `upgrade ${diff} vs a month ${res.TradePrice}`);
  await h.expectError(ecs.describeInstanceModificationPrice(new Ecs.DescribeInstanceModificationPriceRequest({
    regionId: REGION, instanceId: id, instanceType: 'ecs.t5-lc2m1.nano',
  })), 'InvalidInstanceType.NotSupportUpgrade', 403);
  const cash = await balance();
  const up = h.wire(await ecs.modifyPrepayInstanceSpec(new Ecs.ModifyPrepayInstanceSpecRequest({
    regionId: REGION, instanceId: id, instanceType: 'ecs.g7.xlarge', rebootWhenFinished: true,
  })));
  assert.ok(up.OrderId);
  assert.ok(Math.abs(cash - (await balance()) - diff) < 0.05, 'the difference was charged');
  await h.waitStatus(ecs, id, 'Running');
  let inst = await h.describeInstance(ecs, id);
  assert.equal(inst.InstanceType, 'ecs.g7.xlarge');
  assert.equal(inst.Cpu, 4);
  // Downgrade: nothing changes until the renewal, which is priced at the smaller type.
  await ecs.modifyPrepayInstanceSpec(new Ecs.ModifyPrepayInstanceSpecRequest({
    regionId: REGION, instanceId: id, instanceType: 'ecs.g7.large',
  }));
  assert.equal((await h.describeInstance(ecs, id)).InstanceType, 'ecs.g7.xlarge');
  const before = await balance();
  await ecs.renewInstance(new Ecs.RenewInstanceRequest({ instanceId: id, period: 1 }));
  inst = await h.describeInstance(ecs, id);
  assert.equal(inst.InstanceType, 'ecs.g7.large');
  assert.ok(Math.abs(before - (await balance()) - res.TradePrice) < 0.05, 'renewed at the smaller type');
  // The CLI names the console state; the LockReason filter finds locked instances.
  const cli = spawnSync(path.resolve(__dirname, '../../build/bin/ecs'), ['DescribeInstances', '--InstanceIds', JSON.stringify([id])],
    { env: { ...process.env, OPENECS_DATA_DIR: server.dataDir }, encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.match(cli.stderr, new RegExp(`${id} .* Running +Running \\(subscription, expires`));
  await operator('POST', `instances/lock?instance=${id}`);
  const locked = h.wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: REGION, lockReason: 'security' })));
  assert.deepEqual(locked.Instances.Instance.map((i) => i.InstanceId), [id]);
  const cli2 = spawnSync(path.resolve(__dirname, '../../build/bin/ecs'), ['DescribeInstances', '--InstanceIds', JSON.stringify([id])],
    { env: { ...process.env, OPENECS_DATA_DIR: server.dataDir }, encoding: 'utf8' });
  assert.match(cli2.stderr, / Running +Locked/);
  await operator('POST', `instances/unlock?instance=${id}`);
  await ecs.modifyInstanceChargeType(new Ecs.ModifyInstanceChargeTypeRequest({
    regionId: REGION, instanceIds: JSON.stringify([id]), instanceChargeType: 'PostPaid',
  }));
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
});

test('a subscription refunded through BSS: the unused term back, To Be Released, released', async () => {
  const res = h.wire(await ecs.runInstances(new Ecs.RunInstancesRequest({
    regionId: REGION, imageId: h.IMAGE, instanceType: 'ecs.g7.large', vSwitchId: network.vSwitchId,
    securityGroupId: network.securityGroupId, instanceChargeType: 'PrePaid', period: 1,
  })));
  const id = res.InstanceIdSets.InstanceIdSet[0];
  await h.waitStatus(ecs, id, 'Running');
  await advance(3 * 86400);
  const quote = h.wire(await bss.inquiryPriceRefundInstance(new Bss.InquiryPriceRefundInstanceRequest({
    productCode: 'ecs', instanceId: id,
  })));
  const back = quote.Data.RefundAmount;
  assert.ok(back > res.TradePrice * 0.85 && back < res.TradePrice * 0.95, `refund ${back} of ${res.TradePrice} after 3 days`);
  const cash = await balance();
  const r = h.wire(await bss.refundInstance(new Bss.RefundInstanceRequest({ productCode: 'ecs', instanceId: id, immediatelyRelease: '0' })));
  assert.equal(r.Success, true);
  assert.ok(r.Data.OrderId > 0);
  assert.ok(Math.abs((await balance()) - cash - back) < 0.02, 'the refund is in the balance');
  await h.waitStatus(ecs, id, 'Stopped');
  const inst = await h.describeInstance(ecs, id);
  assert.deepEqual(inst.OperationLocks.LockReason.map((l) => l.LockReason), ['refunded']);
  await h.expectError(ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id })), 'IncorrectInstanceStatus', 403);
  await h.expectError(bss.refundInstance(new Bss.RefundInstanceRequest({ productCode: 'ecs', instanceId: id })),
    'IncorrectInstanceStatus', 403);
  const lines = (await instanceBill(cycleOf((await operator('GET', 'clock')).Now), id)).filter((i) => i.Item === 'Refund');
  assert.ok(lines.length > 0 && lines.every((l) => l.PretaxAmount < 0), JSON.stringify(lines));
  await advance(16 * 86400);
  await h.waitGone(ecs, id);
});

test('the operator commands (ecsd operator ...) act on the running server', () => {
  const ecsd = path.resolve(__dirname, '../../build/bin/ecsd');
  const run = (...args) => spawnSync(ecsd, ['operator', '--data-dir', server.dataDir, ...args], { encoding: 'utf8' });
  const before = JSON.parse(run('balance', '--account', 'root').stdout);
  const credited = run('credit', '--account', 'root', '--amount', '12.5');
  assert.equal(credited.status, 0, credited.stderr);
  assert.ok(Math.abs(JSON.parse(credited.stdout).Balance - before.Balance - 12.5) < 0.01);
  const bad = run('credit', '--account', 'root', '--amount', '-3');
  assert.notEqual(bad.status, 0);
  const prices = JSON.parse(spawnSync(ecsd, ['prices'], { encoding: 'utf8' }).stdout);
  assert.equal(prices.currency, 'USD');
  assert.ok(prices.instance_types_per_hour['ecs.g7.large'] > 0);
});

test('PrePaid <-> PostPaid with ModifyInstanceChargeType: paid, then refunded', async () => {
  const [id] = await h.runRunning(ecs, network);
  const cash = await balance();
  const r = h.wire(await ecs.modifyInstanceChargeType(new Ecs.ModifyInstanceChargeTypeRequest({
    regionId: REGION, instanceIds: JSON.stringify([id]), instanceChargeType: 'PrePaid', period: 1,
  })));
  assert.ok(r.OrderId);
  const paid = Number(r.FeeOfInstances.FeeOfInstance[0].Fee);
  assert.ok(paid > 0);
  assert.equal((await h.describeInstance(ecs, id)).InstanceChargeType, 'PrePaid');
  const back = h.wire(await ecs.modifyInstanceChargeType(new Ecs.ModifyInstanceChargeTypeRequest({
    regionId: REGION, instanceIds: JSON.stringify([id]), instanceChargeType: 'PostPaid',
  })));
  const refunded = -Number(back.FeeOfInstances.FeeOfInstance[0].Fee);
  assert.ok(refunded > paid * 0.9 && refunded <= paid + 0.01, `paid ${paid}, refunded ${refunded}`);
  assert.ok(Math.abs(cash - (await balance())) < paid * 0.1 + 0.05);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
});

test('the security lock refuses every change until lifted', async () => {
  const [id] = await h.runRunning(ecs, network);
  await operator('POST', `instances/lock?instance=${id}`);
  const inst = await h.describeInstance(ecs, id);
  assert.deepEqual(inst.OperationLocks.LockReason.map((l) => l.LockReason), ['security']);
  await h.expectError(ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: id })), 'InstanceLockedForSecurity', 403);
  await h.expectError(ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true })),
    'InstanceLockedForSecurity', 403);
  await operator('POST', `instances/unlock?instance=${id}`);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
  await h.waitGone(ecs, id);
});

test('an overdue account: new purchases refused, instances stopped after the grace period, unlocked when paid', async () => {
  const [id] = await h.runRunning(ecs, network);
  const cash = await balance();
  await operator('POST', `accounts/credit-limit?account=root&amount=0`);
  // Spend past zero: 30 days of ecs.g7.8xlarge-sized debt is quicker with a big instance.
  const [big] = await h.runRunning(ecs, network, { instanceType: 'ecs.r7.8xlarge' });
  await advance(Math.ceil((cash + 1) / 1.5 * 3600));
  const state = await operator('GET', 'accounts/balance?account=root');
  assert.equal(state.Overdue, true, JSON.stringify(state));
  await h.expectError(h.runInstances(ecs, network), 'Account.Arrearage', 400);
  assert.equal((await h.describeInstance(ecs, id)).Status, 'Running', 'still running in the grace period');
  await advance(15 * 86400);
  await h.waitStatus(ecs, [id, big], 'Stopped');
  const locked = await h.describeInstance(ecs, id);
  assert.deepEqual(locked.OperationLocks.LockReason.map((l) => l.LockReason), ['financial']);
  await h.expectError(ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: id })), 'InstanceExpired', 403);
  const owed = -(await balance());
  const paid = await operator('POST', `accounts/credit?account=root&amount=${Math.ceil(owed + 10)}`);
  assert.equal(paid.Overdue, false);
  assert.ok(paid.Unlocked >= 2, JSON.stringify(paid));
  assert.deepEqual((await h.describeInstance(ecs, id)).OperationLocks.LockReason, []);
  // Paid: what the unpaid bill stopped starts again on its own (ECS's reactivation).
  await h.waitStatus(ecs, [id, big], 'Running');
  await operator('POST', 'accounts/credit-limit?account=root&amount=unlimited');
  for (const i of [id, big]) await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: i, force: true }));
});

test('spot: a price above the limit gives the notice, then the instance is released; Stop stops it instead', async () => {
  // A limit below any market price, no protected hour: the next pass reclaims it.
  const [cheap] = await h.runRunning(ecs, network, {
    spotStrategy: 'SpotWithPriceLimit', spotPriceLimit: 0.0001, spotDuration: 0,
  });
  // The default protected hour: not reclaimed within it, whatever the price.
  const [kept] = await h.runRunning(ecs, network, { spotStrategy: 'SpotWithPriceLimit', spotPriceLimit: 0.0001 });
  // Reclaimed by the operator, stopped (economical) rather than released.
  const [stopped] = await h.runRunning(ecs, network, {
    spotStrategy: 'SpotAsPriceGo', spotInterruptionBehavior: 'Stop', spotDuration: 0,
  });
  await advance(60);
  let inst = await h.describeInstance(ecs, cheap);
  assert.equal(inst.SpotStrategy, 'SpotWithPriceLimit');
  assert.deepEqual(inst.OperationLocks.LockReason.map((l) => l.LockReason), ['Recycling']);
  assert.equal(inst.SpotDuration, 0);
  assert.deepEqual((await h.describeInstance(ecs, kept)).OperationLocks.LockReason, [], 'protected for an hour');
  assert.deepEqual((await h.describeInstance(ecs, stopped)).OperationLocks.LockReason, [], 'SpotAsPriceGo pays the market price');
  await h.expectError(ecs.rebootInstance(new Ecs.RebootInstanceRequest({ instanceId: cheap })), 'IncorrectInstanceStatus', 403);
  const events = h.wire(await ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({
    regionId: REGION, instanceId: cheap,
  })));
  const notice = events.InstanceSystemEventSet.InstanceSystemEventType.find((e) => e.EventType.Name === 'Instance:PreemptibleInstanceInterruption');
  assert.ok(notice && /released at/.test(notice.Reason), JSON.stringify(events));
  await operator('POST', `instances/reclaim?instance=${stopped}`);
  await advance(301);
  await h.waitGone(ecs, cheap);
  await h.waitStatus(ecs, stopped, 'Stopped');
  inst = await h.describeInstance(ecs, stopped);
  assert.equal(inst.StoppedMode, 'StopCharging');
  assert.deepEqual(inst.OperationLocks.LockReason, []);
  await advance(3600);
  assert.deepEqual((await h.describeInstance(ecs, kept)).OperationLocks.LockReason.map((l) => l.LockReason), ['Recycling'],
    'past its protected hour');
  // Spot is billed at the market price: below the pay-as-you-go price of the type.
  const now = (await operator('GET', 'clock')).Now;
  const [line] = (await instanceBill(cycleOf(now), kept)).filter((i) => i.BillingItem === 'instance_type');
  assert.ok(line && Number(line.ListPrice) > 0 && Number(line.ListPrice) < 0.004, JSON.stringify(line));
  const advice = h.wire(await ecs.describeSpotAdvice(new Ecs.DescribeSpotAdviceRequest({ regionId: REGION, cores: 2, memory: 8 })));
  const types = advice.AvailableSpotZones.AvailableSpotZone[0].AvailableSpotResources.AvailableSpotResource;
  assert.ok(types.some((t) => t.InstanceType === 'ecs.g7.large' && t.AverageSpotDiscount > 0 && t.AverageSpotDiscount < 100), JSON.stringify(types));
  await h.expectError(ecs.describeSpotAdvice(new Ecs.DescribeSpotAdviceRequest({ regionId: REGION })),
    'InvalidParam.TypeAndCpuMem.Conflict', 403);
  for (const i of [kept, stopped]) await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: i, force: true }));
});

test('the operator routes need the operator token, and the clock moves only with --test-clock', async () => {
  const r = await h.httpRequest({ port: server.port, method: 'POST', path: '/openecs/operator/v1/clock/advance?seconds=1' });
  assert.equal(r.status, 401);
  const other = await h.startServer({ delayMs: 0 });
  try {
    const token = fs.readFileSync(path.join(other.dataDir, 'operator-token'), 'utf8').trim();
    const r2 = await h.httpRequest({
      port: other.port, method: 'POST', path: '/openecs/operator/v1/clock/advance?seconds=1',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(r2.status, 404);
  } finally {
    await other.destroy();
  }
});
