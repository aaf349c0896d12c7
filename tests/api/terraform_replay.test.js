'use strict';
// Replays, call by call, what the alicloud Terraform provider (github.com/aliyun/terraform-provider-alicloud)
// sends to ECS 2014-05-26 and VPC 2016-04-28 during `terraform apply` (create + the read after it),
// a refresh, an update apply and `terraform destroy`, for: vpc, vswitch, security group + rules,
// key pair, instance (with a data disk), disk + disk attachment, EIP + association, image (from the
// instance), network interface + attachment, deployment set. The sequences, the fields the provider reads and why
// each one matters are in terraform/SEQUENCES.md.
//
// How the provider sends requests (and so how this file sends them):
//  - client.RpcPost / conn.DoRequest (github.com/alibabacloud-go/tea-rpc): POST /, the system
//    parameters (Action, Format=json, Version, Timestamp, SignatureNonce, SignatureMethod=HMAC-SHA1,
//    SignatureVersion=1.0, AccessKeyId, Signature) plus the call's "query" map in the URL query, the
//    call's "request" map flattened (rpcutil.Query: lists -> Key.N, maps -> Key.Sub, bools ->
//    "true"/"false") and form-encoded in the body; signature v1 over query+body with method POST.
//  - the legacy typed SDK (github.com/aliyun/alibaba-cloud-sdk-go, client.WithEcsClient): POST /,
//    every parameter in the query string, Format=JSON, same signature, responses decoded into Go
//    structs with weak typing (so only presence/meaning matters there).
// Responses of the map-based path are decoded with UseNumber into map[string]interface{}, and the
// provider type-asserts some fields (`.(bool)`, `.(string)`, `.(map[string]interface{})`): a wrong
// or missing one panics the provider; those are checked as such below.
//
// Each resource step collects every failed expectation and fails once with the list; a missing
// action is reported as "MISSING ACTION X (version)". Steps go on with the ids they have, so later
// resources are exercised even where the real provider would already have stopped.

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const h = require('./helpers');

const R = h.REGION;
const ZONE = h.ZONE_A;
const ECS = '2014-05-26';
const VPC = '2016-04-28';
const TYPE = 'ecs.g7.large'; // 2 ENIs, so the network interface can be attached
const NEW_TYPE = 'ecs.c7.large';
const WAIT_MS = Number(process.env.TF_REPLAY_WAIT_MS || 30000);

let server;
const missingActions = new Map(); // "Action (version)" -> Set of steps
let currentStep = '';

// ---------------------------------------------------------------------------------------------
// Wire: tea-rpc (RpcPost) and alibaba-cloud-sdk-go (typed) requests, byte-compatible

function flatten(prefix, v, out) {
  if (v === undefined || v === null) return; // json.Marshal(nil) -> skipped by rpcutil.Query
  if (Array.isArray(v)) { v.forEach((e, i) => flatten(`${prefix}.${i + 1}`, e, out)); return; }
  if (typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) flatten(prefix ? `${prefix}.${k}` : k, x, out);
    return;
  }
  out[prefix] = String(v);
}
function rpcParams(m) {
  const out = {};
  for (const [k, v] of Object.entries(m || {})) flatten(k, v, out);
  return out;
}
// Go url.QueryEscape + the tea replacements (+ -> %20, * -> %2A, %7E -> ~)
const qesc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

async function send(version, action, query, body, format) {
  const q = {
    Action: action, Format: format, Version: version,
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureNonce: crypto.randomBytes(16).toString('hex'),
    ...rpcParams(query),
    SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', AccessKeyId: server.ak,
  };
  const b = body ? rpcParams(body) : null;
  const signed = { ...q, ...(b || {}) };
  const canon = Object.keys(signed).sort().map((k) => `${qesc(k)}=${qesc(signed[k])}`).join('&');
  q.Signature = crypto.createHmac('sha1', `${server.secret}&`).update(`POST&%2F&${qesc(canon)}`).digest('base64');
  const headers = {
    host: server.endpoint, 'x-acs-version': version, 'x-acs-action': action,
    'user-agent': 'AlibabaCloud (linux; amd64) Go/1.22 Core/0.01 TeaDSL/1 Terraform/1.9.0 Provider/1.240.0',
  };
  let data;
  if (b) {
    data = Object.keys(b).map((k) => `${qesc(k)}=${qesc(b[k])}`).join('&');
    headers['content-type'] = 'application/x-www-form-urlencoded';
    headers['content-length'] = Buffer.byteLength(data);
  } else {
    headers['content-length'] = 0;
  }
  const path = `/?${Object.keys(q).map((k) => `${qesc(k)}=${qesc(q[k])}`).join('&')}`;
  const r = await h.httpRequest({ port: server.port, method: 'POST', path, headers, body: data, timeoutMs: 20000 });
  return { status: r.status, json: r.json, text: r.body, action, version };
}
// client.RpcPost(product, version, action, query, request, autoRetry) / conn.DoRequest(...)
const rpc = (version, action, query, body) => send(version, action, query, body, 'json');
// client.WithEcsClient(... ecs.CreateXxxRequest() ...): typed, everything in the query string
const typed = (version, action, params) => send(version, action, params, null, 'JSON');

function failureOf(r) {
  if (r.status === 200 && r.json && !r.json.Code) return null;
  const code = r.json && r.json.Code;
  if (code === 'InvalidAction.NotFound') {
    const key = `${r.action} (${r.version})`;
    if (!missingActions.has(key)) missingActions.set(key, new Set());
    missingActions.get(key).add(currentStep);
    return `MISSING ACTION ${key}: OpenECS answers InvalidAction.NotFound`;
  }
  return `${r.action} (${r.version}) failed: HTTP ${r.status} ${code}: ${r.json ? r.json.Message : r.text.slice(0, 200)}`;
}
// The provider's error path: any error is fatal unless listed in `tolerated` (returns null then).
function ok(r, why, tolerated = []) {
  const f = failureOf(r);
  if (!f) return r.json;
  if (r.json && tolerated.includes(r.json.Code)) return null;
  assert.fail(why ? `${f} — ${why}` : f);
}
function isErr(r) { return failureOf(r) !== null; }

// resource.Retry(...) around a call: retry while the error code is one the provider retries
// (its list, plus NeedRetry: ServiceUnavailable, *Throttling*, 5xx), then fail like the provider.
async function retrying(call, codes = [], ms = 15000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const r = await call();
    const code = r.json && r.json.Code;
    const retryable = r.status >= 500 || code === 'ServiceUnavailable' || /Throttling/.test(code || '') || codes.includes(code);
    if (!isErr(r) || !retryable || Date.now() > deadline) return r;
    await h.sleep(300);
  }
}

// ---------------------------------------------------------------------------------------------
// Provider semantics: Go type assertions, StateChangeConf, soft expectation lists

const typeOf = (v) => (v === undefined ? 'missing' : v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
function goMap(v, path) {
  assert.ok(v && typeof v === 'object' && !Array.isArray(v), `provider panics: ${path}.(map[string]interface{}) on ${typeOf(v)}${v === undefined ? '' : ` ${JSON.stringify(v)}`}`);
  return v;
}
function goArr(v, path) {
  assert.ok(Array.isArray(v), `provider panics: ${path}.([]interface{}) on ${typeOf(v)} ${JSON.stringify(v)}`);
  return v;
}
function goBool(v, path) {
  assert.equal(typeof v, 'boolean', `provider panics: ${path}.(bool) on ${typeOf(v)} ${JSON.stringify(v)}`);
  return v;
}
function goStr(v, path) {
  assert.equal(typeof v, 'string', `provider panics: ${path}.(string) on ${typeOf(v)} ${JSON.stringify(v)}`);
  return v;
}
// formatInt(): nil -> 0, numbers and numeric strings ok, anything else panics
function goFormatInt(v, path) {
  if (v === undefined || v === null) return 0;
  assert.ok(typeof v === 'number' || (typeof v === 'string' && /^-?\d+$/.test(v)), `provider panics: formatInt(${path}) on ${typeOf(v)} ${JSON.stringify(v)}`);
  return Number(v);
}
// tagsToMap(): Tag items with TagKey/TagValue or Key/Value
function tagMap(list, path) {
  if (list === undefined || list === null) return {};
  goArr(list, path);
  const out = {};
  for (const t of list) {
    goMap(t, `${path}[]`);
    if ('TagKey' in t) out[goStr(t.TagKey, `${path}[].TagKey`)] = t.TagValue;
    else if ('Key' in t) out[goStr(t.Key, `${path}[].Key`)] = t.Value;
  }
  return out;
}
function sameTags(got, want, what) {
  assert.deepEqual(got, want, `${what}: tags read back ${JSON.stringify(got)}, config has ${JSON.stringify(want)} (terraform shows a diff forever)`);
}

// resource.StateChangeConf.WaitForState: refresh() -> {found, state, obj}; a refresh error aborts;
// not found with an empty target is success (deletes); a state outside pending+target fails when
// pending is non-empty; otherwise keep polling until the timeout.
async function waitState(what, refresh, { pending = [], target = [], timeoutMs = WAIT_MS } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  let notFound = 0;
  for (;;) {
    last = await refresh();
    if (!last.found) {
      if (target.length === 0) return last;
      if (++notFound > 20) assert.fail(`${what}: resource not found 20 times while waiting for ${JSON.stringify(target)}`);
    } else {
      notFound = 0;
      if (target.includes(last.state)) return last;
      if (pending.length && !pending.includes(last.state)) {
        assert.fail(`${what}: unexpected state ${JSON.stringify(last.state)}; the provider accepts pending ${JSON.stringify(pending)} target ${JSON.stringify(target)}`);
      }
    }
    if (Date.now() > deadline) {
      assert.fail(`${what}: timed out after ${timeoutMs} ms waiting for ${target.length ? JSON.stringify(target) : 'the resource to disappear'}; last state ${JSON.stringify(last.found ? last.state : '(not found)')}`);
    }
    await h.sleep(250);
  }
}

function expectations(step) {
  currentStep = step;
  const failures = [];
  return {
    async check(name, fn) {
      try { return await fn(); } catch (e) {
        failures.push(`${name}: ${String((e && e.message) || e).split('\n')[0]}`);
        return undefined;
      }
    },
    done() {
      if (failures.length) assert.fail(`${step}: ${failures.length} provider expectation(s) failed:\n  - ${failures.join('\n  - ')}`);
    },
  };
}
function need(v, what) {
  assert.ok(v, `prerequisite missing: ${what}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// The provider's own describe functions (service_alicloud_*), translated

// VpcServiceV2.DescribeVpcVpc: DescribeVpcAttribute; only `VpcId: ""` means "gone".
async function describeVpcVpc(id) {
  const j = ok(await rpc(VPC, 'DescribeVpcAttribute', { VpcId: id, RegionId: R }, null));
  if (j.VpcId === '') return { found: false };
  return { found: true, obj: j, state: String(j.Status) };
}
// VpcServiceV2.DescribeVpcDescribeRouteTableList: the System route table of the VPC
async function describeVpcRouteTable(id) {
  const j = ok(await rpc(VPC, 'DescribeRouteTableList', { VpcId: id, RegionId: R }, null));
  const list = j.RouterTableList && j.RouterTableList.RouterTableListType;
  assert.ok(Array.isArray(list), `DescribeRouteTableList: no $.RouterTableList.RouterTableListType[*] in ${JSON.stringify(j).slice(0, 200)} (provider: "Getting resource attribute by path failed")`);
  const sys = list.find((x) => x && x.RouteTableType === 'System' && x.VpcId === id);
  return sys ? { found: true, obj: sys } : { found: false };
}
// VpcServiceV2.DescribeVpcVswitch: DescribeVSwitchAttributes; only `VSwitchId: ""` means "gone",
// and VpcVswitchStateRefreshFunc then reports state "".
async function describeVswitch(id) {
  const j = ok(await rpc(VPC, 'DescribeVSwitchAttributes', { VSwitchId: id }, { RegionId: R }));
  if (j.VSwitchId === '') return { found: true, obj: j, state: '' };
  return { found: true, obj: j, state: String(j.Status) };
}
// EcsServiceV2.DescribeEcsSecurityGroup: DescribeSecurityGroups SecurityGroupId=<id>, first entry
async function describeEcsSecurityGroup(id) {
  const j = ok(await rpc(ECS, 'DescribeSecurityGroups', null, { SecurityGroupId: id, RegionId: R }));
  const list = goArr(j.SecurityGroups && j.SecurityGroups.SecurityGroup, '$.SecurityGroups.SecurityGroup');
  if (!list.length || list[0].SecurityGroupId == null) return { found: false };
  return { found: true, obj: list[0] };
}
// EcsServiceV2.DescribeSecurityGroupDescribeSecurityGroupAttribute
async function describeSgAttribute(id) {
  const j = ok(await rpc(ECS, 'DescribeSecurityGroupAttribute', null, { SecurityGroupId: id, RegionId: R }), '', ['InvalidSecurityGroupId.NotFound']);
  return j ? { found: true, obj: j } : { found: false };
}
// EcsService.DescribeSecurityGroup (typed): SecurityGroupId must echo the id
async function describeSecurityGroupTyped(id) {
  const j = ok(await typed(ECS, 'DescribeSecurityGroupAttribute', { SecurityGroupId: id, RegionId: R }), '', ['InvalidSecurityGroupId.NotFound']);
  return j && j.SecurityGroupId === id ? { found: true, obj: j } : { found: false };
}
// EcsService.DescribeSecurityGroupRule (typed), id sg:direction:proto:ports:nic:cidr:policy:priority
async function describeSecurityGroupRule(ruleId) {
  const [sg, direction, proto, ports, nic, cidr, policy, priority] = ruleId.split(':');
  const j = ok(await typed(ECS, 'DescribeSecurityGroupAttribute', { SecurityGroupId: sg, Direction: direction, NicType: nic, RegionId: R }), '', ['InvalidSecurityGroupId.NotFound']);
  if (!j) return { found: false };
  const perms = (j.Permissions && j.Permissions.Permission) || [];
  for (const p of perms) {
    if (String(p.IpProtocol).toLowerCase() !== proto || p.PortRange !== ports) continue;
    let c;
    if (direction === 'ingress') c = p.SourceCidrIp || p.SourceGroupId || p.Ipv6SourceCidrIp;
    else c = p.DestCidrIp || p.DestGroupId || p.Ipv6DestCidrIp;
    if (c === cidr && String(p.Policy).toLowerCase() === policy && String(p.Priority) === priority) return { found: true, obj: p };
  }
  return { found: false, perms };
}
// EcsServiceV2.DescribeEcsKeyPair
async function describeEcsKeyPair(name) {
  const j = ok(await rpc(ECS, 'DescribeKeyPairs', null, { KeyPairName: name, RegionId: R }));
  const list = goArr(j.KeyPairs && j.KeyPairs.KeyPair, '$.KeyPairs.KeyPair');
  if (!list.length || list[0].KeyPairName === '') return { found: false };
  return { found: true, obj: list[0] };
}
// EcsService.DescribeInstance (typed) + InstanceStateRefreshFunc
async function describeInstance(id) {
  const j = ok(await typed(ECS, 'DescribeInstances', { RegionId: R, InstanceIds: JSON.stringify([id]) }));
  const list = (j.Instances && j.Instances.Instance) || [];
  if (!list.length) return { found: false };
  return { found: true, obj: list[0], state: list[0].Status };
}
// EcsService.DescribeEcsNetworkInterface (map): NetworkInterfaceId.1=<id>
async function describeEcsNetworkInterface(id, extra = {}) {
  const j = ok(await rpc(ECS, 'DescribeNetworkInterfaces', null, { RegionId: R, NetworkInterfaceId: [id], ...extra }),
    '', ['InvalidEcsId.NotFound', 'InvalidEniId.NotFound', 'InvalidSecurityGroupId.NotFound', 'InvalidVSwitchId.NotFound']);
  if (!j) return { found: false };
  const list = goArr(j.NetworkInterfaceSets && j.NetworkInterfaceSets.NetworkInterfaceSet, '$.NetworkInterfaceSets.NetworkInterfaceSet');
  if (!list.length) return { found: false };
  if (goStr(list[0].NetworkInterfaceId, 'NetworkInterfaceSet[0]["NetworkInterfaceId"]') !== id) return { found: false };
  return { found: true, obj: list[0], state: String(list[0].Status) };
}
// EcsServiceV2.DescribeEcsDisk: DescribeDisks DiskIds=["id"]; Status must be non-nil
async function describeEcsDiskV2(id) {
  const j = ok(await retrying(() => rpc(ECS, 'DescribeDisks', null, { DiskIds: JSON.stringify([id]), RegionId: R }), ['InternalError']));
  const list = j.Disks && j.Disks.Disk;
  if (!Array.isArray(list) || !list.length || list[0].Status == null) return { found: false };
  return { found: true, obj: list[0], state: String(list[0].Status) };
}
// EcsService.DescribeEcsDisk (map, used by ecs_disk_attachment): DiskId.(string) must echo the id
async function describeEcsDiskV1(id) {
  const j = ok(await rpc(ECS, 'DescribeDisks', null, { RegionId: R, DiskIds: JSON.stringify([id]) }));
  const list = goArr(j.Disks && j.Disks.Disk, '$.Disks.Disk');
  if (!list.length || goStr(list[0].DiskId, 'Disks.Disk[0]["DiskId"]') !== id) return { found: false };
  return { found: true, obj: list[0], state: String(list[0].Status) };
}
// EipServiceV2: DescribeEipAddresses AllocationId=<id> (+ ListTagResources in the generations that merge it)
async function describeEip(id) {
  const j = ok(await rpc(VPC, 'DescribeEipAddresses', null, { AllocationId: id, RegionId: R }));
  const list = goArr(j.EipAddresses && j.EipAddresses.EipAddress, '$.EipAddresses.EipAddress');
  if (!list.length) return { found: false };
  const o = list[0];
  // EipAddressStateRefreshFunc: a non-string Status is treated as "not found"
  if (typeof o.Status !== 'string') return { found: false, obj: o };
  return { found: true, obj: o, state: o.Status };
}
// DescribeEipAssociation: the EIP's InstanceId must be the associated instance
async function describeEipAssociation(allocationId, instanceId) {
  const e = await describeEip(allocationId);
  if (!e.found || e.obj.InstanceId !== instanceId) return { found: false, obj: e.obj };
  return { found: true, obj: e.obj, state: String(e.obj.PrivateIpAddress) };
}
// EcsService.DescribeImageById (typed)
async function describeImage(id) {
  const j = ok(await typed(ECS, 'DescribeImages', { RegionId: R, ImageId: id, Status: 'Creating,Waiting,Available,UnAvailable,CreateFailed' }));
  const list = (j.Images && j.Images.Image) || [];
  if (!list.length) return { found: false };
  return { found: true, obj: list[0], state: list[0].Status };
}
// EcsService.ListTagResources (map): TagResources.TagResource
async function listEcsTags(id, type) {
  const j = ok(await rpc(ECS, 'ListTagResources', null, { RegionId: R, ResourceType: type, 'ResourceId.1': id }));
  return tagMap(j.TagResources && j.TagResources.TagResource, '$.TagResources.TagResource');
}
// parsingTags()/diffTags(): removed = old keys that are gone or changed; added = the whole new map
function tagChange(oldTags, newTags) {
  const removed = Object.keys(oldTags).filter((k) => !(k in newTags) || newTags[k] !== oldTags[k]);
  return { removed, added: newTags };
}
// EcsServiceV2.SetResourceTags / EcsService.SetResourceTags (map), or updateTags() (typed, with All=true)
async function setEcsTags(id, type, oldTags, newTags, { legacyTyped = false } = {}) {
  const { removed, added } = tagChange(oldTags, newTags);
  if (removed.length) {
    const p = { RegionId: R, ResourceType: type, 'ResourceId.1': id };
    removed.forEach((k, i) => { p[`TagKey.${i + 1}`] = k; });
    if (legacyTyped) ok(await typed(ECS, 'UntagResources', { ...p, All: 'true' }));
    else ok(await rpc(ECS, 'UntagResources', null, p));
  }
  const entries = Object.entries(added);
  if (entries.length) {
    const p = { RegionId: R, ResourceType: type, 'ResourceId.1': id };
    entries.forEach(([k, v], i) => { p[`Tag.${i + 1}.Key`] = k; p[`Tag.${i + 1}.Value`] = v; });
    if (legacyTyped) ok(await typed(ECS, 'TagResources', p));
    else ok(await rpc(ECS, 'TagResources', null, p));
  }
}
// VpcServiceV2.SetResourceTags / EipServiceV2.SetResourceTags (VPC API; note "UnTagResources")
async function setVpcTags(id, type, oldTags, newTags) {
  const { removed, added } = tagChange(oldTags, newTags);
  if (removed.length) {
    const p = { 'ResourceId.1': id, RegionId: R, ResourceType: type };
    removed.forEach((k, i) => { p[`TagKey.${i + 1}`] = k; });
    ok(await rpc(VPC, 'UnTagResources', null, p));
  }
  const entries = Object.entries(added);
  if (entries.length) {
    const p = { 'ResourceId.1': id, RegionId: R, ResourceType: type };
    entries.forEach(([k, v], i) => { p[`Tag.${i + 1}.Key`] = k; p[`Tag.${i + 1}.Value`] = v; });
    ok(await rpc(VPC, 'TagResources', null, p));
  }
}
// buildClientToken(): "TF-<Action>-<unix seconds>-<uuid>" cut to 64 characters
const clientToken = (action) => `TF-${action}-${Math.floor(Date.now() / 1000)}-${crypto.randomUUID()}`.slice(0, 64);

// ssh-rsa public key for ImportKeyPair (alicloud_ecs_key_pair with public_key)
function sshRsaPublicKey() {
  const { publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const mpint = (b64u) => { const b = Buffer.from(b64u, 'base64url'); return b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b; };
  const str = (b) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
  return `ssh-rsa ${Buffer.concat([str(Buffer.from('ssh-rsa')), str(mpint(jwk.e)), str(mpint(jwk.n))]).toString('base64')} tf-replay`;
}

// ---------------------------------------------------------------------------------------------
// The "terraform configuration"

const cfg = {
  vpc: { cidr: '172.16.0.0/16', name: 'tf-vpc', desc: 'tf vpc', tags: { env: 'tf', team: 'a' } },
  vpc2: { name: 'tf-vpc-renamed', desc: 'tf vpc 2', tags: { env: 'tf', owner: 'b' } },
  vsw: { cidr: '172.16.1.0/24', name: 'tf-vsw', desc: 'tf vswitch', tags: { env: 'tf' } },
  vsw2: { name: 'tf-vsw-renamed', desc: 'tf vswitch 2', tags: { env: 'tf2' } },
  sg: { name: 'tf-sg', desc: 'tf sg', tags: { env: 'tf' }, inner: 'Accept' },
  sg2: { name: 'tf-sg-renamed', desc: 'tf sg 2', tags: { env: 'tf', k2: 'v2' }, inner: 'Drop' },
  kp: { name: 'tf-kp', tags: { env: 'tf' } },
  inst: { name: 'tf-instance', desc: 'tf instance', tags: { env: 'tf', team: 'a' }, userData: Buffer.from('#!/bin/sh\necho tf\n').toString('base64') },
  inst2: { name: 'tf-instance-renamed', desc: 'tf instance 2', tags: { env: 'tf', owner: 'b' }, bandwidth: 5 },
  disk: { name: 'tf-disk', desc: 'tf disk', size: 20, tags: { env: 'tf' } },
  disk2: { name: 'tf-disk-renamed', desc: 'tf disk 2', size: 30, tags: { env: 'tf2' } },
  eip: { name: 'tf-eip', desc: 'tf eip', bandwidth: '5', tags: { env: 'tf' } },
  eip2: { name: 'tf-eip-renamed', desc: 'tf eip 2', bandwidth: '10', tags: { env: 'tf2' } },
  image: { name: 'tf-image', desc: 'tf image', tags: { env: 'tf' } },
  image2: { name: 'tf-image-renamed', desc: 'tf image 2', tags: { env: 'tf2' } },
  eni: { name: 'tf-eni', desc: 'tf eni', tags: { env: 'tf' } },
  eni2: { name: 'tf-eni-renamed', desc: 'tf eni 2', tags: { env: 'tf2' } },
};
const S = {}; // ids created so far

// ---------------------------------------------------------------------------------------------
// Reads (resource*Read), shared by apply, refresh and update

async function readVpc(x, isNew) {
  const want = S.vpcWant;
  const d = await x.check('Read: DescribeVpcAttribute', async () => {
    const r = await describeVpcVpc(S.vpcId);
    assert.ok(r.found, `DescribeVpcAttribute says VpcId "" for a live VPC${isNew ? ' (hard error on a new resource)' : ' (resource dropped from state)'}`);
    return r.obj;
  });
  if (d) {
    await x.check('Read: DescribeVpcAttribute fields', () => {
      assert.equal(d.VpcId, S.vpcId, 'VpcId');
      assert.equal(d.CidrBlock, cfg.vpc.cidr, 'CidrBlock');
      assert.equal(d.VpcName, want.name, 'VpcName (vpc_name)');
      assert.equal(d.Description, want.desc, 'Description');
      assert.equal(d.Status, 'Available', 'Status');
      assert.ok(typeof d.VRouterId === 'string' && d.VRouterId, 'VRouterId (router_id) must be a non-empty string');
      assert.equal(typeof d.CreationTime, 'string', 'CreationTime (create_time)');
      assert.equal(typeof d.EnabledIpv6, 'boolean', 'EnabledIpv6 (enable_ipv6, TypeBool)');
      goBool(d.ClassicLinkEnabled, 'object["ClassicLinkEnabled"] (read by Update when classic_link_enabled changes)');
      if (d.Ipv6CidrBlocks !== undefined) goArr(d.Ipv6CidrBlocks.Ipv6CidrBlock, '$.Ipv6CidrBlocks.Ipv6CidrBlock');
      sameTags(tagMap(d.Tags && d.Tags.Tag, '$.Tags.Tag'), want.tags, 'alicloud_vpc');
      if (want.group) assert.equal(d.ResourceGroupId, want.group, 'ResourceGroupId (resource_group_id)');
      else assert.match(goStr(d.ResourceGroupId, 'ResourceGroupId'), /^rg-/, 'ResourceGroupId: the default group (Optional+Computed)');
    });
  }
  await x.check('Read: DescribeRouteTableList (errors other than not-found are fatal)', async () => {
    const rt = await describeVpcRouteTable(S.vpcId);
    assert.ok(rt.found, 'no System route table with this VpcId: route_table_id/router_table_id stay empty');
    assert.ok(typeof rt.obj.RouteTableId === 'string' && rt.obj.RouteTableId, 'RouteTableId (route_table_id)');
    assert.equal(rt.obj.RouterId, d ? d.VRouterId : rt.obj.RouterId, 'RouterId must be the VPC VRouterId (router_id is set from both)');
  });
}

async function readVswitch(x, isNew) {
  const want = S.vswWant;
  await x.check('Read: DescribeVSwitchAttributes', async () => {
    const r = await describeVswitch(S.vswId);
    assert.ok(r.state !== '', `VSwitchId "" for a live vSwitch${isNew ? ' (hard error)' : ''}`);
    const d = r.obj;
    assert.equal(d.VSwitchId, S.vswId);
    assert.equal(d.CidrBlock, cfg.vsw.cidr, 'CidrBlock');
    assert.equal(d.VpcId, S.vpcId, 'VpcId');
    assert.equal(d.ZoneId, ZONE, 'ZoneId');
    assert.equal(d.VSwitchName, want.name, 'VSwitchName');
    assert.equal(d.Description, want.desc, 'Description');
    assert.equal(d.Status, 'Available', 'Status');
    assert.equal(typeof d.CreationTime, 'string', 'CreationTime');
    if (d.Ipv6CidrBlock !== undefined && d.Ipv6CidrBlock !== '') goStr(d.Ipv6CidrBlock, 'objectRaw["Ipv6CidrBlock"]');
    sameTags(tagMap(d.Tags && d.Tags.Tag, '$.Tags.Tag'), want.tags, 'alicloud_vswitch');
  });
}

async function readSecurityGroup(x) {
  const want = S.sgWant;
  await x.check('Read: DescribeSecurityGroups SecurityGroupId=<id>', async () => {
    const r = await describeEcsSecurityGroup(S.sgId);
    assert.ok(r.found, 'security group not listed');
    const g = r.obj;
    assert.equal(g.SecurityGroupId, S.sgId, 'the provider reads the FIRST entry: SecurityGroupId filter must apply');
    assert.equal(g.SecurityGroupName, want.name, 'SecurityGroupName');
    assert.equal(g.Description, want.desc, 'Description');
    assert.equal(g.VpcId, S.vpcId, 'VpcId');
    assert.equal(g.SecurityGroupType, 'normal', 'SecurityGroupType');
    assert.equal(typeof g.CreationTime, 'string', 'CreationTime');
    sameTags(tagMap(g.Tags && g.Tags.Tag, '$.Tags.Tag'), want.tags, 'alicloud_security_group');
  });
  await x.check('Read: DescribeSecurityGroupAttribute', async () => {
    const r = await describeSgAttribute(S.sgId);
    assert.ok(r.found);
    assert.equal(r.obj.InnerAccessPolicy, want.inner, 'InnerAccessPolicy (inner_access_policy)');
  });
}

async function readRule(x, rule, isNew) {
  await x.check(`Read rule ${rule.id}: DescribeSecurityGroupAttribute Direction+NicType (typed)`, async () => {
    const r = await describeSecurityGroupRule(rule.id);
    assert.ok(r.found, `no permission matches protocol/port/cidr/policy/priority of ${rule.id}${isNew ? ' (NotFound on a new rule is fatal)' : ''}; got ${JSON.stringify(r.perms)}`);
    const p = r.obj;
    assert.equal(p.Direction, rule.direction, 'Direction (type)');
    assert.equal(p.NicType, 'intranet', 'NicType');
    assert.equal(p.Description, rule.desc, 'Description');
    assert.ok(/^\d+$/.test(String(p.Priority)), `Priority must parse with strconv.Atoi (else the read fails): ${JSON.stringify(p.Priority)}`);
    assert.equal(typeof p.SecurityGroupRuleId, 'string', 'SecurityGroupRuleId (security_group_rule_id)');
  });
}

async function readKeyPair(x, name, wantTags) {
  await x.check(`Read: DescribeKeyPairs KeyPairName=${name}`, async () => {
    const r = await describeEcsKeyPair(name);
    assert.ok(r.found, 'key pair not listed');
    const k = r.obj;
    assert.equal(k.KeyPairName, name);
    assert.match(String(k.KeyPairFingerPrint), /^[0-9a-f]{2}(:[0-9a-f]{2}){15}$/, 'KeyPairFingerPrint (finger_print)');
    assert.equal(typeof k.CreationTime, 'string', 'CreationTime');
    sameTags(tagMap(k.Tags && k.Tags.Tag, '$.Tags.Tag'), wantTags, 'alicloud_ecs_key_pair');
  });
}

async function readInstance(x, isNew) {
  const want = S.instWant;
  const inst = await x.check('Read: DescribeInstances InstanceIds=["id"] (typed)', async () => {
    const r = await describeInstance(S.instanceId);
    assert.ok(r.found, 'instance not listed');
    return r.obj;
  });
  if (inst) {
    await x.check('Read: DescribeInstances fields', () => {
      assert.equal(inst.InstanceName, want.name, 'InstanceName');
      assert.equal(inst.Description, want.desc, 'Description');
      assert.equal(inst.InstanceType, want.type, 'InstanceType');
      assert.equal(inst.ImageId, h.IMAGE, 'ImageId');
      assert.equal(inst.ZoneId, ZONE, 'ZoneId (availability_zone)');
      assert.equal(inst.KeyPairName, cfg.kp.name, 'KeyPairName (key_name)');
      assert.equal(inst.InstanceChargeType, 'PostPaid', 'InstanceChargeType');
      assert.equal(inst.InternetChargeType, 'PayByTraffic', 'InternetChargeType');
      assert.equal(Number(inst.InternetMaxBandwidthOut), want.bandwidth, 'InternetMaxBandwidthOut');
      assert.equal(inst.VpcAttributes && inst.VpcAttributes.VSwitchId, S.vswId, 'VpcAttributes.VSwitchId (vswitch_id)');
      assert.equal(inst.VpcAttributes && inst.VpcAttributes.VpcId, S.vpcId, 'VpcAttributes.VpcId');
      assert.ok(inst.VpcAttributes.PrivateIpAddress.IpAddress[0], 'VpcAttributes.PrivateIpAddress.IpAddress[0] (private_ip)');
      assert.deepEqual([...inst.SecurityGroupIds.SecurityGroupId].sort(), [...want.sgs].sort(), 'SecurityGroupIds.SecurityGroupId (security_groups)');
      assert.equal(typeof inst.DeletionProtection, 'boolean', 'DeletionProtection');
      sameTags(tagMap(inst.Tags && inst.Tags.Tag, 'Tags.Tag'), want.tags, 'alicloud_instance');
      if (want.group) assert.equal(inst.ResourceGroupId, want.group, 'ResourceGroupId (resource_group_id)');
      else assert.match(goStr(inst.ResourceGroupId, 'ResourceGroupId'), /^rg-/, 'ResourceGroupId: the default group');
      if (want.publicIp) assert.ok(inst.PublicIpAddress && inst.PublicIpAddress.IpAddress && inst.PublicIpAddress.IpAddress[0], 'PublicIpAddress.IpAddress[0] (public_ip) after AllocatePublicIpAddress');
    });
  }
  await x.check('Read: DescribeDisks InstanceId+DiskType=system (typed; not found is fatal on a new instance)', async () => {
    const j = ok(await typed(ECS, 'DescribeDisks', { InstanceId: S.instanceId, DiskType: 'system', RegionId: R }));
    const d = j.Disks.Disk[0];
    assert.ok(d && d.InstanceId === S.instanceId, 'Disks.Disk[0].InstanceId must be the instance');
    assert.equal(d.Type, 'system');
    assert.equal(d.Category, 'cloud_efficiency', 'Category (system_disk_category)');
    assert.equal(Number(d.Size), 40, 'Size (system_disk_size)');
    S.systemDiskId = d.DiskId;
  });
  await x.check('Read: DescribeUserData (typed)', async () => {
    const j = ok(await typed(ECS, 'DescribeUserData', { RegionId: R, InstanceId: S.instanceId }));
    assert.equal(j.UserData, cfg.inst.userData, 'UserData (user_data)');
  });
  if (!isNew) {
    await x.check('Read (refresh only): DescribeInstanceRamRole InstanceIds=["id"] (typed)', async () => {
      const j = ok(await typed(ECS, 'DescribeInstanceRamRole', { RegionId: R, InstanceIds: JSON.stringify([S.instanceId]) }),
        'called on every refresh/plan of a VPC instance; an error fails the plan');
      assert.ok(j.InstanceRamRoleSets && Array.isArray(j.InstanceRamRoleSets.InstanceRamRoleSet), 'InstanceRamRoleSets.InstanceRamRoleSet');
    });
  }
  if (inst) {
    const nics = (inst.NetworkInterfaces && inst.NetworkInterfaces.NetworkInterface) || [];
    await x.check('Read: NetworkInterfaces.NetworkInterface has a Primary', () => {
      assert.ok(nics.some((n) => n.Type === 'Primary'), `no Type "Primary" in ${JSON.stringify(nics)}`);
    });
    for (const n of nics) {
      await x.check(`Read: DescribeNetworkInterfaces (map) for ${n.Type} ${n.NetworkInterfaceId}`, async () => {
        const r = await describeEcsNetworkInterface(n.NetworkInterfaceId);
        assert.ok(r.found, 'ENI of the instance not found (fatal)');
        const o = r.obj;
        if (o.Attachment !== undefined) goMap(o.Attachment, 'object["Attachment"]');
        if (n.Type === 'Primary') {
          for (const ip of goArr(goMap(o.PrivateIpSets, 'object["PrivateIpSets"]').PrivateIpSet, 'object["PrivateIpSets"]["PrivateIpSet"]')) {
            goBool(goMap(ip, 'PrivateIpSet[]').Primary, 'PrivateIpSet[]["Primary"]');
          }
          goArr(goMap(o.Ipv6Sets, 'object["Ipv6Sets"]').Ipv6Set, 'object["Ipv6Sets"]["Ipv6Set"]');
        } else {
          goMap(o.SecurityGroupIds, 'object["SecurityGroupIds"]');
        }
      });
    }
  }
  await x.check('Read: DescribeInstanceMaintenanceAttributes InstanceId.1 (map; errors fatal)', async () => {
    const j = ok(await rpc(ECS, 'DescribeInstanceMaintenanceAttributes', null, { RegionId: R, InstanceId: [S.instanceId] }));
    const list = goArr(j.MaintenanceAttributes && j.MaintenanceAttributes.MaintenanceAttribute, '$.MaintenanceAttributes.MaintenanceAttribute');
    const a = list.find((m) => m.InstanceId === S.instanceId) || list[0];
    assert.ok(a, 'no MaintenanceAttribute for the instance');
    if (a.MaintenanceWindows !== undefined) goArr(goMap(a.MaintenanceWindows, '["MaintenanceWindows"]').MaintenanceWindow, '["MaintenanceWindows"]["MaintenanceWindow"]');
    if (a.ActionOnMaintenance !== undefined) goMap(a.ActionOnMaintenance, '["ActionOnMaintenance"]');
  });
  await x.check('Read: DescribeInstanceAttribute (typed; InstanceId must echo the id)', async () => {
    const j = ok(await typed(ECS, 'DescribeInstanceAttribute', { InstanceId: S.instanceId, RegionId: R }));
    assert.equal(j.InstanceId, S.instanceId, 'InstanceId (else NotFound, fatal on a new instance)');
  });
}

async function readDisk(x) {
  const want = S.diskWant;
  await x.check('Read: DescribeDisks DiskIds=["id"] (map, EcsServiceV2)', async () => {
    const r = await describeEcsDiskV2(S.diskId);
    assert.ok(r.found, 'disk not listed or Status missing');
    const d = r.obj;
    assert.equal(d.DiskName, want.name, 'DiskName');
    assert.equal(d.Description, want.desc, 'Description');
    assert.equal(d.Category, want.category || 'cloud_efficiency', 'Category');
    assert.equal(d.PerformanceLevel, want.level || '', 'PerformanceLevel');
    assert.equal(Number(d.Size), want.size, 'Size');
    assert.equal(d.ZoneId, ZONE, 'ZoneId');
    assert.equal(typeof d.Encrypted, 'boolean', 'Encrypted (TypeBool)');
    assert.equal(typeof d.DeleteWithInstance, 'boolean', 'DeleteWithInstance (compared with fmt.Sprint on every update)');
    assert.equal(typeof d.EnableAutoSnapshot, 'boolean', 'EnableAutoSnapshot');
    assert.equal(d.DiskChargeType, 'PostPaid', 'DiskChargeType (payment_type PayAsYouGo)');
    sameTags(tagMap(d.Tags && d.Tags.Tag, '$.Tags.Tag'), want.tags, 'alicloud_ecs_disk');
  });
}

async function readEip(x) {
  const want = S.eipWant;
  await x.check('Read: DescribeEipAddresses AllocationId=<id>', async () => {
    const r = await describeEip(S.eipId);
    assert.ok(r.found, 'EIP not listed or Status not a string');
    const e = r.obj;
    assert.equal(e.AllocationId, S.eipId);
    assert.equal(e.Name, want.name, 'Name (address_name)');
    assert.equal(e.Description, want.desc, 'Description');
    assert.equal(String(e.EipBandwidth !== undefined ? e.EipBandwidth : e.Bandwidth), want.bandwidth, 'EipBandwidth/Bandwidth (bandwidth, TypeString)');
    assert.equal(e.InternetChargeType, 'PayByTraffic', 'InternetChargeType');
    assert.equal(e.ChargeType, 'PostPaid', 'ChargeType (payment_type)');
    assert.match(String(e.IpAddress), /^\d+\.\d+\.\d+\.\d+$/, 'IpAddress');
    assert.equal(typeof e.AllocationTime, 'string', 'AllocationTime (create_time)');
    assert.equal(typeof e.DeletionProtection, 'boolean', 'DeletionProtection');
    assert.notEqual(e.HDMonitorStatus, 'ON', 'HDMonitorStatus ON would call DescribeHighDefinitionMonitorLogAttribute');
    sameTags(tagMap(e.Tags && e.Tags.Tag, '$.Tags.Tag'), want.tags, 'alicloud_eip_address ($.Tags.Tag)');
  });
  await x.check('Read: ListTagResources ResourceType=EIP (VPC; EipServiceV2 generations that merge it)', async () => {
    const j = ok(await rpc(VPC, 'ListTagResources', null, { 'ResourceId.1': S.eipId, RegionId: R, ResourceType: 'EIP' }));
    sameTags(tagMap(j.TagResources && j.TagResources.TagResource, '$.TagResources.TagResource'), want.tags, 'alicloud_eip_address (ListTagResources)');
  });
}

async function readImage(x) {
  const want = S.imageWant;
  await x.check('Read: DescribeImages ImageId+Status list (typed)', async () => {
    const r = await describeImage(S.imageId);
    assert.ok(r.found, 'image not listed');
    const i = r.obj;
    assert.equal(i.ImageName, want.name, 'ImageName');
    assert.equal(i.Description, want.desc, 'Description');
    assert.equal(typeof i.Architecture, 'string', 'Architecture');
    assert.equal(typeof i.Platform, 'string', 'Platform');
    const m = i.DiskDeviceMappings && i.DiskDeviceMappings.DiskDeviceMapping;
    assert.ok(Array.isArray(m) && m.length, 'DiskDeviceMappings.DiskDeviceMapping (disk_device_mapping)');
    for (const e of m) assert.ok(/^\d+$/.test(String(e.Size)), 'DiskDeviceMapping[].Size (strconv.Atoi)');
  });
  await x.check('Read: ListTagResources ResourceType=image (ECS, map; errors fatal)', async () => {
    sameTags(await listEcsTags(S.imageId, 'image'), want.tags, 'alicloud_image');
  });
}

async function readEni(x) {
  const want = S.eniWant;
  await x.check('Read: DescribeNetworkInterfaces NetworkInterfaceId.1 (map)', async () => {
    const r = await describeEcsNetworkInterface(S.eniId);
    assert.ok(r.found, 'ENI not listed');
    const o = r.obj;
    assert.equal(o.NetworkInterfaceName, want.name, 'NetworkInterfaceName');
    assert.equal(o.Description, want.desc, 'Description');
    assert.equal(o.VSwitchId, S.vswId, 'VSwitchId');
    assert.match(String(o.MacAddress), /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'MacAddress (mac)');
    assert.ok(o.PrivateIpAddress, 'PrivateIpAddress (primary_ip_address)');
    for (const ip of goArr(goMap(o.PrivateIpSets, 'object["PrivateIpSets"]').PrivateIpSet, 'object["PrivateIpSets"]["PrivateIpSet"]')) {
      goBool(goMap(ip, 'PrivateIpSet[]').Primary, 'PrivateIpSet[]["Primary"]');
    }
    goArr(goMap(o.Ipv6Sets, 'object["Ipv6Sets"]').Ipv6Set, 'object["Ipv6Sets"]["Ipv6Set"]');
    goArr(goMap(o.Ipv4PrefixSets, 'object["Ipv4PrefixSets"]').Ipv4PrefixSet, 'object["Ipv4PrefixSets"]["Ipv4PrefixSet"]');
    goFormatInt(o.QueueNumber, 'object["QueueNumber"]');
    assert.deepEqual(goMap(o.SecurityGroupIds, 'object["SecurityGroupIds"]').SecurityGroupId, [S.sgId], 'SecurityGroupIds.SecurityGroupId');
    assert.equal(typeof o.Status, 'string', 'Status');
  });
  await x.check('Read: ListTagResources ResourceType=eni (ECS, map; errors fatal)', async () => {
    sameTags(await listEcsTags(S.eniId, 'eni'), want.tags, 'alicloud_ecs_network_interface');
  });
}

// ---------------------------------------------------------------------------------------------

describe('terraform-provider-alicloud replay', { timeout: 15 * 60 * 1000 }, () => {
  before(async () => { server = await h.startServer(); });
  after(async () => {
    if (missingActions.size) {
      const lines = [...missingActions].map(([k, steps]) => `#   ${k} <- ${[...steps].join(', ')}`);
      console.log(`# actions the provider needs that OpenECS lacks:\n${lines.join('\n')}`);
    }
    if (server) await server.destroy();
  });

  // ===== apply (create + read), then an update apply and a refresh, resource by resource =====

  it('alicloud_vpc: CreateVpc, wait Available, TagResources, read; update; refresh', async () => {
    const x = expectations('alicloud_vpc');
    // Create: CreateVpc (RpcPost, body), retried on TaskConflict/UnknownError
    const j = ok(await retrying(() => rpc(VPC, 'CreateVpc', {}, {
      RegionId: R, ClientToken: clientToken('CreateVpc'), CidrBlock: cfg.vpc.cidr, VpcName: cfg.vpc.name,
      Description: cfg.vpc.desc, 'Tag.1.Key': 'env', 'Tag.1.Value': 'tf', 'Tag.2.Key': 'team', 'Tag.2.Value': 'a',
    }), ['TaskConflict', 'UnknownError']));
    S.vpcId = goStr(j.VpcId, 'response["VpcId"]');
    S.vpcWant = { name: cfg.vpc.name, desc: cfg.vpc.desc, tags: cfg.vpc.tags };
    await x.check('Create wait: DescribeVpcAttribute Status -> Available', () =>
      waitState('VPC Available', () => describeVpcVpc(S.vpcId), { target: ['Available'] }));
    // Update (new resource): DescribeRouteTableList is fatal here on ANY error incl. not found
    await x.check('Create/Update: DescribeRouteTableList finds the System route table (fatal otherwise)', async () => {
      const rt = await describeVpcRouteTable(S.vpcId);
      assert.ok(rt.found, 'no System route table for the VPC: Update returns the NotFound error');
    });
    await x.check('Create/Update: TagResources ResourceType=VPC (VPC API; tags in config)', () => setVpcTags(S.vpcId, 'VPC', {}, cfg.vpc.tags));
    await readVpc(x, true);

    // Update apply: name, description, tags
    await x.check('Update: ModifyVpcAttribute VpcName+Description', async () => {
      ok(await retrying(() => rpc(VPC, 'ModifyVpcAttribute', {}, { VpcId: S.vpcId, RegionId: R, VpcName: cfg.vpc2.name, Description: cfg.vpc2.desc }),
        ['OperationFailed.LastTokenProcessing', 'LastTokenProcessing', 'IncorrectStatus', 'OperationConflict', 'SystemBusy', 'IncorrectVpcStatus']));
      S.vpcWant = { ...S.vpcWant, name: cfg.vpc2.name, desc: cfg.vpc2.desc };
    });
    await x.check('Update wait: DescribeVpcAttribute Status -> Available', () =>
      waitState('VPC Available after update', () => describeVpcVpc(S.vpcId), { target: ['Available'] }));
    await x.check('Update: DescribeRouteTableList (always called by Update)', () => describeVpcRouteTable(S.vpcId));
    await x.check('Update: UnTagResources + TagResources ResourceType=VPC', async () => {
      await setVpcTags(S.vpcId, 'VPC', cfg.vpc.tags, cfg.vpc2.tags);
      S.vpcWant = { ...S.vpcWant, tags: cfg.vpc2.tags };
    });
    await x.check('Update: MoveResourceGroup ResourceType=vpc (resource_group_id changed)', async () => {
      // The group itself comes from alicloud_resource_manager_resource_group (Resource Manager).
      const g = ok(await rpc('2020-03-31', 'CreateResourceGroup', {}, { Name: 'tf-project', DisplayName: 'tf project' }));
      const group = goStr(g.ResourceGroup.Id, 'ResourceGroup.Id');
      ok(await rpc(VPC, 'MoveResourceGroup', {}, { ResourceId: S.vpcId, RegionId: R, NewResourceGroupId: group, ResourceType: 'vpc' }));
      S.vpcWant = { ...S.vpcWant, group };
    });
    await readVpc(x, false);
    x.done();
  });

  it('alicloud_vswitch: CreateVSwitch, wait Available, TagResources, read; update', async () => {
    const x = expectations('alicloud_vswitch');
    need(S.vpcId, 'VPC');
    const j = ok(await retrying(() => rpc(VPC, 'CreateVSwitch', null, {
      RegionId: R, ClientToken: clientToken('CreateVSwitch'), CidrBlock: cfg.vsw.cidr, VpcId: S.vpcId,
      VSwitchName: cfg.vsw.name, Description: cfg.vsw.desc, ZoneId: ZONE,
    }), ['TaskConflict', 'IncorrectStatus.cbnStatus', 'InvalidStatus.RouteEntry', 'OperationFailed.IdempotentTokenProcessing',
      'IncorrectStatus', 'CreateVSwitch.IncorrectStatus.cbnStatus', 'IncorrectVSwitchStatus', 'OperationConflict',
      'OperationFailed.DistibuteLock', 'OperationFailed.NotifyCenCreate']));
    S.vswId = goStr(j.VSwitchId, 'response["VSwitchId"]');
    S.vswWant = { name: cfg.vsw.name, desc: cfg.vsw.desc, tags: cfg.vsw.tags };
    await x.check('Create wait: DescribeVSwitchAttributes Status -> Available', () =>
      waitState('vSwitch Available', () => describeVswitch(S.vswId), { target: ['Available'] }));
    await x.check('Create/Update: TagResources ResourceType=VSWITCH (VPC API)', () => setVpcTags(S.vswId, 'VSWITCH', {}, cfg.vsw.tags));
    await readVswitch(x, true);

    await x.check('Update: ModifyVSwitchAttribute VSwitchName+Description', async () => {
      ok(await retrying(() => rpc(VPC, 'ModifyVSwitchAttribute', null, { VSwitchId: S.vswId, RegionId: R, VSwitchName: cfg.vsw2.name, Description: cfg.vsw2.desc }),
        ['OperationConflict', 'OperationFailed.LastTokenProcessing', 'IncorrectStatus.VSwitch', 'IncorrectStatus.VpcRouteEntry']));
      S.vswWant = { ...S.vswWant, name: cfg.vsw2.name, desc: cfg.vsw2.desc };
    });
    await x.check('Update wait: DescribeVSwitchAttributes Status -> Available', () =>
      waitState('vSwitch Available after update', () => describeVswitch(S.vswId), { target: ['Available'] }));
    await x.check('Update: UnTagResources + TagResources ResourceType=VSWITCH', async () => {
      await setVpcTags(S.vswId, 'VSWITCH', cfg.vsw.tags, cfg.vsw2.tags);
      S.vswWant = { ...S.vswWant, tags: cfg.vsw2.tags };
    });
    await readVswitch(x, false);
    x.done();
  });

  it('alicloud_security_group + alicloud_security_group_rule: create, policy, rules, read; update', async () => {
    const x = expectations('alicloud_security_group(+_rule)');
    need(S.vpcId, 'VPC');
    // a decoy group first: DescribeSecurityGroups must honour SecurityGroupId (the provider takes [0])
    ok(await rpc(ECS, 'CreateSecurityGroup', {}, { RegionId: R, VpcId: S.vpcId, SecurityGroupName: 'decoy' }));
    const j = ok(await retrying(() => rpc(ECS, 'CreateSecurityGroup', {}, {
      RegionId: R, ClientToken: clientToken('CreateSecurityGroup'), 'Tag.1.Key': 'env', 'Tag.1.Value': 'tf',
      Description: cfg.sg.desc, VpcId: S.vpcId, SecurityGroupName: cfg.sg.name,
    })));
    S.sgId = goStr(j.SecurityGroupId, 'response["SecurityGroupId"]');
    S.sgWant = { name: cfg.sg.name, desc: cfg.sg.desc, tags: cfg.sg.tags, inner: cfg.sg.inner };
    await x.check('Create/Update: ModifySecurityGroupPolicy InnerAccessPolicy (inner_access_policy set)', async () =>
      ok(await rpc(ECS, 'ModifySecurityGroupPolicy', {}, { SecurityGroupId: S.sgId, RegionId: R, ClientToken: clientToken('ModifySecurityGroupPolicy'), InnerAccessPolicy: cfg.sg.inner })));
    await x.check('Create/Update: DescribeSecurityGroupAttribute (always, fatal)', async () => assert.ok((await describeSgAttribute(S.sgId)).found));
    await readSecurityGroup(x);
    // a second group for the instance's security_groups update
    S.sg2Id = ok(await rpc(ECS, 'CreateSecurityGroup', {}, { RegionId: R, ClientToken: clientToken('CreateSecurityGroup'), VpcId: S.vpcId, SecurityGroupName: 'tf-sg-b' })).SecurityGroupId;

    // alicloud_security_group_rule x2: DescribeSecurityGroupAttribute (typed) then Authorize* with Permissions.1.*
    S.rules = [];
    for (const rule of [
      { direction: 'ingress', action: 'AuthorizeSecurityGroup', proto: 'tcp', ports: '22/22', cidrKey: 'SourceCidrIp', cidr: '0.0.0.0/0', desc: 'ssh' },
      { direction: 'egress', action: 'AuthorizeSecurityGroupEgress', proto: 'udp', ports: '53/53', cidrKey: 'DestCidrIp', cidr: '10.0.0.0/8', desc: 'dns' },
    ]) {
      await x.check(`rule ${rule.direction}: DescribeSecurityGroupAttribute (typed) echoes SecurityGroupId, VpcId`, async () => {
        const g = await describeSecurityGroupTyped(S.sgId);
        assert.ok(g.found, 'SecurityGroupId not echoed: NotFound, fatal');
        assert.equal(g.obj.VpcId, S.vpcId, 'VpcId (nic_type must be intranet in a VPC)');
      });
      const created = await x.check(`rule ${rule.direction}: ${rule.action} Permissions.1.*`, async () => {
        ok(await retrying(() => rpc(ECS, rule.action, null, {
          RegionId: R, SecurityGroupId: S.sgId,
          Permissions: [{ IpProtocol: rule.proto, Policy: 'accept', Priority: '1', [rule.cidrKey]: rule.cidr, PortRange: rule.ports, NicType: 'intranet', Description: rule.desc }],
        })));
        return true;
      });
      if (!created) continue;
      rule.id = `${S.sgId}:${rule.direction}:${rule.proto}:${rule.ports}:intranet:${rule.cidr}:accept:1`;
      S.rules.push(rule);
      await readRule(x, rule, true);
    }

    // Update apply on the group: name/description, policy, tags
    await x.check('Update: ModifySecurityGroupAttribute SecurityGroupName+Description', async () => {
      ok(await rpc(ECS, 'ModifySecurityGroupAttribute', {}, { SecurityGroupId: S.sgId, RegionId: R, SecurityGroupName: cfg.sg2.name, Description: cfg.sg2.desc }));
      S.sgWant = { ...S.sgWant, name: cfg.sg2.name, desc: cfg.sg2.desc };
    });
    await x.check('Update: ModifySecurityGroupPolicy Drop', async () => {
      ok(await rpc(ECS, 'ModifySecurityGroupPolicy', {}, { SecurityGroupId: S.sgId, RegionId: R, ClientToken: clientToken('ModifySecurityGroupPolicy'), InnerAccessPolicy: cfg.sg2.inner }));
      S.sgWant = { ...S.sgWant, inner: cfg.sg2.inner };
    });
    await x.check('Update: TagResources ResourceType=securitygroup (map)', async () => {
      await setEcsTags(S.sgId, 'securitygroup', cfg.sg.tags, cfg.sg2.tags);
      S.sgWant = { ...S.sgWant, tags: cfg.sg2.tags };
    });
    await readSecurityGroup(x);
    // Update apply on a rule (description): ModifySecurityGroupRule via CommonRequest, flat params,
    // sent TWICE by the provider (once in the if/else, once more unconditionally)
    const ingress = S.rules.find((r) => r.direction === 'ingress');
    if (ingress) {
      await x.check('rule update: ModifySecurityGroupRule (typed CommonRequest, flat params) x2', async () => {
        for (let i = 0; i < 2; i++) {
          ok(await typed(ECS, 'ModifySecurityGroupRule', {
            RegionId: R, PortRange: '22/22', IpProtocol: 'tcp', Policy: 'accept', Priority: '1', SourceCidrIp: '0.0.0.0/0',
            NicType: 'intranet', SecurityGroupId: S.sgId, Description: 'ssh (updated)',
          }));
        }
        ingress.desc = 'ssh (updated)';
      });
      await readRule(x, ingress, false);
    }
    x.done();
  });

  it('alicloud_ecs_key_pair: CreateKeyPair / ImportKeyPair, read; tags update', async () => {
    const x = expectations('alicloud_ecs_key_pair');
    const j = ok(await rpc(ECS, 'CreateKeyPair', {}, { RegionId: R, KeyPairName: cfg.kp.name, 'Tag.1.Key': 'env', 'Tag.1.Value': 'tf' }));
    S.kpName = goStr(j.KeyPairName, 'response["KeyPairName"]');
    await x.check('Create: PrivateKeyBody is a string (written to key_file)', () => {
      goStr(j.PrivateKeyBody, 'response["PrivateKeyBody"]');
      assert.match(j.PrivateKeyBody, /BEGIN (RSA )?PRIVATE KEY/);
    });
    S.kpTags = cfg.kp.tags;
    await readKeyPair(x, S.kpName, S.kpTags);
    await x.check('Create (public_key set): ImportKeyPair PublicKeyBody', async () => {
      const k = ok(await rpc(ECS, 'ImportKeyPair', {}, { RegionId: R, KeyPairName: 'tf-kp-imported', PublicKeyBody: sshRsaPublicKey() }));
      assert.equal(k.KeyPairName, 'tf-kp-imported');
      S.kp2Name = k.KeyPairName;
    });
    if (S.kp2Name) await readKeyPair(x, S.kp2Name, {});
    await x.check('Update: UntagResources + TagResources ResourceType=keypair (map)', async () => {
      await setEcsTags(S.kpName, 'keypair', cfg.kp.tags, { env: 'tf2' });
      S.kpTags = { env: 'tf2' };
    });
    await readKeyPair(x, S.kpName, S.kpTags);
    x.done();
  });

  it('alicloud_instance (with data_disks): RunInstances, wait Running, read; refresh; update name/tags/sg/type/bandwidth', async () => {
    const x = expectations('alicloud_instance');
    need(S.vswId && S.sgId && S.kpName, 'vSwitch, security group and key pair');
    const j = ok(await retrying(() => rpc(ECS, 'RunInstances', null, {
      RegionId: R, ClientToken: clientToken('RunInstances'), InstanceType: TYPE, ImageId: h.IMAGE,
      'SystemDisk.Category': 'cloud_efficiency', 'SystemDisk.Size': 40, InstanceName: cfg.inst.name,
      Description: cfg.inst.desc, InternetChargeType: 'PayByTraffic', InternetMaxBandwidthOut: 0,
      InstanceChargeType: 'PostPaid', UserData: cfg.inst.userData, KeyPairName: S.kpName,
      'Tag.1.Key': 'env', 'Tag.1.Value': 'tf', 'Tag.2.Key': 'team', 'Tag.2.Value': 'a',
      DataDisk: [{ DeleteWithInstance: true, Encrypted: false, Size: 20, Category: 'cloud_efficiency', DiskName: 'tf-data' }],
      VSwitchId: S.vswId, SecurityGroupIds: [S.sgId], IoOptimized: 'optimized',
    }), ['IncorrectVSwitchStatus']));
    const set = goArr(goMap(j.InstanceIdSets, 'response["InstanceIdSets"]').InstanceIdSet, 'response["InstanceIdSets"]["InstanceIdSet"]');
    S.instanceId = set[0];
    S.instWant = { name: cfg.inst.name, desc: cfg.inst.desc, tags: cfg.inst.tags, type: TYPE, sgs: [S.sgId], bandwidth: 0 };
    await x.check('Create wait: DescribeInstances pending [Pending Starting Stopped] -> Running (fail: Stopping)', () =>
      waitState('instance Running', async () => {
        const r = await describeInstance(S.instanceId);
        if (r.found) assert.notEqual(r.state, 'Stopping', 'instance reached fail state Stopping');
        return r;
      }, { pending: ['Pending', 'Starting', 'Stopped'], target: ['Running'] }));
    await x.check('Create: the data disk exists (DeleteWithInstance=true)', async () => {
      const d = ok(await typed(ECS, 'DescribeDisks', { InstanceId: S.instanceId, DiskType: 'data', RegionId: R }));
      assert.equal(d.Disks.Disk.length, 1, 'one data disk');
      assert.equal(d.Disks.Disk[0].DeleteWithInstance, true);
    });
    await readInstance(x, true);
    await readInstance(x, false); // terraform plan/refresh: adds DescribeInstanceRamRole

    // Update apply: tags (typed updateTags, All=true), name/description, security_groups, instance_type, bandwidth
    await x.check('Update: UntagResources TagKey.1 + All=true, then TagResources (typed, ResourceType=instance)', async () => {
      await setEcsTags(S.instanceId, 'instance', cfg.inst.tags, cfg.inst2.tags, { legacyTyped: true });
      S.instWant = { ...S.instWant, tags: cfg.inst2.tags };
    });
    await x.check('Update: JoinResourceGroup ResourceType=instance (resource_group_id changed)', async () => {
      // The group itself comes from alicloud_resource_manager_resource_group (Resource Manager).
      const g = ok(await rpc('2020-03-31', 'CreateResourceGroup', {}, { Name: 'tf-instances', DisplayName: 'tf instances' }));
      const group = goStr(g.ResourceGroup.Id, 'ResourceGroup.Id');
      ok(await rpc(ECS, 'JoinResourceGroup', null, { ResourceType: 'instance', ResourceId: S.instanceId, RegionId: R, ResourceGroupId: group }));
      S.instWant = { ...S.instWant, group };
    });
    await x.check('Update: ModifyInstanceAttribute InstanceName+Description', async () => {
      ok(await rpc(ECS, 'ModifyInstanceAttribute', null, { RegionId: R, ClientToken: clientToken('ModifyInstanceAttribute'), InstanceId: S.instanceId, InstanceName: cfg.inst2.name, Description: cfg.inst2.desc }));
      S.instWant = { ...S.instWant, name: cfg.inst2.name, desc: cfg.inst2.desc };
    });
    await x.check('Update: JoinSecurityGroup (typed; only InvalidInstanceId.AlreadyExists is reported)', async () => {
      const r = await typed(ECS, 'JoinSecurityGroup', { InstanceId: S.instanceId, RegionId: R, SecurityGroupId: S.sg2Id });
      if (isErr(r)) assert.fail(`${failureOf(r)} (ignored by the provider, but security_groups then differs forever)`);
      S.instWant = { ...S.instWant, sgs: [S.sgId, S.sg2Id] };
    });
    await readInstance(x, false);
    await x.check('Update 2 (security_groups back to one): LeaveSecurityGroup (typed; only InvalidSecurityGroupId.NotFound is reported)', async () => {
      const r = await typed(ECS, 'LeaveSecurityGroup', { InstanceId: S.instanceId, RegionId: R, SecurityGroupId: S.sg2Id });
      if (isErr(r)) assert.fail(`${failureOf(r)} (ignored by the provider, but security_groups then differs forever)`);
      S.instWant = { ...S.instWant, sgs: [S.sgId] };
    });
    // instance_type: stop (ForceStop=false), wait Stopped, ModifyInstanceSpec, poll the type, start, wait Running
    await x.check('Update instance_type: StopInstance ForceStop=false (typed) + wait Stopped', async () => {
      ok(await retrying(() => typed(ECS, 'StopInstance', { RegionId: R, InstanceId: S.instanceId, ForceStop: 'false' }), ['IncorrectInstanceStatus']));
      await waitState('instance Stopped', () => describeInstance(S.instanceId), { pending: ['Pending', 'Running', 'Stopping'], target: ['Stopped'] });
    });
    const specOk = await x.check(`Update instance_type: ModifyInstanceSpec InstanceType=${NEW_TYPE} (typed) + poll DescribeInstances`, async () => {
      ok(await retrying(() => typed(ECS, 'ModifyInstanceSpec', { InstanceId: S.instanceId, InstanceType: NEW_TYPE, ClientToken: clientToken('ModifyInstanceSpec') })));
      await waitState('InstanceType changed', async () => {
        const r = await describeInstance(S.instanceId);
        return { ...r, state: r.found ? r.obj.InstanceType : undefined };
      }, { target: [NEW_TYPE] });
      S.instWant = { ...S.instWant, type: NEW_TYPE };
      return true;
    });
    // (if ModifyInstanceSpec failed, terraform stops here with the instance Stopped; the harness starts
    // it again so that the remaining resources can still be exercised)
    await x.check('Update instance_type: StartInstance (typed) + wait Running (pending Pending Starting Stopped)', async () => {
      ok(await retrying(() => typed(ECS, 'StartInstance', { InstanceId: S.instanceId }), ['IncorrectInstanceStatus']));
      await waitState('instance Running again', () => describeInstance(S.instanceId), { pending: ['Pending', 'Starting', 'Stopped'], target: ['Running'] });
    });
    if (!specOk) {
      const st = await describeInstance(S.instanceId);
      if (st.found && st.state === 'Stopped') { await typed(ECS, 'StartInstance', { InstanceId: S.instanceId }); await h.waitStatus(h.ecsClient(server), S.instanceId, 'Running'); }
    }
    // internet_max_bandwidth_out 0 -> 5: ModifyInstanceNetworkSpec, poll, then AllocatePublicIpAddress
    await x.check('Update bandwidth: ModifyInstanceNetworkSpec InternetMaxBandwidthOut=5 (typed) + poll + AllocatePublicIpAddress', async () => {
      ok(await retrying(() => typed(ECS, 'ModifyInstanceNetworkSpec', { InstanceId: S.instanceId, ClientToken: clientToken('ModifyInstanceNetworkSpec'), InternetMaxBandwidthOut: cfg.inst2.bandwidth }),
        ['Throttling', 'LastOrderProcessing', 'LastRequestProcessing', 'LastTokenProcessing', 'InternalError']));
      await waitState('bandwidth applied', async () => {
        const r = await describeInstance(S.instanceId);
        return { ...r, state: r.found ? `${Number(r.obj.InternetMaxBandwidthOut)}/${r.obj.InternetChargeType}` : undefined };
      }, { target: [`${cfg.inst2.bandwidth}/PayByTraffic`] });
      ok(await typed(ECS, 'AllocatePublicIpAddress', { InstanceId: S.instanceId }));
      S.instWant = { ...S.instWant, bandwidth: cfg.inst2.bandwidth, publicIp: true };
    });
    await readInstance(x, false);
    x.done();
  });

  it('alicloud_ecs_disk + alicloud_ecs_disk_attachment: CreateDisk, read, attach (wait In_use); update', async () => {
    const x = expectations('alicloud_ecs_disk(+_attachment)');
    const j = ok(await retrying(() => rpc(ECS, 'CreateDisk', {}, {
      RegionId: R, ClientToken: clientToken('CreateDisk'), 'Tag.1.Key': 'env', 'Tag.1.Value': 'tf', Description: cfg.disk.desc,
      Encrypted: false, DiskCategory: 'cloud_efficiency', Size: cfg.disk.size, DiskName: cfg.disk.name, ZoneId: ZONE,
    }), ['ServiceUnavailable', 'UnknownError', 'LastTokenProcessing']));
    S.diskId = goStr(j.DiskId, 'response["DiskId"]');
    S.diskWant = { name: cfg.disk.name, desc: cfg.disk.desc, size: cfg.disk.size, tags: cfg.disk.tags };
    // Update (new): DescribeDisks (fatal), DeleteWithInstance compared with fmt.Sprint -> ModifyDiskAttribute when it differs
    await x.check('Create/Update: DescribeDisks + ModifyDiskAttribute DeleteWithInstance=false when the read differs', async () => {
      const r = await describeEcsDiskV2(S.diskId);
      assert.ok(r.found, 'disk not found right after CreateDisk (fatal)');
      if (String(r.obj.DeleteWithInstance) !== 'false') ok(await rpc(ECS, 'ModifyDiskAttribute', {}, { DiskId: S.diskId, RegionId: R, DeleteWithInstance: false }));
    });
    await readDisk(x);

    await x.check('Update: ModifyDiskAttribute DiskName+Description', async () => {
      ok(await rpc(ECS, 'ModifyDiskAttribute', {}, { DiskId: S.diskId, RegionId: R, Description: cfg.disk2.desc, DiskName: cfg.disk2.name }));
      S.diskWant = { ...S.diskWant, name: cfg.disk2.name, desc: cfg.disk2.desc };
    });
    await x.check('Update: ResizeDisk NewSize (no RegionId)', async () => {
      ok(await retrying(() => rpc(ECS, 'ResizeDisk', {}, { DiskId: S.diskId, ClientToken: clientToken('ResizeDisk'), NewSize: cfg.disk2.size }), ['InternalError']));
      S.diskWant = { ...S.diskWant, size: cfg.disk2.size };
    });
    await x.check('Update: ModifyDiskSpec PerformanceLevel+DiskCategory (no RegionId), wait Status Available/In_use', async () => {
      ok(await rpc(ECS, 'ModifyDiskSpec', {}, { DiskId: S.diskId, PerformanceLevel: 'PL1', DiskCategory: 'cloud_essd' }));
      const r = await describeEcsDiskV2(S.diskId);
      assert.ok(['Available', 'In_use'].includes(r.obj.Status), `Status ${r.obj.Status}`);
      assert.deepEqual([r.obj.Category, r.obj.PerformanceLevel], ['cloud_essd', 'PL1']);
      S.diskWant = { ...S.diskWant, category: 'cloud_essd', level: 'PL1' };
    });
    await x.check('Update: UntagResources + TagResources ResourceType=disk (map)', async () => {
      await setEcsTags(S.diskId, 'disk', cfg.disk.tags, cfg.disk2.tags);
      S.diskWant = { ...S.diskWant, tags: cfg.disk2.tags };
    });
    await readDisk(x);

    // alicloud_ecs_disk_attachment
    need(S.instanceId, 'instance');
    const old = await x.check('attach: DescribeDisks (EcsService map) before AttachDisk', async () => {
      const r = await describeEcsDiskV1(S.diskId);
      assert.ok(r.found, 'disk not found (fatal)');
      return r.obj;
    });
    await x.check('attach: AttachDisk DiskId+InstanceId+DeleteWithInstance (no RegionId)', async () =>
      ok(await retrying(() => rpc(ECS, 'AttachDisk', null, { DeleteWithInstance: false, DiskId: S.diskId, InstanceId: S.instanceId }),
        ['IncorrectDiskStatus', 'IncorrectInstanceStatus', 'OperationConflict', 'InternalError', 'InvalidOperation.Conflict', 'IncorrectDiskStatus.Initializing'])));
    S.diskAttachmentId = `${S.diskId}:${S.instanceId}`;
    await x.check('attach wait: DescribeDisks Status -> In_use', () =>
      waitState('disk In_use', () => describeEcsDiskV1(S.diskId), { target: ['In_use'] }));
    await x.check('attach: DeleteAutoSnapshot.(bool) compared before/after', async () => {
      const r = await describeEcsDiskV1(S.diskId);
      goBool(r.obj.DeleteAutoSnapshot, 'newDisk["DeleteAutoSnapshot"]');
      goBool(old && old.DeleteAutoSnapshot, 'oldDisk["DeleteAutoSnapshot"]');
    });
    await x.check('attach read: DescribeDisks InstanceId/DiskId/Device', async () => {
      const r = await describeEcsDiskV1(S.diskId);
      assert.ok(r.obj.InstanceId === S.instanceId || r.obj.Status === 'In_use', 'attachment not found');
      assert.equal(r.obj.InstanceId, S.instanceId, 'InstanceId');
      assert.match(String(r.obj.Device), /^\/dev\/x?vd[b-z]$/, 'Device');
    });
    x.done();
  });

  it('alicloud_eip_address + alicloud_eip_association: Allocate, wait, tags, read; update; associate', async () => {
    const x = expectations('alicloud_eip_address(+_association)');
    // query InstanceId = d.Get("allocation_id") -> "" is sent
    const j = ok(await retrying(() => rpc(VPC, 'AllocateEipAddress', { InstanceId: '' }, {
      RegionId: R, ClientToken: clientToken('AllocateEipAddress'), Bandwidth: cfg.eip.bandwidth, Description: cfg.eip.desc,
      Name: cfg.eip.name, InstanceChargeType: 'PostPaid', InternetChargeType: 'PayByTraffic',
    }), ['OperationConflict', 'LastTokenProcessing', 'IncorrectStatus', 'SystemBusy', 'FrequentPurchase.EIP']));
    S.eipId = goStr(j.AllocationId, 'response["AllocationId"]');
    S.eipWant = { name: cfg.eip.name, desc: cfg.eip.desc, bandwidth: cfg.eip.bandwidth, tags: cfg.eip.tags };
    await x.check('Create wait: DescribeEipAddresses Status (string) -> Available|InUse', () =>
      waitState('EIP Available', () => describeEip(S.eipId), { target: ['Available', 'InUse'] }));
    await x.check('Create/Update: TagResources ResourceType=EIP (VPC API; tags are not in AllocateEipAddress)', () => setVpcTags(S.eipId, 'EIP', {}, cfg.eip.tags));
    await readEip(x);

    await x.check('Update: ModifyEipAddressAttribute (query AllocationId) Bandwidth+Name+Description + wait', async () => {
      ok(await retrying(() => rpc(VPC, 'ModifyEipAddressAttribute', { AllocationId: S.eipId }, { RegionId: R, Bandwidth: cfg.eip2.bandwidth, Description: cfg.eip2.desc, Name: cfg.eip2.name }),
        ['OperationConflict', 'LastTokenProcessing', 'IncorrectStatus', 'SystemBusy', 'IncorrectEipStatus', 'IncorrectStatus.ResourceStatus', 'VPC_TASK_CONFLICT']));
      S.eipWant = { ...S.eipWant, name: cfg.eip2.name, desc: cfg.eip2.desc, bandwidth: cfg.eip2.bandwidth };
      await waitState('EIP Available after update', () => describeEip(S.eipId), { target: ['Available', 'InUse'] });
    });
    await x.check('Update: UnTagResources + TagResources ResourceType=EIP (VPC API)', async () => {
      await setVpcTags(S.eipId, 'EIP', cfg.eip.tags, cfg.eip2.tags);
      S.eipWant = { ...S.eipWant, tags: cfg.eip2.tags };
    });
    await readEip(x);

    need(S.instanceId, 'instance');
    // The EIP goes to an instance of its own: the first one took a static public IP in its
    // bandwidth update, and ECS binds no EIP to an instance that has one (what a configuration
    // that works on Alibaba Cloud does too). Created through the SDK; its own sequence is above.
    S.eipInstanceId = (await h.runRunning(h.ecsClient(server), { vSwitchId: S.vswId, securityGroupId: S.sgId }))[0];
    await x.check('associate: AssociateEipAddress (query InstanceId+AllocationId) InstanceType=EcsInstance', async () =>
      ok(await retrying(() => rpc(VPC, 'AssociateEipAddress', { InstanceId: S.eipInstanceId, AllocationId: S.eipId }, { RegionId: R, ClientToken: clientToken('AssociateEipAddress'), InstanceType: 'EcsInstance' }),
        ['TaskConflict', 'OperationConflict', 'IncorrectStatus', 'SystemBusy', 'LastTokenProcessing', 'IncorrectEipStatus', 'InvalidBindingStatus', 'IncorrectInstanceStatus', 'InvalidStatus.EcsStatusNotSupport', 'InvalidStatus.InstanceHasBandWidth', 'OperationFailed.EcsMigrating'])));
    // no wait: the read right after must already see the association (NotFound on a new resource is fatal)
    await x.check('associate read (immediately): DescribeEipAddresses InstanceId == instance', async () => {
      const r = await describeEipAssociation(S.eipId, S.eipInstanceId);
      assert.ok(r.found, `EIP InstanceId is ${JSON.stringify(r.obj && r.obj.InstanceId)} right after AssociateEipAddress`);
      assert.equal(r.obj.InstanceType, 'EcsInstance', 'InstanceType');
      assert.equal(r.obj.Mode, 'NAT', 'Mode');
      assert.ok(r.obj.PrivateIpAddress !== undefined, 'PrivateIpAddress (association delete waits on it)');
      assert.equal(r.obj.Status, 'InUse', 'Status');
      S.eipAssociated = true;
    });
    x.done();
  });

  it('alicloud_image: CreateImage from the instance, wait Creating -> Available, read; update', async () => {
    const x = expectations('alicloud_image');
    need(S.instanceId, 'instance');
    await x.check('Create: DescribeInstances status Running|Stopped (typed)', async () => {
      const r = await describeInstance(S.instanceId);
      assert.ok(r.found && ['Running', 'Stopped'].includes(r.state), `status ${r.state}`);
    });
    const j = ok(await retrying(() => typed(ECS, 'CreateImage', {
      RegionId: R, InstanceId: S.instanceId, 'Tag.1.Key': 'env', 'Tag.1.Value': 'tf', ImageName: cfg.image.name,
      Description: cfg.image.desc,
    }), ['IncorrectInstanceStatus']));
    S.imageId = j.ImageId;
    S.imageWant = { name: cfg.image.name, desc: cfg.image.desc, tags: cfg.image.tags };
    await x.check('Create wait: DescribeImages pending [Creating] -> Available (fail: CreateFailed, UnAvailable)', () =>
      waitState('image Available', async () => {
        const r = await describeImage(S.imageId);
        if (r.found) assert.ok(!['CreateFailed', 'UnAvailable'].includes(r.state), `image reached fail state ${r.state}`);
        return r;
      }, { pending: ['Creating'], target: ['Available'], timeoutMs: Math.max(WAIT_MS, 60000) }));
    await readImage(x);

    await x.check('Update: UntagResources (All=true) + TagResources ResourceType=image (typed updateTags)', async () => {
      await setEcsTags(S.imageId, 'image', cfg.image.tags, cfg.image2.tags, { legacyTyped: true });
      S.imageWant = { ...S.imageWant, tags: cfg.image2.tags };
    });
    await x.check('Update: ModifyImageAttribute ImageName+Description (typed)', async () => {
      ok(await typed(ECS, 'ModifyImageAttribute', { RegionId: R, ImageId: S.imageId, Description: cfg.image2.desc, ImageName: cfg.image2.name }));
      S.imageWant = { ...S.imageWant, name: cfg.image2.name, desc: cfg.image2.desc };
    });
    await readImage(x);
    x.done();
  });

  it('alicloud_ecs_network_interface + _attachment: create, wait Available, read; update; attach (wait InUse)', async () => {
    const x = expectations('alicloud_ecs_network_interface(+_attachment)');
    need(S.vswId && S.sgId, 'vSwitch and security group');
    const j = ok(await retrying(() => rpc(ECS, 'CreateNetworkInterface', null, {
      Description: cfg.eni.desc, NetworkInterfaceName: cfg.eni.name, RegionId: R, SecurityGroupIds: [S.sgId],
      'Tag.1.Key': 'env', 'Tag.1.Value': 'tf', VSwitchId: S.vswId,
    }), ['IncorrectVSwitchStatus']));
    S.eniId = goStr(j.NetworkInterfaceId, 'response["NetworkInterfaceId"]');
    S.eniWant = { name: cfg.eni.name, desc: cfg.eni.desc, tags: cfg.eni.tags };
    await x.check('Create wait: DescribeNetworkInterfaces Status -> Available', () =>
      waitState('ENI Available', () => describeEcsNetworkInterface(S.eniId), { target: ['Available'] }));
    await readEni(x);

    await x.check('Update: UntagResources + TagResources ResourceType=eni (map)', async () => {
      await setEcsTags(S.eniId, 'eni', cfg.eni.tags, cfg.eni2.tags);
      S.eniWant = { ...S.eniWant, tags: cfg.eni2.tags };
    });
    await x.check('Update: ModifyNetworkInterfaceAttribute Description+NetworkInterfaceName', async () => {
      ok(await rpc(ECS, 'ModifyNetworkInterfaceAttribute', null, { NetworkInterfaceId: S.eniId, RegionId: R, Description: cfg.eni2.desc, NetworkInterfaceName: cfg.eni2.name }));
      S.eniWant = { ...S.eniWant, name: cfg.eni2.name, desc: cfg.eni2.desc };
    });
    await readEni(x);

    need(S.instanceId, 'instance');
    const invalidOps = ['InvalidOperation.InvalidEniState', 'InvalidOperation.InvalidEcsState', 'InvalidOperation.InvalidEniType', 'InvalidOperation.HasMemberEniAttached', 'OperationConflict', 'ServiceUnavailable', 'InternalError'];
    const attached = await x.check('attach: AttachNetworkInterface NetworkInterfaceId+InstanceId', async () => {
      ok(await retrying(() => rpc(ECS, 'AttachNetworkInterface', null, { RegionId: R, NetworkInterfaceId: S.eniId, InstanceId: S.instanceId }), invalidOps));
      return true;
    });
    if (attached) {
      S.eniAttached = true;
      await x.check('attach wait: DescribeNetworkInterfaces Status -> InUse', () =>
        waitState('ENI InUse', () => describeEcsNetworkInterface(S.eniId), { target: ['InUse'] }));
      await x.check('attach read: DescribeNetworkInterfaces NetworkInterfaceId.1+InstanceId', async () => {
        const r = await describeEcsNetworkInterface(S.eniId, { InstanceId: S.instanceId });
        assert.ok(r.found, 'attachment not found with the InstanceId filter (fatal on a new attachment)');
        assert.equal(r.obj.InstanceId, S.instanceId, 'InstanceId');
        if (r.obj.Attachment !== undefined) goMap(r.obj.Attachment, 'object["Attachment"]');
      });
    }
    x.done();
  });

  // alicloud_route_entry (resource_alicloud_route_entry.go, service_alicloud_vpc.go): the typed SDK
  // (vpcClient.*, every parameter in the query); its id is table:router:cidr:type:nexthop, and
  // every read is DescribeRouteTables RouteTableId, matching the entry by DestinationCidrBlock,
  // NextHopType and InstanceId; WaitForAllRouteEntriesAvailable wants every entry's Status
  // "Available"; destroy is DeleteRouteEntry RouteTableId+DestinationCidrBlock+NextHopId, then a
  // wait until the read finds nothing.
  async function routeTables(tableId) {
    const r = await typed(VPC, 'DescribeRouteTables', { RegionId: R, RouteTableId: tableId });
    const j = ok(r, 'QueryRouteTableById / DescribeRouteEntry');
    const tables = goArr(goMap(j.RouteTables, 'RouteTables').RouteTable, 'RouteTables.RouteTable');
    assert.ok(tables.length === 1 && tables[0].RouteTableId === tableId, 'QueryRouteTableById: the table is RouteTable[0]');
    return tables[0];
  }
  async function readRouteEntry(tableId, cidr, type, nextHop) {
    const t = await routeTables(tableId);
    const e = t.RouteEntrys.RouteEntry.find((x) => x.DestinationCidrBlock === cidr && x.NextHopType === type && x.InstanceId === nextHop);
    return e ? { found: true, state: e.Status, obj: e, table: t } : { found: false };
  }
  it('alicloud_route_entry: DescribeRouteTables, CreateRouteEntry, wait Available, read; destroy', async () => {
    const x = expectations('alicloud_route_entry');
    need(S.vpcId && S.instanceId, 'VPC and instance');
    const t = (await describeVpcRouteTable(S.vpcId)).obj;
    need(t, 'route table');
    S.rtId = t.RouteTableId;
    const cidr = '10.250.0.0/16';
    await x.check('Create: QueryRouteTableById, WaitForAllRouteEntriesAvailable, CreateRouteEntry (ClientToken)', async () => {
      const table = await routeTables(S.rtId);
      assert.ok(table.VRouterId, 'VRouterId (part of the resource id)');
      assert.ok(table.RouteEntrys.RouteEntry.every((e) => e.Status === 'Available'), 'every entry Available');
      ok(await retrying(() => typed(VPC, 'CreateRouteEntry', {
        RegionId: R, RouteTableId: S.rtId, DestinationCidrBlock: cidr, NextHopType: 'Instance', NextHopId: S.instanceId,
        ClientToken: clientToken('CreateRouteEntry'),
      }), ['TaskConflict', 'IncorrectRouteEntryStatus', 'IncorrectVpcStatus']));
      S.route = { cidr, routerId: table.VRouterId };
      // A second apply of the same entry (another request) is RouterEntryConflict.Duplicated.
      const dup = await typed(VPC, 'CreateRouteEntry', {
        RegionId: R, RouteTableId: S.rtId, DestinationCidrBlock: cidr, NextHopType: 'Instance', NextHopId: S.instanceId,
        ClientToken: clientToken('CreateRouteEntry'),
      });
      assert.equal(dup.json && dup.json.Code, 'RouterEntryConflict.Duplicated', 'the provider turns this code into its import hint');
    });
    if (S.route) {
      await x.check('Create wait: WaitForRouteEntry Status -> Available', () =>
        waitState('route entry Available', () => readRouteEntry(S.rtId, cidr, 'Instance', S.instanceId), { target: ['Available'] }));
      await x.check('Read: router_id, route_table_id, destination_cidrblock, nexthop_type, nexthop_id', async () => {
        const r = await readRouteEntry(S.rtId, cidr, 'Instance', S.instanceId);
        assert.ok(r.found, 'entry not found by cidr/type/InstanceId: state dropped');
        assert.equal(r.obj.RouteTableId, S.rtId);
        assert.equal(r.table.VRouterId, S.route.routerId);
      });
    }
    x.done();
  });

  it('alicloud_ecs_deployment_set: create, read; update name/description; destroy', async () => {
    const x = expectations('alicloud_ecs_deployment_set');
    const want = { name: 'tf-ds', desc: 'tf deployment set', strategy: 'Availability', domain: 'Default', granularity: 'Host' };
    // EcsService.DescribeEcsDeploymentSet: DescribeDeploymentSets DeploymentSetIds=["id"]; an
    // empty $.DeploymentSets.DeploymentSet (or another id first) is the provider's NotFound.
    const describeSet = async (id) => {
      const j = ok(await rpc(ECS, 'DescribeDeploymentSets', null, { RegionId: R, DeploymentSetIds: JSON.stringify([id]) }));
      const list = goArr(j.DeploymentSets && j.DeploymentSets.DeploymentSet, '$.DeploymentSets.DeploymentSet');
      if (list.length < 1) return { found: false };
      const obj = goMap(list[0], '$.DeploymentSets.DeploymentSet[0]');
      if (goStr(obj.DeploymentSetId, 'DeploymentSetId') !== id) return { found: false };
      return { found: true, obj };
    };
    // Read: the attributes it sets, with convertEcsDeploymentSet{Domain,Granularity}Response.
    const read = async (what) => x.check(`${what}: DescribeDeploymentSets reads name, description, strategy, domain, granularity`, async () => {
      const r = await describeSet(S.dsId);
      assert.ok(r.found, 'the set is not found: the provider drops it from the state');
      const domain = r.obj.Domain === 'default' ? 'Default' : r.obj.Domain;
      const granularity = r.obj.Granularity === 'host' ? 'Host' : r.obj.Granularity;
      assert.deepEqual({ name: r.obj.DeploymentSetName, desc: r.obj.DeploymentSetDescription, strategy: r.obj.DeploymentStrategy, domain, granularity },
        want, 'read back differs from the configuration (terraform shows a diff; strategy/domain/granularity are ForceNew)');
    });
    const j = ok(await retrying(() => rpc(ECS, 'CreateDeploymentSet', null, {
      DeploymentSetName: want.name, Description: want.desc, Domain: want.domain, Granularity: want.granularity,
      OnUnableToRedeployFailedInstance: 'KeepStopped', RegionId: R, Strategy: want.strategy, ClientToken: clientToken('CreateDeploymentSet'),
    })));
    S.dsId = goStr(j.DeploymentSetId, 'response["DeploymentSetId"]');
    await read('Create');
    await x.check('Update: ModifyDeploymentSetAttribute DeploymentSetName+Description', async () => {
      ok(await rpc(ECS, 'ModifyDeploymentSetAttribute', null, { DeploymentSetId: S.dsId, RegionId: R, DeploymentSetName: 'tf-ds-2', Description: 'tf deployment set, updated' }));
      want.name = 'tf-ds-2';
      want.desc = 'tf deployment set, updated';
    });
    await read('Update');
    await x.check('Delete: DeleteDeploymentSet, then the read finds nothing', async () => {
      ok(await rpc(ECS, 'DeleteDeploymentSet', null, { DeploymentSetId: S.dsId, RegionId: R }));
      assert.equal((await describeSet(S.dsId)).found, false, 'still listed after DeleteDeploymentSet');
    });
    x.done();
  });

  it('refresh of everything before destroy (terraform destroy plans with a refresh)', async () => {
    const x = expectations('refresh');
    if (S.vpcId) await readVpc(x, false);
    if (S.vswId) await readVswitch(x, false);
    if (S.sgId) await readSecurityGroup(x);
    for (const rule of S.rules || []) await readRule(x, rule, false);
    if (S.kpName) await readKeyPair(x, S.kpName, S.kpTags);
    if (S.instanceId) await readInstance(x, false); // now also walks the Secondary ENI
    if (S.diskId) await readDisk(x);
    if (S.eipId) await readEip(x);
    if (S.eipAssociated) {
      await x.check('eip_association read', async () => assert.ok((await describeEipAssociation(S.eipId, S.eipInstanceId)).found));
    }
    if (S.imageId) await readImage(x);
    if (S.eniId) await readEni(x);
    if (S.route) {
      await x.check('route entry read', async () => assert.ok((await readRouteEntry(S.rtId, S.route.cidr, 'Instance', S.instanceId)).found));
    }
    x.done();
  });

  // ===== destroy, in reverse dependency order =====

  it('destroy: eni attachment, eni, image, eip association, eip, disk attachment, disk', async () => {
    const x = expectations('destroy (attachments, eni, image, eip, disk)');
    if (S.route) {
      await x.check('route entry: WaitForAllRouteEntriesAvailable, DeleteRouteEntry, wait until not found', async () => {
        const table = await routeTables(S.rtId);
        assert.ok(table.RouteEntrys.RouteEntry.every((e) => e.Status === 'Available'));
        ok(await retrying(() => typed(VPC, 'DeleteRouteEntry', {
          RegionId: R, RouteTableId: S.rtId, DestinationCidrBlock: S.route.cidr, NextHopId: S.instanceId,
        }), ['IncorrectVpcStatus', 'TaskConflict', 'IncorrectRouteEntryStatus', 'Forbbiden', 'UnknownError']), 'DeleteRouteEntry', ['InvalidRouteEntry.NotFound']);
        await waitState('route entry gone', () => readRouteEntry(S.rtId, S.route.cidr, 'Instance', S.instanceId), { target: [] });
      });
    }
    if (S.eniAttached) {
      await x.check('DetachNetworkInterface + wait Status -> Available', async () => {
        const r = await retrying(() => rpc(ECS, 'DetachNetworkInterface', null, { RegionId: R, NetworkInterfaceId: S.eniId, InstanceId: S.instanceId }),
          ['InvalidOperation.InvalidEniState', 'InvalidOperation.InvalidEcsState', 'OperationConflict', 'InternalError']);
        ok(r, '', ['InvalidEcsId.NotFound', 'InvalidEniId.NotFound', 'InvalidSecurityGroupId.NotFound', 'InvalidVSwitchId.NotFound']);
        await waitState('ENI Available after detach', () => describeEcsNetworkInterface(S.eniId), { target: ['Available'] });
      });
    }
    if (S.eniId) {
      await x.check('DeleteNetworkInterface + wait gone', async () => {
        ok(await retrying(() => rpc(ECS, 'DeleteNetworkInterface', null, { NetworkInterfaceId: S.eniId, RegionId: R }),
          ['InvalidOperation.Conflict', 'InternalError', 'InvalidOperation.InvalidEcsState', 'InvalidOperation.InvalidEniState', 'InvalidOperation.InvalidEniType', 'OperationConflict']),
        '', ['InvalidEcsId.NotFound', 'InvalidEniId.NotFound', 'InvalidSecurityGroupId.NotFound', 'InvalidVSwitchId.NotFound']);
        await waitState('ENI gone', () => describeEcsNetworkInterface(S.eniId), { target: [] });
      });
    }
    if (S.imageId) {
      await x.check('DescribeImages, DeleteImage (typed) + wait gone', async () => {
        ok(await typed(ECS, 'DeleteImage', { RegionId: R, ImageId: S.imageId }));
        await waitState('image gone', () => describeImage(S.imageId), { target: [] });
      });
    }
    if (S.eipAssociated) {
      await x.check('UnassociateEipAddress (query AllocationId+InstanceId) + wait association gone', async () => {
        ok(await retrying(() => rpc(VPC, 'UnassociateEipAddress', { AllocationId: S.eipId, InstanceId: S.eipInstanceId }, { RegionId: R, ClientToken: clientToken('UnassociateEipAddress'), InstanceType: 'EcsInstance' }),
          ['OperationConflict', 'IncorrectStatus', 'SystemBusy', 'LastTokenProcessing', 'OperationFailed.LastTokenProcessing', 'IncorrectEipStatus', 'InvalidBindingStatus', 'IncorrectInstanceStatus', 'TaskConflict']));
        await waitState('EIP association gone', () => describeEipAssociation(S.eipId, S.eipInstanceId), { target: [] });
      });
    }
    if (S.eipId) {
      await x.check('ReleaseEipAddress (query AllocationId) + wait gone', async () => {
        ok(await retrying(() => rpc(VPC, 'ReleaseEipAddress', { AllocationId: S.eipId }, { RegionId: R }),
          ['OperationConflict', 'LastTokenProcessing', 'IncorrectStatus', 'SystemBusy', 'IncorrectEipStatus']));
        await waitState('EIP gone', () => describeEip(S.eipId), { target: [] });
      });
    }
    if (S.diskAttachmentId) {
      await x.check('DetachDisk DiskId+InstanceId+DeleteWithInstance + wait Status -> Available', async () => {
        ok(await retrying(() => rpc(ECS, 'DetachDisk', null, { DiskId: S.diskId, InstanceId: S.instanceId, DeleteWithInstance: false }),
          ['IncorrectDiskStatus', 'IncorrectInstanceStatus', 'OperationConflict', 'InternalError', 'InvalidOperation.Conflict', 'IncorrectDiskStatus.Initializing']),
        '', ['InvalidDisk.AlreadyDetached', 'InvalidDiskId.NotFound', 'InvalidDiskId.OperationNotSupported', 'InvalidInstanceId.NotFound']);
        await waitState('disk Available', () => describeEcsDiskV1(S.diskId), { target: ['Available'] });
      });
    }
    if (S.diskId) {
      await x.check('DescribeDisks, DeleteDisk DiskId (no RegionId); no wait', async () => {
        const r = await describeEcsDiskV2(S.diskId);
        if (!r.found) return;
        ok(await retrying(() => rpc(ECS, 'DeleteDisk', {}, { DiskId: S.diskId }), ['IncorrectDiskStatus.Initializing']), '', ['InvalidDiskId.NotFound']);
        assert.ok(!(await describeEcsDiskV2(S.diskId)).found, 'disk still listed after DeleteDisk');
      });
    }
    x.done();
  });

  it('destroy: instance, key pairs, rules, security groups, vswitch, vpc', async () => {
    const x = expectations('destroy (instance .. vpc)');
    if (S.eipInstanceId) {
      await typed(ECS, 'DeleteInstance', { InstanceId: S.eipInstanceId, Force: 'true' });
      await waitState('EIP instance gone', () => describeInstance(S.eipInstanceId), { pending: ['Pending', 'Running', 'Stopped', 'Stopping'], target: [] });
    }
    if (S.instanceId) {
      await x.check('DeleteInstance Force=true (typed) + wait pending [Pending Running Stopped Stopping] -> gone', async () => {
        ok(await retrying(() => typed(ECS, 'DeleteInstance', { InstanceId: S.instanceId, Force: 'true' }),
          ['IncorrectInstanceStatus', 'DependencyViolation.RouteEntry', 'IncorrectInstanceStatus.Initializing', 'Throttling', 'LastTokenProcessing']),
        '', ['InvalidInstanceId.NotFound', 'Forbidden.InstanceNotFound']);
        await waitState('instance gone', () => describeInstance(S.instanceId), { pending: ['Pending', 'Running', 'Stopped', 'Stopping'], target: [] });
      });
    }
    for (const name of [S.kpName, S.kp2Name].filter(Boolean)) {
      await x.check(`DeleteKeyPairs KeyPairNames=["${name}"]`, async () => {
        ok(await retrying(() => rpc(ECS, 'DeleteKeyPairs', {}, { KeyPairNames: JSON.stringify([name]), RegionId: R }), ['InvalidParameter.KeypairAlreadyAttachedInstance']));
        assert.ok(!(await describeEcsKeyPair(name)).found, 'key pair still listed');
      });
    }
    for (const rule of S.rules || []) {
      await x.check(`${rule.direction === 'ingress' ? 'RevokeSecurityGroup' : 'RevokeSecurityGroupEgress'} (typed CommonRequest, flat params)`, async () => {
        // the provider first re-reads the group (buildAliyunSGRuleRequest -> DescribeSecurityGroupAttribute)
        assert.ok((await describeSecurityGroupTyped(S.sgId)).found, 'group not found');
        const p = { RegionId: R, PortRange: rule.ports, IpProtocol: rule.proto, Policy: 'accept', Priority: '1', NicType: 'intranet', SecurityGroupId: S.sgId, Description: rule.desc };
        p[rule.direction === 'ingress' ? 'SourceCidrIp' : 'DestCidrIp'] = rule.cidr;
        ok(await typed(ECS, rule.direction === 'ingress' ? 'RevokeSecurityGroup' : 'RevokeSecurityGroupEgress', p), 'any error is retried for 5 minutes, then fatal', ['InvalidSecurityGroupId.NotFound']);
        assert.ok(!(await describeSecurityGroupRule(rule.id)).found, 'rule still listed');
      });
    }
    for (const sg of [S.sgId, S.sg2Id].filter(Boolean)) {
      await x.check(`DeleteSecurityGroup ${sg} (retry DependencyViolation; no wait)`, async () => {
        ok(await retrying(() => rpc(ECS, 'DeleteSecurityGroup', {}, { SecurityGroupId: sg, RegionId: R }), ['DependencyViolation']));
      });
    }
    // the decoy group
    const decoys = ok(await rpc(ECS, 'DescribeSecurityGroups', null, { RegionId: R, VpcId: S.vpcId, PageSize: 50 }));
    for (const g of (decoys && decoys.SecurityGroups.SecurityGroup) || []) await rpc(ECS, 'DeleteSecurityGroup', {}, { SecurityGroupId: g.SecurityGroupId, RegionId: R });
    if (S.vswId) {
      await x.check('DeleteVSwitch + wait: DescribeVSwitchAttributes must answer VSwitchId "" (state "")', async () => {
        ok(await retrying(() => rpc(VPC, 'DeleteVSwitch', null, { VSwitchId: S.vswId, RegionId: R }),
          ['DependencyViolation', 'OperationConflict', 'IncorrectRouteEntryStatus', 'InternalError', 'TaskConflict', 'SystemBusy', 'IncorrectVSwitchStatus', 'LastTokenProcessing']),
        '', ['InvalidVswitchID.NotFound', 'InvalidVSwitchId.NotFound']);
        await waitState('vSwitch gone', async () => {
          const r = await rpc(VPC, 'DescribeVSwitchAttributes', { VSwitchId: S.vswId }, { RegionId: R });
          if (isErr(r)) {
            assert.fail(`after DeleteVSwitch, ${failureOf(r)}; VpcVswitchStateRefreshFunc only treats HTTP 200 with VSwitchId "" as gone (state ""), any error response aborts terraform destroy`);
          }
          return describeVswitch(S.vswId);
        }, { target: [''] });
      });
    }
    if (S.vpcId) {
      await x.check('DeleteVpc + wait: DescribeVpcAttribute must answer VpcId "" (gone)', async () => {
        ok(await retrying(() => rpc(VPC, 'DeleteVpc', {}, { VpcId: S.vpcId, RegionId: R, ClientToken: clientToken('DeleteVpc') }),
          ['DependencyViolation.VSwitch', 'DependencyViolation.SecurityGroup', 'IncorrectVpcStatus']), '', ['InvalidResource.NotFound']);
        await waitState('VPC gone', async () => {
          const r = await rpc(VPC, 'DescribeVpcAttribute', { VpcId: S.vpcId, RegionId: R }, null);
          if (isErr(r)) {
            assert.fail(`after DeleteVpc, ${failureOf(r)}; VpcVpcStateRefreshFunc only treats HTTP 200 with VpcId "" as gone, any error response aborts terraform destroy (upstream NotFoundError does not classify SDK errors)`);
          }
          if (r.json.VpcId !== '' && r.json.VpcId !== S.vpcId) assert.fail(`DescribeVpcAttribute answered VpcId ${JSON.stringify(r.json.VpcId)}: only "" means gone (a missing key waits until the 5 min timeout)`);
          return describeVpcVpc(S.vpcId);
        }, { target: [] });
      });
    }
    x.done();
  });
});
