'use strict';
// Inputs that once ended or bricked the server (issue 13's C1, C2, H1): each gets a 4xx or a
// dropped connection, the server keeps answering, and it starts again afterwards with every
// record it had.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const net = require('node:net');
const h = require('./helpers');

let server;
before(async () => { server = await h.startServer({ delayMs: 0 }); });
after(async () => { if (server) await server.destroy(); });

// A v1-signed query whose values may be Buffers: their bytes are sent as they are (%XX), valid
// UTF-8 or not.
function pctBytes(v) {
  const buf = Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
  let out = '';
  for (const b of buf) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}
function signedBytes(action, params, version = h.ECS_VERSION) {
  const p = { Action: action, Format: 'JSON', Version: version, AccessKeyId: server.ak, SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0', SignatureNonce: h.nonce(), Timestamp: h.isoNow(), ...params };
  const canon = Object.keys(p).sort().map((k) => `${pctBytes(k)}=${pctBytes(p[k])}`).join('&');
  const sts = `GET&${h.pct('/')}&${h.pct(canon)}`;
  const sig = crypto.createHmac('sha1', `${server.secret}&`).update(sts).digest('base64');
  return h.httpRequest({ port: server.port, path: `/?${canon}&Signature=${h.pct(sig)}`, headers: { host: server.endpoint } });
}
const alive = async () => assert.equal((await h.rawV1(server, 'DescribeRegions', {})).status, 200, 'the server still answers');

// Sends raw bytes and resolves with what came back before the connection closed.
function rawHttp(text) {
  return new Promise((resolve) => {
    const s = net.connect(server.port, '127.0.0.1');
    let got = '';
    s.on('data', (d) => { got += d; });
    s.on('error', () => resolve(got));
    s.on('close', () => resolve(got));
    s.end(text);
  });
}

test('C1: an oversized Authorization header drops the connection or gets a 4xx, and nothing more', async () => {
  for (const size of [60 * 1024, 200 * 1024]) {
    const auth = `ACS3-HMAC-SHA256 Credential=${'A'.repeat(size)},SignedHeaders=host,Signature=00`;
    const got = await rawHttp(`GET / HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth}\r\nConnection: close\r\n\r\n`);
    const status = Number((got.match(/^HTTP\/1\.1 (\d{3})/) || [])[1] || 0);
    assert.ok(status === 0 || (status >= 400 && status < 500), `${size} bytes -> ${got.slice(0, 100)}`);
    await alive();
  }
});

test('C2: non-finite numbers are refused at the edge; H1: text that is not UTF-8 too; a restart loads', async () => {
  const network = await h.createNetwork(h.ecsClient(server), h.vpcClient(server));
  for (const limit of ['nan', 'NaN', 'inf', '-inf', '1e999', '0x10', '1,5']) {
    const r = await h.rawV1(server, 'RunInstances', { RegionId: 'local', ImageId: h.IMAGE, InstanceType: h.SMALL_TYPE,
      VSwitchId: network.vSwitchId, SecurityGroupId: network.securityGroupId, SpotStrategy: 'SpotWithPriceLimit', SpotPriceLimit: limit });
    assert.equal(r.status, 400, `SpotPriceLimit=${limit} -> ${r.status} ${r.body}`);
    assert.equal(r.json.Code, 'InvalidParameter', `SpotPriceLimit=${limit}`);
  }
  const ff = Buffer.from([0x61, 0xff, 0x62]);
  let r = await signedBytes('CreateVpc', { RegionId: 'local', CidrBlock: '10.9.0.0/16', VpcName: ff }, h.VPC_VERSION);
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.Code, 'InvalidParameter');
  assert.match(r.json.Message, /VpcName is not valid UTF-8/);
  r = await signedBytes('CreateSecurityGroup', { RegionId: 'local', VpcId: network.vpcId, Description: Buffer.from([0xc3]) });
  assert.equal(r.status, 400, r.body);
  r = await signedBytes('RunInstances', { RegionId: 'local', ImageId: h.IMAGE, InstanceType: h.SMALL_TYPE,
    VSwitchId: network.vSwitchId, SecurityGroupId: network.securityGroupId, InstanceName: Buffer.from([0xed, 0xa0, 0x80]) });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.Code, 'InvalidInstanceName.Malformed');
  // Valid multi-byte text is still text.
  r = await signedBytes('CreateVpc', { RegionId: 'local', CidrBlock: '10.8.0.0/16', VpcName: Buffer.from('été-中文', 'utf8') }, h.VPC_VERSION);
  assert.equal(r.status, 200, r.body);
  const vpcId = r.json.VpcId;

  await server.restart();
  await alive();
  const vpcs = (await h.rawV1(server, 'DescribeVpcs', { RegionId: 'local', VpcId: vpcId }, { version: h.VPC_VERSION })).json;
  assert.equal(vpcs.Vpcs.Vpc[0].VpcName, 'été-中文');
});
