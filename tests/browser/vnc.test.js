'use strict';
// Browser ring, real guest: Quick Launch a guest of the built-in image under `ecsd --driver
// qemu` (root, inside the namespace tests/browser/run makes), open its VNC page, see the screen
// (the canvas is not blank), log in on tty1 by typing into the canvas, and prove the keys
// arrived: the typed command writes `vnc-typed-42` to the serial console, which we read back
// through GetInstanceConsoleOutput. Skipped when not root or without a built image.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { h, startConsole, launchBrowser, newPage, noErrors, shot, signIn, waitForText } = require('./lib');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 240000;  // TCG on a loaded 2-core machine
const PASSWORD = 'Vnc-Console-7';
const skip = process.getuid && process.getuid() !== 0 ? 'needs root (run tests/browser/run)'
  : !fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')) ? `no built image in ${IMAGE_DIR} (scripts/build-image)` : false;

let cons, browser, page, ecs, instanceId;

async function consoleText(id) {
  const r = (await ecs.getInstanceConsoleOutput(new Ecs.GetInstanceConsoleOutputRequest({ regionId: h.REGION, instanceId: id }))).body.toMap();
  return Buffer.from(r.ConsoleOutput || '', 'base64').toString('utf8');
}

// US-layout key codes, so a shifted character is typed as Shift + its key (what a person does):
// QEMU's VNC server takes noVNC's scan codes, and a '$' without Shift would arrive as '4'.
const SHIFTED = { '!': 'Digit1', '@': 'Digit2', '#': 'Digit3', $: 'Digit4', '%': 'Digit5', '^': 'Digit6', '&': 'Digit7', '*': 'Digit8', '(': 'Digit9', ')': 'Digit0',
  _: 'Minus', '+': 'Equal', '{': 'BracketLeft', '}': 'BracketRight', '|': 'Backslash', ':': 'Semicolon', '"': 'Quote', '<': 'Comma', '>': 'Period', '?': 'Slash', '~': 'Backquote' };
const PLAIN = { ' ': 'Space', '-': 'Minus', '=': 'Equal', '[': 'BracketLeft', ']': 'BracketRight', '\\': 'Backslash', ';': 'Semicolon', "'": 'Quote', ',': 'Comma', '.': 'Period', '/': 'Slash', '`': 'Backquote' };
async function typeKeys(p, text) {
  for (const c of text) {
    let code; let shift = false;
    if (/[a-z]/.test(c)) code = `Key${c.toUpperCase()}`;
    else if (/[A-Z]/.test(c)) { code = `Key${c}`; shift = true; }
    else if (/[0-9]/.test(c)) code = `Digit${c}`;
    else if (PLAIN[c]) code = PLAIN[c];
    else if (SHIFTED[c]) { code = SHIFTED[c]; shift = true; }
    else throw new Error(`no key for ${JSON.stringify(c)}`);
    if (shift) await p.keyboard.down('Shift');
    await p.keyboard.press(code, { delay: 30 });
    if (shift) await p.keyboard.up('Shift');
    await p.waitForTimeout(40);
  }
}

before(async () => {
  if (skip) return;
  cons = await startConsole({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR] });
  ecs = h.ecsClient(cons.server);
  browser = await launchBrowser();
  page = await newPage(browser);
});
after(async () => {
  if (instanceId && ecs) {
    await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId, force: true })).catch(() => {});
  }
  if (browser) await browser.close();
  if (cons) await cons.close();
});

test('real guest: Quick Launch, VNC screen, log in by typing into the canvas', { skip }, async () => {
  await signIn(page, cons.url, cons.server.ak, cons.server.secret);
  await page.goto(`${cons.url}/console/#/launch`);
  await page.getByRole('heading', { level: 1, name: 'Quick Launch' }).waitFor();
  await page.locator(`input[name=InstanceType][value="${h.SMALL_TYPE}"]`).check().catch(() => {});
  await page.getByLabel(/Assign a public IP address/).uncheck();
  await page.getByLabel('Root password').fill(PASSWORD);
  await page.getByLabel('Instance name').fill('vnc-guest');
  await page.getByRole('button', { name: 'Launch instance' }).click();
  await page.waitForURL(/#\/instances\/i-/, { timeout: 120000 });
  instanceId = decodeURIComponent(/#\/instances\/([^/?]+)/.exec(page.url())[1]);
  await waitForText(page.locator('.status-line'), /Running/, BOOT_MS);
  await shot(page, 'vnc-instance-running');

  // The guest's OS up (its boot-complete line on the serial console), so tty1 has its prompt.
  await h.waitFor(async () => /OPENECS-BOOT-COMPLETE/.test(await consoleText(instanceId)), BOOT_MS, 1000, 'the guest booted');

  await page.getByRole('link', { name: 'Connect (VNC)' }).click();
  await page.getByRole('link', { name: /Back to instance/ }).waitFor();
  const state = page.locator('#vnc-state');
  await h.waitFor(async () => (await state.getAttribute('data-state')) === 'connected', 60000, 250,
    `VNC connected (state: ${await state.textContent().catch(() => '?')})`);
  assert.equal((await state.textContent()).trim(), 'Connected');
  const canvas = page.locator('#vnc-screen canvas');
  await canvas.waitFor();
  const lit = () => page.evaluate(() => {
    const c = document.querySelector('#vnc-screen canvas');
    if (!c || !c.width || !c.height) return 0;
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 16 || d[i + 1] > 16 || d[i + 2] > 16) n++;
    return n;
  });
  await h.waitFor(lit, 30000, 500, 'non-black pixels on the VNC canvas');
  console.log(`vnc canvas: ${await lit()} lit pixels`);
  await shot(page, 'vnc');

  // Log in on tty1 and write a computed marker to the serial port.
  await canvas.click();
  let typed = false;
  for (let attempt = 1; attempt <= 3 && !typed; attempt++) {
    await page.keyboard.press('Enter');
    await page.waitForTimeout(1500);
    await typeKeys(page, 'root');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(2500);
    await typeKeys(page, PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForTimeout(5000);
    await typeKeys(page, 'echo vnc-typed-$((6*7)) > /dev/ttyS0');
    await page.keyboard.press('Enter');
    typed = await h.waitFor(async () => /vnc-typed-42/.test(await consoleText(instanceId)), 30000, 1000, 'vnc-typed-42 on the serial console')
      .then(() => true, () => false);
    if (!typed) await shot(page, `vnc-attempt-${attempt}`);
  }
  await shot(page, 'vnc-typed');
  assert.ok(typed, 'the command typed into the VNC canvas ran in the guest');

  // Ctrl+Alt+Del is offered while connected.
  assert.equal(await page.getByRole('button', { name: 'Send Ctrl+Alt+Del' }).isEnabled(), true);
  noErrors(page, 'the VNC page');

  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId, force: true }));
  await h.waitFor(async () => {
    const r = (await ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: h.REGION, instanceIds: JSON.stringify([instanceId]) }))).body.toMap();
    return r.Instances.Instance.length === 0;
  }, 60000, 500, 'released');
  instanceId = null;
});
