'use strict';
// Browser ring, emulator: the web console against `ecsd --driver fake`, in Debian's chromium.
// Sign-in (a wrong secret is refused with a readable message), Quick Launch to Running, stop in
// economical mode and start from the list, attach a disk on the detail page, release, every
// page of the navigation (screenshots), the phone layout, sign-out and the session loss path.
// Steps share one browser page and run in order.
const { test, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { h, startConsole, launchBrowser, newPage, noErrors, closeDialogs, shot, signIn, rowStatus, waitForText } = require('./lib');
const { Ecs } = h;

const PASSWORD = 'Console-Test-42';
let cons, browser, page, ecs, instanceId;
const wire = (res) => res.body.toMap();

async function describe(id) {
  const r = wire(await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: h.REGION, instanceIds: JSON.stringify([id]) })));
  return r.Instances.Instance[0];
}

before(async () => {
  cons = await startConsole({ driver: 'fake' });
  ecs = h.ecsClient(cons.server);
  browser = await launchBrowser();
  page = await newPage(browser);
});
beforeEach(async () => { if (page) await closeDialogs(page); });
after(async () => {
  if (browser) await browser.close();
  if (cons) await cons.close();
});

test('first paint of /console/ on loopback', async () => {
  const p = await newPage(browser);
  await p.goto(`${cons.url}/console/`, { waitUntil: 'load' });
  const fcp = await p.evaluate(() => new Promise((resolve) => {
    const found = performance.getEntriesByName('first-contentful-paint')[0];
    if (found) { resolve(found.startTime); return; }
    new PerformanceObserver((list) => {
      const e = list.getEntriesByName('first-contentful-paint')[0];
      if (e) resolve(e.startTime);
    }).observe({ type: 'paint', buffered: true });
  }));
  console.log(`console first paint: ${Math.round(fcp)} ms`);
  assert.ok(fcp < 3000, `first paint took ${fcp} ms`);
  await p.getByLabel('AccessKey ID').waitFor();
  await shot(p, 'login');
  noErrors(p, 'the login page');
  await p.context().close();
});

test('api.js flattens parameters the ECS way; Quick Launch picks free vSwitch blocks', async () => {
  const p = await newPage(browser);
  await p.goto(`${cons.url}/console/`);
  const out = await p.evaluate(async () => {
    const { flatten } = await import('/console/js/api.js');
    const { freeBlock } = await import('/console/js/pages/launch.js');
    const { lineChart } = await import('/console/js/ui.js');
    const svg = lineChart([{ t: 0, v: 10 }, { t: 60000, v: 55 }, { t: 120000, v: 30 }], { label: 'CPU', unit: '%', max: 100 });
    return {
      flat: flatten({
        InstanceId: ['a', 'b'], DataDisk: [{ Size: 20, Category: 'cloud_essd' }], Tag: [{ Key: 'k', Value: 'v' }],
        SystemDisk: { Category: 'x' }, Skip: undefined, Null: null, Empty: '', DryRun: false, Amount: 1,
      }),
      chart: { role: svg.getAttribute('role'), label: svg.getAttribute('aria-label'), line: svg.querySelector('path.line').getAttribute('d') },
      blocks: [freeBlock('172.16.0.0/12', []), freeBlock('172.16.0.0/12', ['172.16.0.0/20']), freeBlock('192.168.0.0/24', ['192.168.0.0/26'])],
    };
  });
  assert.deepEqual(out.flat, [['InstanceId.1', 'a'], ['InstanceId.2', 'b'], ['DataDisk.1.Size', '20'], ['DataDisk.1.Category', 'cloud_essd'],
    ['Tag.1.Key', 'k'], ['Tag.1.Value', 'v'], ['SystemDisk.Category', 'x'], ['DryRun', 'false'], ['Amount', '1']]);
  assert.deepEqual(out.blocks, ['172.16.0.0/20', '172.16.16.0/20', '192.168.0.64/26']);
  assert.equal(out.chart.role, 'img');
  assert.match(out.chart.label, /latest 30%, highest 55%/);
  assert.equal(out.chart.line.split(/[ML]/).filter(Boolean).length, 3);
  await p.context().close();
});

test('sign-in: a wrong secret is refused in words, the right one opens the console', async () => {
  await page.goto(`${cons.url}/console/`);
  await page.getByLabel('AccessKey ID').fill(cons.server.ak);
  await page.getByLabel('AccessKey secret').fill('not-the-secret');
  await page.getByRole('button', { name: 'Sign in' }).first().click();
  const err = page.locator('#login-error');
  await waitForText(err, /Sign-in failed/);
  const text = await err.textContent();
  assert.match(text, /^Sign-in failed: \S/, text);
  assert.doesNotMatch(text, /undefined|\[object/);
  await shot(page, 'login-refused');
  // The right pair, by keyboard only: the ID field has focus on arrival, Tab, Enter submits.
  await page.goto(`${cons.url}/console/`);
  await page.getByLabel('AccessKey ID').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'login-AccessKeyId');
  await page.keyboard.type(cons.server.ak);
  await page.keyboard.press('Tab');
  await page.keyboard.type(cons.server.secret);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
  await page.locator('#who').filter({ hasText: /Account/ }).waitFor();
  await page.getByText(/No instances in this region yet/).waitFor();
  await shot(page, 'instances-empty');
  noErrors(page, 'sign-in');
});

test('Quick Launch: type a password, click Launch, the instance reaches Running', async () => {
  await page.getByRole('link', { name: 'Quick Launch' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Quick Launch' }).waitFor();
  await page.locator('.price').first().filter({ hasText: /per hour|not available/ }).waitFor();
  await page.getByLabel('Root password').fill('short');
  await page.getByRole('button', { name: 'Launch instance' }).click();
  await waitForText(page.locator('#launch-password-error'), /8 to 30 characters/);
  await page.getByLabel('Root password').fill(PASSWORD);
  await page.getByLabel('Instance name').fill('console-quick');
  await shot(page, 'launch');
  await page.getByRole('button', { name: 'Launch instance' }).click();
  await page.waitForURL(/#\/instances\/i-/, { timeout: 60000 });
  instanceId = decodeURIComponent(/#\/instances\/([^/?]+)/.exec(page.url())[1]);
  await page.getByRole('heading', { level: 1, name: 'console-quick' }).waitFor();
  await waitForText(page.locator('.status-line'), /Running/, 30000);
  await page.locator('#sec-disks').waitFor();
  await shot(page, 'instance-detail');
  const inst = await describe(instanceId);
  assert.equal(inst.Status, 'Running');
  assert.equal(inst.InstanceChargeType, 'PostPaid');
  // The console made the default network it said it would.
  const vpcs = wire(await h.vpcClient(cons.server).describeVpcs(new h.Vpc.DescribeVpcsRequest({ regionId: h.REGION })));
  const made = vpcs.Vpcs.Vpc.find((v) => v.VpcName === 'default');
  assert.ok(made, 'VPC "default" created');
  assert.equal(made.CidrBlock, '172.16.0.0/12');
  assert.equal(inst.VpcAttributes.VpcId, made.VpcId);
  noErrors(page, 'Quick Launch');
});

test('the list: stop in economical mode, then start', async () => {
  await page.getByRole('navigation', { name: 'Console sections' }).getByRole('link', { name: 'Instances' }).click();
  await page.locator(`tr[data-key="${instanceId}"]`).waitFor();
  assert.equal(await rowStatus(page, instanceId), 'Running');
  await page.getByRole('button', { name: 'Stop console-quick', exact: true }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Stop charging (economical mode)').check();
  await shot(page, 'stop-dialog', { fullPage: false });
  await dlg.getByRole('button', { name: 'Stop', exact: true }).click();
  await h.waitFor(async () => (await rowStatus(page, instanceId)) === 'Stopped', 30000, 250, 'row Stopped');
  const stopped = await describe(instanceId);
  assert.equal(stopped.Status, 'Stopped');
  assert.equal(stopped.StoppedMode, 'StopCharging');
  await shot(page, 'instances-stopped');
  await page.getByRole('button', { name: 'Start console-quick', exact: true }).click();
  await h.waitFor(async () => (await rowStatus(page, instanceId)) === 'Running', 30000, 250, 'row Running');
  await shot(page, 'instances-running');
  noErrors(page, 'the instance list');
});

test('detail: attach a disk made through the API', async () => {
  const disk = wire(await ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: h.REGION, zoneId: h.ZONE_A, size: 20, diskCategory: 'cloud_essd', diskName: 'console-data' })));
  await h.waitFor(async () => {
    const d = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, diskIds: JSON.stringify([disk.DiskId]) })));
    return d.Disks.Disk[0] && d.Disks.Disk[0].Status === 'Available';
  }, 20000, 200, 'disk Available');
  await page.getByRole('link', { name: 'console-quick' }).click();
  await page.getByRole('heading', { level: 1, name: 'console-quick' }).waitFor();
  await page.getByRole('toolbar').getByRole('button', { name: 'Attach disk' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Disk', { exact: true }).selectOption(disk.DiskId);
  await dlg.getByRole('button', { name: 'Attach' }).click();
  const row = page.locator(`tr[data-key="${disk.DiskId}"]`);
  await row.waitFor();
  await waitForText(row, /In use/i, 20000);
  await shot(page, 'instance-disk-attached');
  noErrors(page, 'attaching a disk');
});

test('detail: rename, reset password, snapshot, image, change type while stopped', async () => {
  await page.goto(`${cons.url}/console/#/instances/${instanceId}`);
  await page.getByRole('heading', { level: 1, name: 'console-quick' }).waitFor();
  const bar = page.getByRole('toolbar');
  const dlg = page.getByRole('dialog');

  await page.getByRole('button', { name: 'Rename' }).click();
  await dlg.getByLabel('Description').fill('made by the browser test');
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.locator('#sec-overview').locator('xpath=..').getByText('made by the browser test').waitFor();

  await bar.getByRole('button', { name: 'Reset password' }).click();
  await dlg.getByLabel('New password').fill('weak');
  await dlg.getByLabel('Confirm the password').fill('weak');
  await dlg.getByRole('button', { name: 'Reset password' }).click();
  await waitForText(dlg.locator('.form-error'), /8 to 30 characters/);
  await dlg.getByLabel('New password').fill('Better-Pass-9');
  await dlg.getByLabel('Confirm the password').fill('Better-Pass-9');
  await dlg.getByRole('button', { name: 'Reset password' }).click();
  await page.getByText(/Password reset\. It applies when the instance restarts\./).waitFor();

  await bar.getByRole('button', { name: 'Create snapshot' }).click();
  await dlg.getByLabel('Snapshot name').fill('console-snap');
  await dlg.getByRole('button', { name: 'Create snapshot' }).click();
  await page.getByText(/Creating snapshot s-/).waitFor();
  const snaps = h.wire(await ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: h.REGION, instanceId })));
  assert.ok(snaps.Snapshots.Snapshot.some((s) => s.SnapshotName === 'console-snap'), 'snapshot made');

  await bar.getByRole('button', { name: 'Create image' }).click();
  await dlg.getByLabel('Image name').fill('console-image');
  await dlg.getByRole('button', { name: 'Create image' }).click();
  await page.getByText(/Creating image m-/).waitFor();

  assert.equal(await bar.getByRole('button', { name: 'Change type' }).isDisabled(), true, 'needs the instance stopped');
  await bar.getByRole('button', { name: 'Stop', exact: true }).click();
  await dlg.getByRole('button', { name: 'Stop', exact: true }).click();
  await waitForText(page.locator('.status-line'), /Stopped/, 30000);
  await bar.getByRole('button', { name: 'Change type' }).click();
  await dlg.getByLabel('New type').selectOption(h.SMALL_TYPE);
  await dlg.getByRole('button', { name: 'Change type' }).click();
  await page.getByText(new RegExp(`The type is now ${h.SMALL_TYPE.replace(/\./g, '\\.')}`)).waitFor();
  await shot(page, 'instance-detail-stopped');
  assert.equal((await describe(instanceId)).InstanceType, h.SMALL_TYPE);
  await bar.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForText(page.locator('.status-line'), /Running/, 30000);
  noErrors(page, 'the detail actions');
});

test('every page of the navigation renders', async () => {
  const links = await page.locator('#nav a[data-path]').evaluateAll((as) => as.map((a) => ({ path: a.dataset.path, label: a.textContent })));
  assert.ok(links.length >= 2, 'the navigation lists pages');
  for (const l of links) {
    await page.goto(`${cons.url}/console/#${l.path}`);
    await page.locator('main h1').first().waitFor();
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(300);
    const failed = await page.locator('main .callout-error:visible').count();
    assert.equal(failed, 0, `${l.label} (${l.path}) shows an error: ${failed ? await page.locator('main .callout-error:visible').first().textContent() : ''}`);
    // Every visible control has a name a screen reader can say.
    const unnamed = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea, button, a[href]')]
      .filter((el) => el.offsetParent !== null && el.type !== 'hidden')
      .filter((el) => {
        if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title) return false;
        if (['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName)) return !(el.labels && el.labels.length);
        return !el.textContent.trim();
      }).map((el) => el.outerHTML.slice(0, 120)));
    assert.deepEqual(unnamed, [], `controls without a label on ${l.path}`);
    await shot(page, `nav${l.path.replace(/[^a-z0-9]+/gi, '-')}`);
    noErrors(page, `${l.label} (${l.path})`);
  }
});

test('phone layout (390x844): the nav is a menu, nothing overflows', async () => {
  const phone = await newPage(browser, { viewport: { width: 390, height: 844 } });
  await phone.context().addCookies(await page.context().cookies());
  await phone.goto(`${cons.url}/console/#/instances`);
  await phone.locator(`tr[data-key="${instanceId}"]`).waitFor();
  assert.equal(await phone.locator('#nav').isVisible(), false, 'the nav is folded away');
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
  await shot(phone, 'phone-instances');
  await phone.getByRole('button', { name: 'Menu' }).click();
  assert.equal(await phone.locator('#nav').isVisible(), true);
  await shot(phone, 'phone-menu', { fullPage: false });
  await phone.setViewportSize({ width: 360, height: 740 });
  await phone.goto(`${cons.url}/console/#/instances/${instanceId}`);
  await phone.getByRole('heading', { level: 1, name: 'console-quick' }).waitFor();
  const overflow360 = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow360 <= 0, `the detail page is ${overflow360}px wider than 360px`);
  await shot(phone, 'phone-instance-detail');
  await phone.goto(`${cons.url}/console/#/launch`);
  await phone.getByLabel('Root password').waitFor();
  const overflowLaunch = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflowLaunch <= 0, `Quick Launch is ${overflowLaunch}px wider than 360px`);
  await shot(phone, 'phone-launch');
  noErrors(phone, 'the phone layout');
  await phone.context().close();
});

test('release from the detail page (running: forced, after a warning)', async () => {
  await page.goto(`${cons.url}/console/#/instances/${instanceId}`);
  await page.getByRole('heading', { level: 1, name: 'console-quick' }).waitFor();
  await page.getByRole('toolbar').getByRole('button', { name: 'Release' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByText(/forcibly stopped first/).waitFor();
  await shot(page, 'release-dialog', { fullPage: false });
  await dlg.getByRole('button', { name: 'Release' }).click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
  await h.waitFor(async () => !(await describe(instanceId)), 30000, 250, 'instance released');
  await h.waitFor(async () => (await page.locator(`tr[data-key="${instanceId}"]`).count()) === 0
    || /Stopping|Stopped/.test(await rowStatus(page, instanceId) || ''), 15000, 250, 'row gone');
  noErrors(page, 'release');
});

test('sign-out, and a lost session sends API calls back to the sign-in page', async () => {
  await page.goto(`${cons.url}/console/#/instances`);
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in to OpenECS' }).waitFor();
  await page.goto(`${cons.url}/console/#/instances`);
  await page.getByRole('heading', { level: 1, name: 'Sign in to OpenECS' }).waitFor();
  assert.match(page.url(), /#\/login\?next=%2Finstances/);
  // Signed in again, then the cookie goes away under the page: the next call lands on sign-in.
  await signIn(page, cons.url, cons.server.ak, cons.server.secret);
  await page.context().clearCookies();
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in to OpenECS' }).waitFor();
  await shot(page, 'signed-out');
  // (Without its cookie the call is an unsigned API call to ecsd: 400, which the console reads
  // as a lost session after asking /console/api/session.)
  noErrors(page, 'sign-out', [/status of 400/]);
});

test('a RAM user signs in with name and password and sees what its policies allow', async () => {
  const ram = h.ramClient(cons.server);
  const accountId = h.wire(await h.stsClient(cons.server).getCallerIdentity()).AccountId;
  await ram.createUser(new h.Ram.CreateUserRequest({ userName: 'viewer' }));
  await ram.createLoginProfile(new h.Ram.CreateLoginProfileRequest({ userName: 'viewer', password: 'Console-pass-1' }));
  await page.goto(`${cons.url}/console/#/login`);
  // The tabs work from the keyboard: arrow to "RAM user".
  await page.getByRole('tab', { name: 'AccessKey pair' }).focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByRole('tab', { name: 'RAM user' }).getAttribute('aria-selected'), 'true');
  await page.getByLabel('User name').fill(`viewer@${accountId}`);
  await page.getByLabel('Password', { exact: true }).fill('Console-pass-1');
  await page.getByRole('tabpanel').getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
  await waitForText(page.locator('#who'), new RegExp(`viewer@${accountId}`));
  // No policy yet: the list says why, in words.
  const denied = page.locator('main .callout-error');
  await waitForText(denied, /could not be listed\. Forbidden/);
  await shot(page, 'ram-user-denied');
  await ram.attachPolicyToUser(new h.Ram.AttachPolicyToUserRequest({ userName: 'viewer', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  await page.getByRole('button', { name: 'Refresh' }).click();
  await page.getByText(/No instances in this region yet/).waitFor();
  await shot(page, 'ram-user-allowed');
  noErrors(page, 'the RAM user', [/status of 403/]);
});
