'use strict';
// The web console's server side (api/console_endpoint.h) in the emulator: its files, login with
// an AccessKey pair or a RAM user's console password, the cookie and CSRF rules, API calls as
// the logged-in identity (RAM policies apply), logout and sessions that end with their
// identity, and the VNC WebSocket (the fake hypervisor's RFB screen). The pages themselves are
// tested in a browser (tests/browser).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const h = require('./helpers');

let server, ecs, ram, network, running, accountId;

before(async () => {
  server = await h.startServer({ delayMs: 0 });
  ecs = h.ecsClient(server);
  ram = h.ramClient(server);
  network = await h.createNetwork(ecs, h.vpcClient(server));
  [running] = await h.runRunning(ecs, network);
  accountId = h.wire(await h.stsClient(server).getCallerIdentity()).AccountId;
});
after(async () => { if (server) await server.destroy(); });

const get = (path, headers = {}) => h.httpRequest({ port: server.port, path, headers });

async function login(body) {
  const text = JSON.stringify(body);
  return h.httpRequest({
    port: server.port, method: 'POST', path: '/console/api/login', body: text,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) },
  });
}

// A logged-in console: its cookie and CSRF token, and an API caller that posts like the pages do.
async function consoleSession(body = { AccessKeyId: server.ak, AccessKeySecret: server.secret }) {
  const r = await login(body);
  assert.equal(r.status, 200, r.body);
  const cookie = r.headers['set-cookie'][0].split(';')[0];
  const csrf = r.json.Csrf;
  const call = (action, params = {}, { version = h.ECS_VERSION, withCsrf = true, cookieHeader = cookie } = {}) => {
    const form = new URLSearchParams({ Action: action, Version: version, Format: 'JSON', RegionId: h.REGION, ...params }).toString();
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(form) };
    if (cookieHeader) headers.cookie = cookieHeader;
    if (withCsrf) headers['x-openecs-csrf'] = csrf;
    return h.httpRequest({ port: server.port, method: 'POST', path: '/', body: form, headers });
  };
  return { r, cookie, csrf, call };
}

test('the console is served at /console/ with its own files only, under a strict CSP', async () => {
  const redirect = await get('/console');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/console/');
  const index = await get('/console/');
  assert.equal(index.status, 200);
  assert.match(index.headers['content-type'], /^text\/html/);
  assert.match(index.body, /<html/i);
  assert.match(index.headers['content-security-policy'], /default-src 'self'/);
  assert.equal(index.headers['x-frame-options'], 'DENY');
  const rfb = await get('/console/novnc/core/rfb.js');
  assert.equal(rfb.status, 200, 'noVNC from Debian\'s novnc package');
  assert.match(rfb.headers['content-type'], /^text\/javascript/);
  for (const path of ['/console/../openecs/health', '/console/%2e%2e/README.md', '/console/novnc/vnc.html',
    '/console/.hidden.js', '/console/js/../../README.md', '/console/api/nothing', '/console/index.sh'])
    assert.equal((await get(path)).status, 404, path);
});

test('login with the root AccessKey: an HttpOnly SameSite=Strict cookie, no secret in the answer; a wrong secret is refused', async () => {
  const bad = await login({ AccessKeyId: server.ak, AccessKeySecret: 'wrong' });
  assert.equal(bad.status, 401);
  assert.equal(bad.json.Code, 'InvalidCredentials');
  assert.equal(bad.headers['set-cookie'], undefined);
  assert.equal((await login({})).status, 400);
  assert.equal((await login('not an object')).status, 400);

  const { r, cookie } = await consoleSession();
  assert.match(r.headers['set-cookie'][0], /HttpOnly/);
  assert.match(r.headers['set-cookie'][0], /SameSite=Strict/);
  assert.match(r.headers['set-cookie'][0], /Max-Age=\d+/);
  assert.ok(!r.body.includes(server.secret), 'the secret never comes back');
  assert.equal(r.json.Principal.Type, 'Account');
  assert.equal(r.json.Principal.AccountId, accountId);
  assert.ok(r.json.ExpiresAt > Date.now());
  const who = await get('/console/api/session', { cookie });
  assert.equal(who.status, 200);
  assert.equal(who.json.Csrf, r.json.Csrf);
  assert.equal((await get('/console/api/session')).status, 401);
});

test('API calls carry the cookie and the CSRF header: the same API as the SDKs, as the logged-in identity', async () => {
  const { call, cookie } = await consoleSession();
  const ok = await call('DescribeInstances', { 'InstanceIds': JSON.stringify([running]) });
  assert.equal(ok.status, 200, ok.body);
  assert.equal(ok.json.Instances.Instance[0].InstanceId, running);
  const noCsrf = await call('DescribeInstances', {}, { withCsrf: false });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.json.Code, 'ConsoleCsrfMissing');
  const lost = await call('DescribeInstances', {}, { cookieHeader: '' });
  assert.equal(lost.status, 401, 'the CSRF header without its cookie: the session is gone');
  assert.equal(lost.json.Code, 'ConsoleSessionExpired');
  const forged = await call('DescribeInstances', {}, { cookieHeader: 'openecs_console=forged' });
  assert.equal(forged.status, 401);
  assert.equal(forged.json.Code, 'ConsoleSessionExpired');
  const vpc = await call('DescribeVpcs', {}, { version: h.VPC_VERSION });
  assert.equal(vpc.status, 200);
  assert.ok(vpc.json.Vpcs.Vpc.length >= 1);
  // A mutation goes through the same rules as a signed call (a bad value gets ECS's error).
  const bad = await call('StopInstance', { InstanceId: 'i-nope' });
  assert.equal(bad.status, 404);
  assert.equal(bad.json.Code, 'InvalidInstanceId.NotFound');
  // An unsigned call without the console cookie is still refused as before.
  const form = 'Action=DescribeRegions&Version=2014-05-26';
  const anon = await h.httpRequest({ port: server.port, method: 'POST', path: '/', body: form, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': form.length } });
  assert.equal(anon.status, 400);
  assert.ok(cookie);
});

test('a RAM user logs in with its console password and acts only as its policies allow; deleting its login profile ends the session', async () => {
  await ram.createUser(new h.Ram.CreateUserRequest({ userName: 'viewer' }));
  await ram.createLoginProfile(new h.Ram.CreateLoginProfileRequest({ userName: 'viewer', password: 'Console-pass-1' }));
  const wrong = await login({ UserPrincipalName: `viewer@${accountId}`, Password: 'Console-pass-2' });
  assert.equal(wrong.status, 401);
  const nobody = await login({ UserPrincipalName: `nobody@${accountId}`, Password: 'Console-pass-1' });
  assert.equal(nobody.status, 401);

  const s = await consoleSession({ UserPrincipalName: `viewer@${accountId}.onaliyun.com`, Password: 'Console-pass-1' });
  assert.deepEqual(s.r.json.Principal, { Type: 'RamUser', AccountId: accountId, UserName: 'viewer' });
  const denied = await s.call('DescribeInstances');
  assert.equal(denied.status, 403);
  assert.match(denied.json.Code, /^Forbidden/);
  await ram.attachPolicyToUser(new h.Ram.AttachPolicyToUserRequest({ userName: 'viewer', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  const allowed = await s.call('DescribeInstances');
  assert.equal(allowed.status, 200, allowed.body);
  const stop = await s.call('StopInstance', { InstanceId: running });
  assert.equal(stop.status, 403, 'read-only: no StopInstance');

  await ram.deleteLoginProfile(new h.Ram.DeleteLoginProfileRequest({ userName: 'viewer' }));
  const after = await s.call('DescribeInstances');
  assert.equal(after.status, 401);
  assert.equal(after.json.Code, 'ConsoleSessionExpired');
});

// Opens the console's VNC socket; resolves with the socket and the bytes received so far.
function openVnc(instanceId, headers) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${server.endpoint}/console/api/vnc?InstanceId=${instanceId}`, { headers });
    const chunks = [];
    ws.on('message', (d) => chunks.push(Buffer.from(d)));
    ws.on('unexpected-response', (req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
    ws.on('error', reject);
    ws.on('open', () => resolve({ ws, bytes: () => Buffer.concat(chunks) }));
  });
}

test('VNC in the console: the guest\'s screen as RFB with no password, for the session\'s identity and its own pages only', async () => {
  const { cookie } = await consoleSession();
  const origin = `http://${server.endpoint}`;
  const refused = async (id, headers) => {
    try { const c = await openVnc(id, headers); c.ws.close(); } catch (e) { return e.status; }
    assert.fail('the upgrade was accepted');
  };
  assert.equal(await refused(running, { origin }), 401, 'no cookie');
  assert.equal(await refused(running, { cookie }), 403, 'no Origin');
  assert.equal(await refused(running, { cookie, origin: 'http://evil.example' }), 403, 'another site');
  assert.equal(await refused('i-nope', { cookie, origin }), 404);

  const t0 = Date.now();
  const conn = await openVnc(running, { cookie, origin });
  await h.waitFor(async () => conn.bytes().length >= 12, 5000, 10, 'the RFB greeting');
  assert.equal(conn.bytes().subarray(0, 12).toString(), 'RFB 003.008\n');
  conn.ws.send(Buffer.from('RFB 003.008\n'));
  await h.waitFor(async () => conn.bytes().length >= 14, 5000, 10, 'security types');
  assert.deepEqual([...conn.bytes().subarray(12, 14)], [1, 1], 'one security type: None');
  conn.ws.send(Buffer.from([1]));
  conn.ws.send(Buffer.from([1]));  // ClientInit, shared
  await h.waitFor(async () => conn.bytes().length >= 18 + 24, 5000, 10, 'ServerInit');
  const init = conn.bytes().subarray(18);
  assert.equal(init.readUInt16BE(0), 640);
  assert.equal(init.readUInt16BE(2), 400);
  const nameLength = init.readUInt32BE(20);
  assert.equal(init.subarray(24, 24 + nameLength).toString(), `OpenECS emulator ${running}`);
  console.log(`# console VNC: upgrade to ServerInit ${Date.now() - t0} ms`);
  // The screen stream is not one of the API's terminal sessions.
  const listed = h.wire(await ecs.describeTerminalSessions(new h.Ecs.DescribeTerminalSessionsRequest({ regionId: h.REGION, instanceId: running })));
  assert.equal(listed.Sessions.Session.length, 0);
  conn.ws.close();

  // A RAM user without ecs:DescribeInstanceVncUrl may not look at the screen.
  await ram.createUser(new h.Ram.CreateUserRequest({ userName: 'blind' }));
  await ram.createLoginProfile(new h.Ram.CreateLoginProfileRequest({ userName: 'blind', password: 'Console-pass-1' }));
  const blind = await consoleSession({ UserPrincipalName: `blind@${accountId}`, Password: 'Console-pass-1' });
  assert.equal(await refused(running, { cookie: blind.cookie, origin }), 403);
});

test('logout ends the session and clears the cookie', async () => {
  const { call, cookie, csrf } = await consoleSession();
  assert.equal((await call('DescribeRegions')).status, 200);
  const out = await h.httpRequest({ port: server.port, method: 'POST', path: '/console/api/logout', headers: { cookie, 'x-openecs-csrf': csrf, 'content-length': 0 } });
  assert.equal(out.status, 204);
  assert.match(out.headers['set-cookie'][0], /Max-Age=0/);
  const after = await call('DescribeRegions');
  assert.equal(after.status, 401);
  assert.equal(after.json.Code, 'ConsoleSessionExpired');
});

test('failed logins from one address are limited', async () => {
  let last;
  for (let i = 0; i < 12; i++) last = await login({ AccessKeyId: server.ak, AccessKeySecret: `wrong-${i}` });
  assert.equal(last.status, 429);
  assert.equal((await login({ AccessKeyId: server.ak, AccessKeySecret: server.secret })).status, 429, 'even the right secret waits');
});
