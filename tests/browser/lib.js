'use strict';
// Browser ring harness: an ecsd for the console (tests/api/helpers.js), Debian's chromium driven
// by playwright-core, a signed-in page, screenshots into tests/browser/artifacts/ (one line
// printed per screenshot), and a collector of the page's script errors (a test fails on any).
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');
const h = require('../api/helpers');

const ARTIFACTS = path.join(__dirname, 'artifacts');
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

// {server, url, close}: url is the console's origin (http://127.0.0.1:PORT).
async function startConsole(opts = {}) {
  const server = await h.startServer(opts);
  return { server, url: `http://${server.endpoint}`, close: () => server.destroy() };
}

async function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

// A page that records uncaught errors and console errors (except failed loads the test expects:
// the session probe's 401 before sign-in and the refused login).
async function newPage(browser, { viewport = { width: 1280, height: 860 }, allow = [] } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  page.errors = [];
  const benign = [/status of 401/, /status of 404 \(Not Found\)/, ...allow];
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !benign.some((re) => re.test(m.text()))) page.errors.push(`console: ${m.text()}`);
  });
  return page;
}

// After a failed step: close whatever dialog it left open so the next step can go on.
async function closeDialogs(page) {
  for (let i = 0; i < 3 && (await page.locator('dialog[open]').count()); i++) await page.keyboard.press('Escape');
}

function noErrors(page, where, allow = []) {
  const errs = page.errors.splice(0).filter((e) => !allow.some((re) => re.test(e)));
  assert.deepEqual(errs, [], `script errors on ${where}`);
}

async function shot(page, name, opts = {}) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? true });
  console.log(`screenshot ${name}: ${path.relative(path.resolve(__dirname, '../..'), file)}`);
  return file;
}

async function signIn(page, url, ak, secret) {
  await page.goto(`${url}/console/`);
  await page.getByLabel('AccessKey ID').fill(ak);
  await page.getByLabel('AccessKey secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in' }).first().click();
  await page.getByRole('heading', { level: 1, name: 'Instances' }).waitFor();
}

// The text of the first status badge of an instance row on the list page.
async function rowStatus(page, id) {
  return page.locator(`tr[data-key="${id}"] .badge`).first().textContent({ timeout: 5000 }).catch(() => null);
}

async function waitForText(locator, re, timeoutMs = 30000) {
  await h.waitFor(async () => re.test((await locator.textContent({ timeout: 2000 }).catch(() => '')) || ''), timeoutMs, 250,
    `text ${re}`);
}

module.exports = { h, ARTIFACTS, startConsole, launchBrowser, newPage, noErrors, closeDialogs, shot, signIn, rowStatus, waitForText };
