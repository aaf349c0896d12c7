'use strict';
// Response shapes: every response carries every field of the SDK's response model. Clients that
// read the raw JSON (Terraform's provider does) break on a missing field, where the typed SDK
// would just leave the property undefined; ECS itself sends every field, as "" / [] / {} / 0 /
// false when there is nothing (also the ones that only mean something under conditions, such
// as subscription-only fields).
//
// The test builds a representative set of resources (VPCs, vSwitches, security groups with
// rules, key pairs, a Running and two Stopped instances, data disks, snapshots, custom, copied
// and imported images, image tasks, an EIP bound to an instance, ENIs attached and not, tags on
// every taggable type, snapshot policies, an instance event from a failed spawn), then calls
// every read action the server registers (the `t[{kEcsVersion, "X"}]` lines under src/api/*.cc,
// parsed at run time, so new actions are covered: a read action missing from READS below is
// called with RegionId alone) with the parameters of READS, and walks the SDK's
// <Action>ResponseBody model (static names()/types(), @alicloud/ecs20140526 for 2014-05-26,
// @alicloud/vpc20160428 for 2016-04-28) against the raw JSON: every field of every object, every
// element of every array (paths like `Instances.Instance[].EipAddress.AllocationId`).
//
// Write actions are checked the same way: every request of the fixture and teardown phases is a
// raw v1-signed GET (h.rawV1), so each write response's raw JSON is walked too; polling reads
// (waiting for a status) go through `peek`, which is not checked, because what they see depends
// on timing. A registered action that none of this exercises must be listed in NOT_EXERCISED.
//
// Type agreement is checked where cheap: a model 'string' holding a number, 'number' holding a
// string, 'boolean' holding a string, an object where the model has an array or a value, null.
// Where ECS itself departs from the model (a field sent only on request, a value sent as text),
// OpenECS does as ECS does and ECS_EXCEPTIONS documents it, with the reason.
//
// response_shapes/known_gaps.json lists what is missing today, per action (`Action@version`):
// those show as node:test TODOs; anything else missing fails, and so does a listed gap that is
// no longer missing (remove it: the list only shrinks). RESPONSE_SHAPES_WRITE_GAPS=1 rewrites
// the file from this run (review the diff: it must only shrink).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const h = require('./helpers');
const { registeredActions } = require('./hostile/gen-catalogue');

const SDK = { [h.ECS_VERSION]: require('@alicloud/ecs20140526'), [h.VPC_VERSION]: require('@alicloud/vpc20160428') };
const GAPS_FILE = path.join(__dirname, 'response_shapes/known_gaps.json');
const GAPS = JSON.parse(fs.readFileSync(GAPS_FILE, 'utf8'));
const WRITE_GAPS = !!process.env.RESPONSE_SHAPES_WRITE_GAPS;
const R = h.REGION;
const ECS = h.ECS_VERSION;
const VPC = h.VPC_VERSION;
const READ = /^(Describe|List|Get)/;
const TWO_ENI_TYPE = 'ecs.g7.large';

// Registered actions that neither phase exercises, with the reason. Empty today.
const NOT_EXERCISED = {};

// Where ECS itself departs from the SDK model, documented: OpenECS does the same, so these are
// not gaps. Per action and path: `absentUnless(params)` (the field is only sent when it returns
// true for the call's parameters) and/or `wire` (the JSON type ECS sends instead of the model's).
const ECS_EXCEPTIONS = {
  [`DescribeKeyPairs@${h.ECS_VERSION}`]: {
    'KeyPairs.KeyPair[].PublicKey': {
      absentUnless: (p) => String(p.IncludePublicKey).toLowerCase() === 'true',
      why: 'ECS returns PublicKey only when IncludePublicKey=true (default false)',
    },
  },
  [`DescribeLaunchTemplateVersions@${h.ECS_VERSION}`]: {
    'LaunchTemplateVersionSets.LaunchTemplateVersionSet[].LaunchTemplateData': {
      absentUnless: (p) => String(p.DetailFlag).toLowerCase() !== 'false',
      why: 'DetailFlag=false asks for the basic information only: ECS leaves LaunchTemplateData out',
    },
  },
  [`DescribeInstanceMonitorData@${h.ECS_VERSION}`]: Object.fromEntries(['CPUCreditUsage', 'CPUCreditBalance',
    'CPUAdvanceCreditBalance', 'CPUNotpaidSurplusCreditUsage'].map((f) => [`MonitorData.InstanceMonitorData[].${f}`, {
    absentUnless: () => false,
    why: 'CPU credits belong to burstable instances in credit mode; OpenECS keeps no credit ledger (issue 18 note)',
  }])),
  [`DescribeImages@${h.ECS_VERSION}`]: {
    'Images.Image[].Usable': {
      wire: 'string',
      why: 'ECS sends Usable as the text "true"/"false"; Terraform waits on Usable == "true"',
    },
  },
};

let server;
// A test clock and fast sampling, so minutes of monitoring data exist for the monitoring reads.
before(async () => {
  server = await h.startServer({
    delayMs: 0, extraArgs: ['--public-cidr', '198.18.20.0/28', '--test-clock', '--metrics-interval-ms', '200'],
  });
});
after(async () => {
  if (fx.ddhAgent) await fx.ddhAgent.stop();
  if (server) await server.destroy();
});

// ---------------------------------------------------------------------------------------------
// The model walk

// key "Action@version" -> { calls, missing: Set(path), types: Set("path: want x, got y"),
// arrays: Map(path -> most elements seen) }
const findings = new Map();
const keyOf = (action, version) => `${action}@${version}`;

function jsonType(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

// Check value `v` at `p` against model type `t`.
function checkValue(t, v, p, f) {
  if (typeof t === 'string') {
    const got = jsonType(v);
    if (t === 'any') return;
    const wire = f.exceptions[p] && f.exceptions[p].wire;
    if (got !== (wire || t)) f.types.add(`${p}: want ${wire || t}, got ${got}`);
    return;
  }
  if (typeof t === 'function') {
    if (jsonType(v) !== 'object') { f.types.add(`${p}: want object, got ${jsonType(v)}`); return; }
    walk(t, v, p, f);
    return;
  }
  if (t && t.type === 'array') {
    if (!Array.isArray(v)) { f.types.add(`${p}: want array, got ${jsonType(v)}`); return; }
    if (typeof t.itemType === 'function') f.arrays.set(p, Math.max(f.arrays.get(p) || 0, v.length));
    for (const el of v) checkValue(t.itemType, el, `${p}[]`, f);
    return;
  }
  if (t && t.type === 'map') {
    if (jsonType(v) !== 'object') { f.types.add(`${p}: want object (map), got ${jsonType(v)}`); return; }
    for (const [k, el] of Object.entries(v)) checkValue(t.valueType, el, `${p}.${k}`, f);
    return;
  }
  throw new Error(`unknown model type at ${p}: ${JSON.stringify(t)}`);
}

function walk(model, obj, prefix, f) {
  const types = model.types();
  for (const [prop, wireName] of Object.entries(model.names())) {
    const p = prefix ? `${prefix}.${wireName}` : wireName;
    if (!Object.prototype.hasOwnProperty.call(obj, wireName)) {
      const x = f.exceptions[p];
      if (!(x && x.absentUnless && !x.absentUnless(f.params))) f.missing.add(p);
      continue;
    }
    checkValue(types[prop], obj[wireName], p, f);
  }
}

function record(action, version, body, params = {}) {
  const key = keyOf(action, version);
  const model = SDK[version][`${action}ResponseBody`];
  if (!model) throw new Error(`the SDK has no ${action}ResponseBody (${version})`);
  if (!findings.has(key)) {
    findings.set(key, { calls: 0, missing: new Set(), types: new Set(), arrays: new Map(), exceptions: ECS_EXCEPTIONS[key] || {} });
  }
  const f = findings.get(key);
  f.calls += 1;
  f.params = params;
  checkValue(model, body, '', f);
}

// ---------------------------------------------------------------------------------------------
// Transport: raw v1-signed GETs, so the raw JSON is seen, not the SDK's parsed object.

async function raw(action, params, version) {
  const r = await h.rawV1(server, action, params, { version });
  if (r.status !== 200 || !r.json) {
    const e = new Error(`${action}@${version} ${JSON.stringify(params).slice(0, 300)} -> ${r.status}: ${r.body.slice(0, 300)}`);
    e.code = r.json && r.json.Code;
    throw e;
  }
  return r.json;
}
// Checked: the response is walked against the model.
async function call(action, params = {}, version = ECS) {
  const j = await raw(action, params, version);
  record(action, version, j, params);
  return j;
}
const vcall = (action, params) => call(action, params, VPC);
// Unchecked (polling).
const peek = (action, params = {}, version = ECS) => raw(action, params, version);
const until = (fn, what, ms = 20000) => h.waitFor(fn, ms, 50, what);

const PUBLIC_KEY = (() => {
  const { publicKey } = crypto.generateKeyPairSync('ed25519');
  const rawKey = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const len = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
  const blob = Buffer.concat([len(11), Buffer.from('ssh-ed25519'), len(32), rawKey]);
  return `ssh-ed25519 ${blob.toString('base64')} shapes@test`;
})();

const instStatus = async (id) => (await peek('DescribeInstances', { RegionId: R, InstanceIds: JSON.stringify([id]) })).Instances.Instance[0]?.Status;
const waitInst = (ids, status) => until(async () => {
  for (const id of ids) if (await instStatus(id) !== status) return false;
  return true;
}, `${ids.join(',')} ${status}`);
const diskStatus = async (id) => (await peek('DescribeDisks', { RegionId: R, DiskIds: JSON.stringify([id]) })).Disks.Disk[0]?.Status;
const waitDisk = (id, status) => until(async () => await diskStatus(id) === status, `${id} ${status}`);
const waitSnapshot = (id) => until(async () => (await peek('DescribeSnapshots', { RegionId: R, SnapshotIds: JSON.stringify([id]) })).Snapshots.Snapshot[0]?.Status === 'accomplished', `${id} accomplished`);
const waitImage = (id) => until(async () => (await peek('DescribeImages', { RegionId: R, ImageId: id, Status: 'Creating,Available,CreateFailed' })).Images.Image[0]?.Status === 'Available', `${id} Available`);
const waitTask = (id) => until(async () => (await peek('DescribeTaskAttribute', { RegionId: R, TaskId: id })).TaskStatus === 'Finished', `${id} Finished`);
const waitVpc = (id, version) => until(async () => (await peek('DescribeVpcs', { RegionId: R, VpcId: id }, version)).Vpcs.Vpc[0]?.Status === 'Available', `${id} Available`);
const waitVsw = (id, version) => until(async () => (await peek('DescribeVSwitches', { RegionId: R, VSwitchId: id }, version)).VSwitches.VSwitch[0]?.Status === 'Available', `${id} Available`);

// ---------------------------------------------------------------------------------------------
// Phase 1: the fixtures, made by write actions whose responses are checked.

const fx = {};

async function makeFixtures() {
  // A dedicated host: a second host (an `ecsd agent`, larger than the embedded one, so that the
  // allocation takes it) is reserved before any instance exists; it stays reserved, empty,
  // until the teardown releases it.
  fx.ddhAgent = new h.AgentProcess(server, 'shapes-ddh', ['--fake-host-vcpus', '200000']);
  await until(async () => (await h.operatorCall(server, 'GET', 'hosts')).Hosts.length === 2, 'the second host');
  fx.ddh = (await call('AllocateDedicatedHosts', { RegionId: R, ZoneId: h.ZONE_A, DedicatedHostType: 'ddh.g7',
    DedicatedHostName: 'shapes-ddh', Description: 'shapes', 'Tag.1.Key': 'team', 'Tag.1.Value': 'shapes' })).DedicatedHostIdSets.DedicatedHostId[0];
  await call('ModifyDedicatedHostAttribute', { RegionId: R, DedicatedHostId: fx.ddh, Description: 'shapes, modified' });
  // Networks: one through the VPC API (the fixtures), one through each API to delete at the end.
  fx.vpc = (await vcall('CreateVpc', { RegionId: R, CidrBlock: '192.168.0.0/16', VpcName: 'shapes', Description: 'shapes' })).VpcId;
  await waitVpc(fx.vpc, VPC);
  fx.vsw = (await vcall('CreateVSwitch', { RegionId: R, VpcId: fx.vpc, ZoneId: h.ZONE_A, CidrBlock: '192.168.1.0/24', VSwitchName: 'shapes-vsw' })).VSwitchId;
  await waitVsw(fx.vsw, VPC);
  await vcall('ModifyVpcAttribute', { RegionId: R, VpcId: fx.vpc, Description: 'shapes, modified' });
  await vcall('ModifyVSwitchAttribute', { RegionId: R, VSwitchId: fx.vsw, Description: 'shapes, modified' });
  await vcall('TagResources', { RegionId: R, ResourceType: 'VPC', 'ResourceId.1': fx.vpc, 'Tag.1.Key': 'shapes', 'Tag.1.Value': 'vpc', 'Tag.2.Key': 'tmp', 'Tag.2.Value': '1' });
  await vcall('UnTagResources', { RegionId: R, ResourceType: 'VPC', 'ResourceId.1': fx.vpc, 'TagKey.1': 'tmp' });
  fx.defaultGroup = (await peek('DescribeVpcs', { RegionId: R, VpcId: fx.vpc }, VPC)).Vpcs.Vpc[0].ResourceGroupId;
  await vcall('MoveResourceGroup', { RegionId: R, ResourceId: fx.vpc, ResourceType: 'vpc', NewResourceGroupId: fx.defaultGroup });
  fx.vpcV = (await vcall('CreateVpc', { RegionId: R, CidrBlock: '10.1.0.0/16', VpcName: 'scratch-vpc-api' })).VpcId;
  await waitVpc(fx.vpcV, VPC);
  fx.vswV = (await vcall('CreateVSwitch', { RegionId: R, VpcId: fx.vpcV, ZoneId: h.ZONE_B, CidrBlock: '10.1.1.0/24' })).VSwitchId;
  fx.vpcE = (await call('CreateVpc', { RegionId: R, CidrBlock: '10.2.0.0/16', VpcName: 'scratch-ecs-api' })).VpcId;
  await waitVpc(fx.vpcE, ECS);
  fx.vswE = (await call('CreateVSwitch', { RegionId: R, VpcId: fx.vpcE, ZoneId: h.ZONE_B, CidrBlock: '10.2.1.0/24' })).VSwitchId;
  await waitVsw(fx.vswV, VPC);
  await waitVsw(fx.vswE, ECS);

  // Security groups and rules.
  fx.sg = (await call('CreateSecurityGroup', { RegionId: R, VpcId: fx.vpc, SecurityGroupName: 'shapes-sg', Description: 'shapes' })).SecurityGroupId;
  const sg = { RegionId: R, SecurityGroupId: fx.sg };
  await call('AuthorizeSecurityGroup', { ...sg, IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Description: 'ssh' });
  await call('AuthorizeSecurityGroup', { ...sg, IpProtocol: 'tcp', PortRange: '8080/8080', SourceCidrIp: '10.0.0.0/8' });
  await call('AuthorizeSecurityGroupEgress', { ...sg, IpProtocol: 'udp', PortRange: '53/53', DestCidrIp: '8.8.8.8/32', Description: 'dns' });
  await call('AuthorizeSecurityGroupEgress', { ...sg, IpProtocol: 'tcp', PortRange: '8443/8443', DestCidrIp: '10.0.0.0/8' });
  await call('RevokeSecurityGroup', { ...sg, IpProtocol: 'tcp', PortRange: '8080/8080', SourceCidrIp: '10.0.0.0/8' });
  await call('RevokeSecurityGroupEgress', { ...sg, IpProtocol: 'tcp', PortRange: '8443/8443', DestCidrIp: '10.0.0.0/8' });
  await call('ModifySecurityGroupAttribute', { ...sg, Description: 'shapes, modified' });
  await call('ModifySecurityGroupPolicy', { ...sg, InnerAccessPolicy: 'Accept' });
  await call('ModifySecurityGroupRule', { ...sg, IpProtocol: 'tcp', PortRange: '22/22', SourceCidrIp: '0.0.0.0/0', Description: 'ssh, modified' });
  await call('ModifySecurityGroupEgressRule', { ...sg, IpProtocol: 'udp', PortRange: '53/53', DestCidrIp: '8.8.8.8/32', Description: 'dns, modified' });
  fx.sg2 = (await call('CreateSecurityGroup', { RegionId: R, VpcId: fx.vpc, SecurityGroupName: 'shapes-sg2' })).SecurityGroupId;
  fx.sg3 = (await call('CreateSecurityGroup', { RegionId: R, VpcId: fx.vpc, SecurityGroupName: 'scratch-sg' })).SecurityGroupId;

  // Key pairs.
  await call('CreateKeyPair', { RegionId: R, KeyPairName: 'shapes-kp' });
  await call('ImportKeyPair', { RegionId: R, KeyPairName: 'shapes-imported', PublicKeyBody: PUBLIC_KEY });
  await call('JoinResourceGroup', { RegionId: R, ResourceId: 'shapes-kp', ResourceType: 'keypair', ResourceGroupId: fx.defaultGroup });

  // Instances: A stays Running (an EIP, an ENI, a data disk), B and C end Stopped.
  const run = await call('RunInstances', {
    RegionId: R, ImageId: h.IMAGE, InstanceType: TWO_ENI_TYPE, VSwitchId: fx.vsw, SecurityGroupId: fx.sg, Amount: '2',
    InstanceName: 'shapes', Description: 'shapes', KeyPairName: 'shapes-kp', UserData: Buffer.from('#!/bin/sh\necho hi\n').toString('base64'),
    'DataDisk.1.Size': '20', 'DataDisk.1.Category': 'cloud_essd', 'Tag.1.Key': 'env', 'Tag.1.Value': 'test',
  });
  [fx.a, fx.b] = run.InstanceIdSets.InstanceIdSet;
  fx.c = (await call('CreateInstance', {
    RegionId: R, ImageId: h.IMAGE, InstanceType: h.SMALL_TYPE, VSwitchId: fx.vsw, SecurityGroupId: fx.sg,
    InternetMaxBandwidthOut: '1', InstanceName: 'shapes-c',
  })).InstanceId;
  await waitInst([fx.a, fx.b], 'Running');
  await waitInst([fx.c], 'Stopped');
  await call('AllocatePublicIpAddress', { InstanceId: fx.c });
  await call('StartInstance', { InstanceId: fx.c });
  await waitInst([fx.c], 'Running');
  await call('RebootInstance', { InstanceId: fx.c });
  await waitInst([fx.c], 'Running');
  await call('StopInstance', { InstanceId: fx.c });
  await waitInst([fx.c], 'Stopped');
  await call('StartInstances', { RegionId: R, 'InstanceId.1': fx.c });
  await waitInst([fx.c], 'Running');
  await call('RebootInstances', { RegionId: R, 'InstanceId.1': fx.c });
  await waitInst([fx.c], 'Running');
  await call('StopInstances', { RegionId: R, 'InstanceId.1': fx.b, 'InstanceId.2': fx.c });
  await waitInst([fx.b, fx.c], 'Stopped');
  const inst = { RegionId: R, InstanceId: fx.a };
  await call('ModifyInstanceAttribute', { ...inst, Description: 'shapes, modified' });
  await call('ModifyInstanceVncPasswd', { ...inst, VncPassword: 'Ab1234' });
  await call('ModifyInstanceMetadataOptions', { ...inst, HttpEndpoint: 'enabled', HttpTokens: 'optional' });
  await call('ModifyInstanceMaintenanceAttributes', { RegionId: R, 'InstanceId.1': inst.InstanceId, ActionOnMaintenance: 'AutoRecover',
    'MaintenanceWindow.1.StartTime': '01:00:00Z', 'MaintenanceWindow.1.EndTime': '03:00:00Z' });
  await call('JoinSecurityGroup', { ...inst, SecurityGroupId: fx.sg2 });
  await call('LeaveSecurityGroup', { ...inst, SecurityGroupId: fx.sg2 });
  await call('ModifyInstanceVpcAttribute', { InstanceId: fx.b, VSwitchId: fx.vsw, PrivateIpAddress: '192.168.1.200' });
  await call('ModifyInstanceSpec', { InstanceId: fx.c, InstanceType: 'ecs.t6-c1m1.large' });
  await call('AttachKeyPair', { RegionId: R, KeyPairName: 'shapes-imported', InstanceIds: JSON.stringify([fx.c]) });
  await call('DetachKeyPair', { RegionId: R, KeyPairName: 'shapes-imported', InstanceIds: JSON.stringify([fx.c]) });
  await call('ModifyInstanceAutoReleaseTime', { InstanceId: fx.c, AutoReleaseTime: new Date(Date.now() + 7200e3).toISOString().replace(/\.\d+Z$/, 'Z') });
  await call('ModifyInstanceNetworkSpec', { InstanceId: fx.c, InternetMaxBandwidthOut: '2' });

  // Custom route entries in the fixture VPC's table: one kept (its next hop listed), one deleted
  // at the end through each API.
  const table = (await peek('DescribeRouteTableList', { RegionId: R, VpcId: fx.vpc }, VPC)).RouterTableList.RouterTableListType[0].RouteTableId;
  fx.route = (await vcall('CreateRouteEntry', { RegionId: R, RouteTableId: table, DestinationCidrBlock: '10.99.0.0/16',
    NextHopType: 'Instance', NextHopId: fx.a, RouteEntryName: 'shapes-route' })).RouteEntryId;
  fx.route2 = (await vcall('CreateRouteEntry', { RegionId: R, RouteTableId: table, DestinationCidrBlock: '10.98.0.0/16', NextHopId: fx.a })).RouteEntryId;
  await call('CreateRouteEntry', { RegionId: R, RouteTableId: table, DestinationCidrBlock: '10.97.0.0/16', NextHopId: fx.a });
  await vcall('ModifyRouteEntry', { RegionId: R, RouteEntryId: fx.route, Description: 'shapes, modified' });
  await vcall('ModifyRouteTableAttributes', { RegionId: R, RouteTableId: table, RouteTableName: 'shapes-table' });
  fx.table = table;

  // Disks: one attached to A (a snapshot policy), one attached to Stopped B (reinit, reset), one
  // left Available and deleted at the end.
  const disk = { RegionId: R, ZoneId: h.ZONE_A, Size: '20', DiskCategory: 'cloud_essd' };
  fx.disk = (await call('CreateDisk', { ...disk, DiskName: 'shapes-disk', Description: 'shapes' })).DiskId;
  fx.disk2 = (await call('CreateDisk', { ...disk, DiskName: 'shapes-disk2' })).DiskId;
  fx.disk3 = (await call('CreateDisk', { ...disk, DiskName: 'scratch-disk' })).DiskId;
  for (const d of [fx.disk, fx.disk2, fx.disk3]) await waitDisk(d, 'Available');
  await call('AttachDisk', { InstanceId: fx.a, DiskId: fx.disk });
  await call('AttachDisk', { InstanceId: fx.b, DiskId: fx.disk2 });
  await waitDisk(fx.disk, 'In_use');
  await waitDisk(fx.disk2, 'In_use');
  await call('ModifyDiskAttribute', { DiskId: fx.disk, DiskName: 'shapes-disk-renamed', Description: 'shapes, modified' });
  await call('ResizeDisk', { DiskId: fx.disk, NewSize: '30' });
  await call('ModifyDiskSpec', { DiskId: fx.disk3, DiskCategory: 'cloud_ssd' });
  await call('ModifyDiskSpec', { DiskId: fx.disk3, DiskCategory: 'cloud_essd', PerformanceLevel: 'PL1' });
  await call('ReInitDisk', { DiskId: fx.disk2 });
  await waitDisk(fx.disk2, 'In_use');

  // Snapshots and images.
  fx.sysA = (await peek('DescribeDisks', { RegionId: R, InstanceId: fx.a, DiskType: 'system' })).Disks.Disk[0].DiskId;
  fx.snap = (await call('CreateSnapshot', { DiskId: fx.sysA, SnapshotName: 'shapes-snap', Description: 'shapes' })).SnapshotId;
  fx.snap2 = (await call('CreateSnapshot', { DiskId: fx.disk2, SnapshotName: 'scratch-snap' })).SnapshotId;
  await waitSnapshot(fx.snap);
  await waitSnapshot(fx.snap2);
  await call('ModifySnapshotAttribute', { SnapshotId: fx.snap, Description: 'shapes, modified' });
  await call('ResetDisk', { DiskId: fx.disk2, SnapshotId: fx.snap2 });
  await waitDisk(fx.disk2, 'In_use');
  await call('ReplaceSystemDisk', { InstanceId: fx.b, ImageId: h.IMAGE });
  await waitInst([fx.b], 'Stopped');
  const img = await call('CreateImage', { RegionId: R, SnapshotId: fx.snap, ImageName: 'shapes-image', Description: 'shapes' });
  fx.image = img.ImageId;
  fx.createTask = img.TaskId;
  await waitImage(fx.image);
  await call('ModifyImageAttribute', { RegionId: R, ImageId: fx.image, Description: 'shapes, modified' });
  await call('ModifyImageSharePermission', { RegionId: R, ImageId: fx.image });
  fx.copy = (await call('CopyImage', { RegionId: R, ImageId: fx.image, DestinationRegionId: R, DestinationImageName: 'shapes-copy' })).ImageId;
  await waitImage(fx.copy);
  fx.exportTask = (await call('ExportImage', { RegionId: R, ImageId: fx.image, OSSBucket: 'shapes', ImageFormat: 'qcow2' })).TaskId;
  const imp = await call('ImportImage', { RegionId: R, ImageName: 'shapes-import', 'DiskDeviceMapping.1.OSSBucket': 'uploads',
    'DiskDeviceMapping.1.OSSObject': 'disks/disk.raw', 'DiskDeviceMapping.1.Format': 'RAW' });
  fx.imported = imp.ImageId;
  fx.importTask = imp.TaskId;
  await waitImage(fx.imported);
  await waitTask(fx.exportTask);
  await waitTask(fx.importTask);

  // EIPs: one bound to A; a scratch one associated with B, then released at the end.
  fx.eip = (await vcall('AllocateEipAddress', { RegionId: R, Bandwidth: '5', Name: 'shapes-eip' })).AllocationId;
  await vcall('AssociateEipAddress', { RegionId: R, AllocationId: fx.eip, InstanceId: fx.a });
  await vcall('ModifyEipAddressAttribute', { RegionId: R, AllocationId: fx.eip, Bandwidth: '10', Description: 'shapes' });
  fx.eip2 = (await vcall('AllocateEipAddress', { RegionId: R })).AllocationId;
  await vcall('AssociateEipAddress', { RegionId: R, AllocationId: fx.eip2, InstanceId: fx.b });

  // ENIs: one attached to A (with a secondary address), one Available, one attached to B and
  // detached and deleted at the end.
  const eni = { RegionId: R, VSwitchId: fx.vsw, SecurityGroupId: fx.sg };
  fx.eni = (await call('CreateNetworkInterface', { ...eni, NetworkInterfaceName: 'shapes-eni', Description: 'shapes', SecondaryPrivateIpAddressCount: '1' })).NetworkInterfaceId;
  await call('AttachNetworkInterface', { RegionId: R, NetworkInterfaceId: fx.eni, InstanceId: fx.a });
  await call('ModifyNetworkInterfaceAttribute', { RegionId: R, NetworkInterfaceId: fx.eni, Description: 'shapes, modified' });
  const assigned = await call('AssignPrivateIpAddresses', { RegionId: R, NetworkInterfaceId: fx.eni, SecondaryPrivateIpAddressCount: '2' });
  await call('UnassignPrivateIpAddresses', { RegionId: R, NetworkInterfaceId: fx.eni,
    'PrivateIpAddress.1': assigned.AssignedPrivateIpAddressesSet.PrivateIpSet.PrivateIpAddress[0] });
  fx.eni2 = (await call('CreateNetworkInterface', { ...eni, NetworkInterfaceName: 'shapes-eni2' })).NetworkInterfaceId;
  fx.eni3 = (await call('CreateNetworkInterface', { ...eni, NetworkInterfaceName: 'scratch-eni' })).NetworkInterfaceId;
  await call('AttachNetworkInterface', { RegionId: R, NetworkInterfaceId: fx.eni3, InstanceId: fx.b });

  // Tags on every taggable type.
  await call('TagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': fx.a, 'ResourceId.2': fx.b,
    'Tag.1.Key': 'team', 'Tag.1.Value': 'shapes', 'Tag.2.Key': 'tmp', 'Tag.2.Value': 'x' });
  await call('UntagResources', { RegionId: R, ResourceType: 'instance', 'ResourceId.1': fx.a, 'TagKey.1': 'tmp' });
  await call('TagResources', { RegionId: R, ResourceType: 'disk', 'ResourceId.1': fx.disk, 'Tag.1.Key': 'team', 'Tag.1.Value': 'shapes' });
  await call('TagResources', { RegionId: R, ResourceType: 'securitygroup', 'ResourceId.1': fx.sg, 'Tag.1.Key': 'team', 'Tag.1.Value': 'shapes' });
  await call('TagResources', { RegionId: R, ResourceType: 'keypair', 'ResourceId.1': 'shapes-kp', 'Tag.1.Key': 'team', 'Tag.1.Value': 'shapes' });
  await call('AddTags', { RegionId: R, ResourceType: 'snapshot', ResourceId: fx.snap, 'Tag.1.Key': 'team', 'Tag.1.Value': 'shapes', 'Tag.2.Key': 'tmp', 'Tag.2.Value': 'x' });
  await call('RemoveTags', { RegionId: R, ResourceType: 'snapshot', ResourceId: fx.snap, 'Tag.1.Key': 'tmp' });

  // Snapshot policies: one applied to A's data disk; a scratch one applied, cancelled, deleted.
  const sp = { regionId: R, timePoints: '["1"]', repeatWeekdays: '["1"]', retentionDays: '7' };
  fx.policy = (await call('CreateAutoSnapshotPolicy', { ...sp, autoSnapshotPolicyName: 'shapes-sp' })).AutoSnapshotPolicyId;
  await call('ApplyAutoSnapshotPolicy', { regionId: R, autoSnapshotPolicyId: fx.policy, diskIds: JSON.stringify([fx.disk]) });
  await call('ModifyAutoSnapshotPolicyEx', { regionId: R, autoSnapshotPolicyId: fx.policy, retentionDays: '14' });
  fx.policy2 = (await call('CreateAutoSnapshotPolicy', { ...sp, autoSnapshotPolicyName: 'scratch-sp' })).AutoSnapshotPolicyId;
  await call('ApplyAutoSnapshotPolicy', { regionId: R, autoSnapshotPolicyId: fx.policy2, diskIds: JSON.stringify([fx.disk2]) });
  await call('CancelAutoSnapshotPolicy', { regionId: R, diskIds: JSON.stringify([fx.disk2]) });

  // Launch templates: one with every list filled (disks, interfaces, groups, both kinds of tags)
  // and a second version made the default; a scratch one deleted at the end; an instance made
  // from the template.
  const ltData = {
    ImageId: h.IMAGE, InstanceType: h.SMALL_TYPE, VpcId: fx.vpc, VSwitchId: fx.vsw, 'SecurityGroupIds.1': fx.sg,
    InstanceName: 'shapes-lt', HostName: 'shapes-lt', Description: 'shapes', 'SystemDisk.Category': 'cloud_essd', 'SystemDisk.Size': '30',
    'DataDisk.1.Category': 'cloud_essd', 'DataDisk.1.Size': '20', 'NetworkInterface.1.VSwitchId': fx.vsw,
    'NetworkInterface.1.SecurityGroupIds.1': fx.sg, 'Tag.1.Key': 'team', 'Tag.1.Value': 'shapes', SpotPriceLimit: '0.5',
  };
  fx.lt = (await call('CreateLaunchTemplate', { RegionId: R, LaunchTemplateName: 'shapes-lt', VersionDescription: 'shapes',
    'TemplateTag.1.Key': 'team', 'TemplateTag.1.Value': 'shapes', ...ltData })).LaunchTemplateId;
  await call('CreateLaunchTemplateVersion', { RegionId: R, LaunchTemplateId: fx.lt, VersionDescription: 'second', ...ltData, InstanceName: 'shapes-lt2' });
  await call('CreateLaunchTemplateVersion', { RegionId: R, LaunchTemplateId: fx.lt, VersionDescription: 'scratch' });
  await call('ModifyLaunchTemplateDefaultVersion', { RegionId: R, LaunchTemplateId: fx.lt, DefaultVersionNumber: '2' });
  fx.lt2 = (await call('CreateLaunchTemplate', { RegionId: R, LaunchTemplateName: 'scratch-lt' })).LaunchTemplateId;
  fx.fromLt = (await call('RunInstances', { RegionId: R, LaunchTemplateId: fx.lt, LaunchTemplateVersion: '1' })).InstanceIdSets.InstanceIdSet[0];
  await waitInst([fx.fromLt], 'Running');

  // Deployment sets: one holding A (it joins where it runs), a scratch one deleted at the end.
  fx.ds = (await call('CreateDeploymentSet', { RegionId: R, DeploymentSetName: 'shapes-ds', Description: 'shapes' })).DeploymentSetId;
  await call('ModifyDeploymentSetAttribute', { RegionId: R, DeploymentSetId: fx.ds, Description: 'shapes, modified' });
  await call('ModifyInstanceDeployment', { RegionId: R, InstanceId: fx.a, DeploymentSetId: fx.ds });
  // An instance RAM role (the role made through the RAM API, which this ring does not check).
  await raw('CreateRole', { RoleName: 'shapes-role', AssumeRolePolicyDocument: JSON.stringify({ Version: '1',
    Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] }) }, '2015-05-01');
  await call('AttachInstanceRamRole', { RegionId: R, RamRoleName: 'shapes-role', InstanceIds: JSON.stringify([fx.a]) });
  fx.ds2 = (await call('CreateDeploymentSet', { RegionId: R, DeploymentSetName: 'scratch-ds', Strategy: 'AvailabilityGroup', GroupCount: '2' })).DeploymentSetId;

  // An instance event: a spawn that fails releases the instance and leaves SystemFailure.Delete.
  await server.injectFault('spawn', 1);
  fx.failed = (await call('RunInstances', { RegionId: R, ImageId: h.IMAGE, InstanceType: h.SMALL_TYPE, VSwitchId: fx.vsw, SecurityGroupId: fx.sg }))
    .InstanceIdSets.InstanceIdSet[0];
  await until(async () => (await peek('DescribeInstances', { RegionId: R, InstanceIds: JSON.stringify([fx.failed]) })).Instances.Instance.length === 0, 'failed instance gone');

  // Settle: A booted (health Ok), B and C Stopped, every disk settled.
  await until(async () => {
    const s = (await peek('DescribeInstancesFullStatus', { RegionId: R, 'InstanceId.1': fx.a })).InstanceFullStatusSet.InstanceFullStatusType[0];
    return s && s.Status.Name === 'Running' && s.HealthStatus.Name === 'Ok';
  }, 'A booted');
  await waitInst([fx.b, fx.c], 'Stopped');
  // Billing: B becomes a subscription (paid, renewed, auto-renewing); it goes back to pay-as-you-go
  // before it is released.
  await call('ModifyInstanceChargeType', { RegionId: R, InstanceIds: JSON.stringify([fx.b]), InstanceChargeType: 'PrePaid', Period: '1' });
  await call('RenewInstance', { InstanceId: fx.b, Period: '1' });
  await call('ModifyInstanceAutoRenewAttribute', { RegionId: R, InstanceId: fx.b, RenewalStatus: 'AutoRenewal', Duration: '1', PeriodUnit: 'Month' });
  await call('ModifyPrepayInstanceSpec', { RegionId: R, InstanceId: fx.b, InstanceType: 'ecs.g7.xlarge' });
  // Cloud Assistant on A: a kept command invoked, one run and stopped, a file sent; a scratch
  // command deleted at the end. The screen and an NMI.
  fx.cmd = (await call('CreateCommand', { RegionId: R, Name: 'shapes-cmd', Type: 'RunShellScript',
    CommandContent: Buffer.from('echo {{who}}').toString('base64'), EnableParameter: 'true' })).CommandId;
  await call('ModifyCommand', { RegionId: R, CommandId: fx.cmd, Description: 'shapes, modified' });
  fx.invoke = (await call('InvokeCommand', { RegionId: R, CommandId: fx.cmd, 'InstanceId.1': fx.a, Parameters: JSON.stringify({ who: 'shapes' }) })).InvokeId;
  fx.run = (await call('RunCommand', { RegionId: R, Type: 'RunShellScript', CommandContent: 'sleep 30', ContentEncoding: 'PlainText', 'InstanceId.1': fx.a, KeepCommand: 'true' })).InvokeId;
  await call('StopInvocation', { RegionId: R, InvokeId: fx.run });
  fx.file = (await call('SendFile', { RegionId: R, Name: 'shapes.txt', TargetDir: '/tmp', Content: 'shapes', 'InstanceId.1': fx.a })).InvokeId;
  fx.cmd2 = (await call('CreateCommand', { RegionId: R, Name: 'scratch-cmd', Type: 'RunShellScript', CommandContent: Buffer.from('true').toString('base64') })).CommandId;
  await call('SendDiagnosticInterrupt', { RegionId: R, InstanceId: fx.a });
  // Session Manager on A: one session ended at once, one left open until the teardown.
  fx.session = (await call('StartTerminalSession', { RegionId: R, 'InstanceId.1': fx.a })).SessionId;
  await call('EndTerminalSession', { RegionId: R, SessionId: fx.session });
  fx.session2 = (await call('StartTerminalSession', { RegionId: R, 'InstanceId.1': fx.a })).SessionId;

  // Monitoring: A has run a while; two minutes end (the operator's test clock), so it has points.
  await new Promise((r) => setTimeout(r, 1000));
  const token = require('node:fs').readFileSync(require('node:path').join(server.dataDir, 'operator-token'), 'utf8').trim();
  const moved = await h.httpRequest({ port: server.port, method: 'POST', path: '/openecs/operator/v1/clock/advance?seconds=120',
    headers: { authorization: `Bearer ${token}` } });
  const now = Date.parse(JSON.parse(moved.body).Now) / 1000;
  const iso = (t) => new Date(t * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
  fx.monitorWindow = { StartTime: iso(now - 600), EndTime: iso(now) };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: every read action, with valid parameters; several calls where the answer has branches.

function READS() {
  const r = { RegionId: R };
  const tasks = [fx.createTask, fx.exportTask, fx.importTask].filter(Boolean);
  return {
    [`DescribeRegions@${ECS}`]: [{}],
    [`DescribeZones@${ECS}`]: [r, { ...r, Verbose: 'true' }],
    [`DescribeInstanceTypes@${ECS}`]: [{}],
    [`DescribeInstanceTypeFamilies@${ECS}`]: [r],
    [`DescribeAvailableResource@${ECS}`]: ['Zone', 'IoOptimized', 'InstanceType', 'SystemDisk', 'DataDisk', 'Network']
      .map((d) => ({ ...r, DestinationResource: d })),
    [`DescribeNetworkInterfaces@${ECS}`]: [r],
    [`DescribeInstanceHistoryEvents@${ECS}`]: [r, { ...r, InstanceId: fx.failed }],
    [`DescribeImages@${ECS}`]: [r, { ...r, ImageOwnerAlias: 'self' }, { ...r, ImageId: fx.image }],
    [`DescribeImageSharePermission@${ECS}`]: [{ ...r, ImageId: fx.image }],
    [`DescribeInstances@${ECS}`]: [r],
    [`DescribeInstanceStatus@${ECS}`]: [r],
    [`DescribeInstancesFullStatus@${ECS}`]: [r],
    [`DescribeInstanceAttribute@${ECS}`]: [fx.a, fx.b, fx.c].map((id) => ({ InstanceId: id })),
    [`DescribeUserData@${ECS}`]: [fx.a, fx.c].map((id) => ({ ...r, InstanceId: id })),
    [`DescribeInstanceMaintenanceAttributes@${ECS}`]: [r, { ...r, 'InstanceId.1': fx.a }],
    [`DescribeInstanceAttachmentAttributes@${ECS}`]: [{ ...r, InstanceIds: JSON.stringify([fx.a, fx.b]) }],
    [`DescribeInstanceRamRole@${ECS}`]: [r, { ...r, InstanceIds: JSON.stringify([fx.a]) }],
    [`DescribeInstanceAutoRenewAttribute@${ECS}`]: [{ ...r, InstanceId: fx.b }, { ...r, RenewalStatus: 'AutoRenewal' }],
    [`DescribeRenewalPrice@${ECS}`]: [{ ...r, ResourceId: fx.b }],
    [`DescribeInstanceModificationPrice@${ECS}`]: [{ ...r, InstanceId: fx.b, InstanceType: 'ecs.g7.2xlarge' }],
    [`DescribePrice@${ECS}`]: [{ ...r, InstanceType: h.SMALL_TYPE }, { ...r, InstanceType: h.SMALL_TYPE, PriceUnit: 'Month' },
      { ...r, ResourceType: 'disk', 'DataDisk.1.Category': 'cloud_essd', 'DataDisk.1.Size': '40' }],
    [`DescribeSpotPriceHistory@${ECS}`]: [{ ...r, InstanceType: h.SMALL_TYPE, NetworkType: 'vpc' }],
    [`DescribeSpotAdvice@${ECS}`]: [{ ...r, Cores: '2', Memory: '8' }],
    [`DescribeDisks@${ECS}`]: [r],
    [`DescribeInstanceMonitorData@${ECS}`]: [{ InstanceId: fx.a, ...fx.monitorWindow }],
    [`DescribeDiskMonitorData@${ECS}`]: [{ DiskId: fx.sysA, ...fx.monitorWindow, Period: '60' }],
    [`DescribeEniMonitorData@${ECS}`]: [{ ...r, InstanceId: fx.a, ...fx.monitorWindow }],
    [`DescribeEipMonitorData@${ECS}`]: [{ ...r, AllocationId: fx.eip, ...fx.monitorWindow }],
    [`GetInstanceConsoleOutput@${ECS}`]: [{ ...r, InstanceId: fx.a }],
    [`DescribeInstanceVncUrl@${ECS}`]: [{ ...r, InstanceId: fx.a }],
    [`GetInstanceScreenshot@${ECS}`]: [{ ...r, InstanceId: fx.a }],
    [`DescribeCommands@${ECS}`]: [r, { ...r, CommandId: fx.cmd, ContentEncoding: 'PlainText' }, { ...r, Provider: 'AlibabaCloud' }],
    [`DescribeInvocations@${ECS}`]: [r, { ...r, InvokeId: fx.invoke, IncludeOutput: 'true' }],
    [`DescribeInvocationResults@${ECS}`]: [r, { ...r, InvokeId: fx.run }],
    [`DescribeSendFileResults@${ECS}`]: [r, { ...r, InvokeId: fx.file }],
    [`DescribeCloudAssistantStatus@${ECS}`]: [r, { ...r, 'InstanceId.1': fx.a }],
    [`DescribeTerminalSessions@${ECS}`]: [r, { ...r, SessionId: fx.session }, { ...r, InstanceId: fx.a, MaxResults: 1 }],
    [`DescribeKeyPairs@${ECS}`]: [r, { ...r, IncludePublicKey: 'true' }],
    [`ListTagResources@${ECS}`]: ['instance', 'disk', 'securitygroup', 'keypair'].map((t) => ({ ...r, ResourceType: t }))
      .concat([{ ...r, ResourceType: 'instance', 'ResourceId.1': fx.a }]),
    [`DescribeVpcs@${ECS}`]: [r],
    [`DescribeVSwitches@${ECS}`]: [r],
    [`DescribeSecurityGroups@${ECS}`]: [r],
    [`DescribeSecurityGroupAttribute@${ECS}`]: [{ ...r, SecurityGroupId: fx.sg }],
    [`DescribeSnapshots@${ECS}`]: [r],
    [`DescribeAutoSnapshotPolicyEx@${ECS}`]: [r],
    [`DescribeTasks@${ECS}`]: [r],
    [`DescribeLaunchTemplates@${ECS}`]: [r, { ...r, 'TemplateTag.1.Key': 'team', 'TemplateTag.1.Value': 'shapes' }],
    [`DescribeLaunchTemplateVersions@${ECS}`]: [{ ...r, LaunchTemplateId: fx.lt }, { ...r, LaunchTemplateName: 'shapes-lt', DetailFlag: 'false' }],
    [`DescribeDeploymentSets@${ECS}`]: [r, { ...r, DeploymentSetIds: JSON.stringify([fx.ds]) }],
    [`DescribeDeploymentSetSupportedInstanceTypeFamily@${ECS}`]: [r],
    [`DescribeTaskAttribute@${ECS}`]: tasks.map((id) => ({ ...r, TaskId: id })),
    [`DescribeTags@${ECS}`]: [r, { ...r, ResourceType: 'instance', ResourceId: fx.a }],
    [`DescribeResourcesModification@${ECS}`]: [{ ...r, ResourceId: fx.a, DestinationResource: 'InstanceType' },
      { ...r, ResourceId: fx.c, DestinationResource: 'SystemDisk', InstanceType: h.SMALL_TYPE }],
    [`DescribeRegions@${VPC}`]: [{}],
    [`DescribeZones@${VPC}`]: [r],
    [`DescribeEipAddresses@${VPC}`]: [r],
    [`DescribeVpcs@${VPC}`]: [r],
    [`DescribeVSwitches@${VPC}`]: [r],
    [`DescribeVpcAttribute@${VPC}`]: [fx.vpc, fx.vpcV].map((id) => ({ ...r, VpcId: id })),
    [`DescribeVSwitchAttributes@${VPC}`]: [{ ...r, VSwitchId: fx.vsw }],
    [`DescribeRouteTableList@${VPC}`]: [r],
    [`ListTagResources@${VPC}`]: [{ ...r, ResourceType: 'VPC', 'ResourceId.1': fx.vpc }],
    [`DescribeRouteEntryList@${VPC}`]: [{ ...r, RouteTableId: fx.routeTable }],
  };
}

// ---------------------------------------------------------------------------------------------
// Phase 3: the write actions that remove things, on the scratch resources.

async function teardown() {
  await call('ReleaseDedicatedHost', { RegionId: R, DedicatedHostId: fx.ddh });
  await call('DeleteCommand', { RegionId: R, CommandId: fx.cmd2 });
  await call('EndTerminalSession', { RegionId: R, SessionId: fx.session2 });
  await vcall('DeleteRouteEntry', { RegionId: R, RouteEntryId: fx.route2 });
  await call('DeleteRouteEntry', { RegionId: R, RouteTableId: fx.table, DestinationCidrBlock: '10.97.0.0/16' });
  await call('DetachNetworkInterface', { RegionId: R, NetworkInterfaceId: fx.eni3, InstanceId: fx.b });
  await call('DeleteNetworkInterface', { RegionId: R, NetworkInterfaceId: fx.eni3 });
  await vcall('UnassociateEipAddress', { RegionId: R, AllocationId: fx.eip2, InstanceId: fx.b });
  await vcall('ReleaseEipAddress', { RegionId: R, AllocationId: fx.eip2 });
  await call('DetachDisk', { InstanceId: fx.b, DiskId: fx.disk2 });
  await waitDisk(fx.disk2, 'Available');
  await call('DeleteDisk', { DiskId: fx.disk3 });
  await call('DeleteSnapshot', { SnapshotId: fx.snap2 });
  await call('DeleteImage', { RegionId: R, ImageId: fx.copy });
  await call('DeleteAutoSnapshotPolicy', { regionId: R, autoSnapshotPolicyId: fx.policy2 });
  await call('DeleteKeyPairs', { RegionId: R, KeyPairNames: JSON.stringify(['shapes-imported']) });
  await call('DeleteLaunchTemplateVersion', { RegionId: R, LaunchTemplateId: fx.lt, 'DeleteVersion.1': '3' });
  await call('DeleteLaunchTemplate', { RegionId: R, LaunchTemplateId: fx.lt2 });
  await call('DeleteDeploymentSet', { RegionId: R, DeploymentSetId: fx.ds2 });
  await call('ModifyInstanceDeployment', { RegionId: R, InstanceId: fx.a, DeploymentSetId: fx.ds, RemoveFromDeploymentSet: 'true' });
  await call('DetachInstanceRamRole', { RegionId: R, RamRoleName: 'shapes-role', InstanceIds: JSON.stringify([fx.a]) });
  await call('DeleteInstance', { InstanceId: fx.c });
  await call('ModifyInstanceChargeType', { RegionId: R, InstanceIds: JSON.stringify([fx.b]), InstanceChargeType: 'PostPaid' });
  await call('DeleteInstances', { RegionId: R, 'InstanceId.1': fx.b, Force: 'true' });
  await until(async () => (await peek('DescribeInstances', { RegionId: R, InstanceIds: JSON.stringify([fx.b, fx.c]) })).Instances.Instance.length === 0, 'B and C gone');
  await call('DeleteSecurityGroup', { RegionId: R, SecurityGroupId: fx.sg3 });
  await call('DeleteVSwitch', { VSwitchId: fx.vswE });
  await vcall('DeleteVSwitch', { VSwitchId: fx.vswV });
  await until(async () => (await peek('DescribeVSwitches', { RegionId: R, VpcId: fx.vpcE })).VSwitches.VSwitch.length === 0, 'vSwitch gone (ECS)');
  await until(async () => (await peek('DescribeVSwitches', { RegionId: R, VpcId: fx.vpcV }, VPC)).VSwitches.VSwitch.length === 0, 'vSwitch gone (VPC)');
  await call('DeleteVpc', { VpcId: fx.vpcE });
  await vcall('DeleteVpc', { VpcId: fx.vpcV });
}

// ---------------------------------------------------------------------------------------------
// Tests

const registered = registeredActions().map((a) => keyOf(a.action, a.version));

test('write actions of the fixtures answer with every field of their model', { timeout: 60000 }, async () => {
  await makeFixtures();
});

// Registered in the sources but unknown to the binary under test (built before they were added):
// reported, not failed. A binary built from the same sources serves every registered action.
const notServed = new Set();

test('every registered read action answers (with the fixtures\' ids where required)', { timeout: 60000 }, async () => {
  const rt = await h.rawV1(server, 'DescribeRouteTableList', { RegionId: R, VpcId: fx.vpc }, { version: VPC });
  fx.routeTable = rt.status === 200 ? rt.json.RouterTableList.RouterTableListType[0].RouteTableId : undefined;
  const table = READS();
  const failures = [];
  for (const key of registered) {
    const [action, version] = key.split('@');
    if (!READ.test(action)) continue;
    // A read action READS does not know yet is called with RegionId alone.
    for (const params of table[key] || [{ RegionId: R }]) {
      try {
        await call(action, params, version);
      } catch (e) {
        if (e.code === 'InvalidAction.NotFound') { notServed.add(key); break; }
        failures.push(`${key}${table[key] ? '' : ' (not in READS: give it its required parameters)'}: ${e.message.split('\n')[0]}`);
      }
    }
  }
  if (notServed.size) console.log(`# registered in src/api but not served by ${server.bin} (rebuild it): ${[...notServed].join(', ')}`);
  assert.deepEqual(failures, [], 'read actions that did not answer 200');
});

test('write actions of the teardown answer with every field of their model', { timeout: 60000 }, async () => {
  await teardown();
});

test('every registered action was checked', () => {
  const unchecked = registered.filter((k) => !findings.has(k) && !notServed.has(k) && !NOT_EXERCISED[k.split('@')[0]]);
  assert.deepEqual(unchecked, [], 'registered actions neither phase exercises: add them, or list them in NOT_EXERCISED with a reason');
  const stale = Object.keys(NOT_EXERCISED).filter((a) => registered.some((k) => k.startsWith(`${a}@`) && findings.has(k)));
  assert.deepEqual(stale, [], 'NOT_EXERCISED lists actions that are exercised now');
});

// Compare this run against known_gaps.json section `section` ('missing' or 'types').
function compare(section) {
  const known = GAPS[section] || {};
  const fresh = [];
  const fixed = [];
  for (const [key, f] of findings) {
    const seen = [...f[section]];
    const listed = new Set(known[key] || []);
    for (const p of seen) if (!listed.has(p)) fresh.push(`${key} ${p}`);
    for (const p of listed) if (!f[section].has(p)) fixed.push(`${key} ${p}`);
  }
  for (const key of Object.keys(known)) {
    if (!findings.has(key)) fixed.push(...known[key].map((p) => `${key} ${p} (the action was not called)`));
  }
  return { fresh, fixed };
}

function gapsFromRun() {
  const out = { missing: {}, types: {} };
  for (const key of [...findings.keys()].sort()) {
    const f = findings.get(key);
    for (const section of ['missing', 'types']) if (f[section].size) out[section][key] = [...f[section]].sort();
  }
  return out;
}

test('every response carries every field of its SDK model (beyond known_gaps.json)', () => {
  if (WRITE_GAPS) {
    const g = gapsFromRun();
    fs.writeFileSync(GAPS_FILE, `${JSON.stringify({ comment: GAPS.comment, missing: g.missing, types: g.types }, null, 2)}\n`);
    console.log(`# wrote ${GAPS_FILE}`);
  }
  const { fresh, fixed } = compare('missing');
  summary();
  if (WRITE_GAPS) return;
  assert.deepEqual([...fresh.map((x) => `missing: ${x}`), ...fixed.map((x) => `no longer missing, remove from known_gaps.json: ${x}`)], [],
    'fields missing from responses (send them, as "" / [] / {} / 0 / false when there is nothing), or stale known gaps');
});

test('every field has the type of its SDK model (beyond known_gaps.json)', () => {
  if (WRITE_GAPS) return;
  const { fresh, fixed } = compare('types');
  assert.deepEqual([...fresh.map((x) => `mismatch: ${x}`), ...fixed.map((x) => `fixed, remove from known_gaps.json: ${x}`)], [],
    'fields whose JSON type disagrees with the SDK model, or stale known mismatches');
});

function summary() {
  let missing = 0;
  let types = 0;
  const top = [];
  const empty = [];
  for (const [key, f] of findings) {
    missing += f.missing.size;
    types += f.types.size;
    if (f.missing.size) top.push([key, f.missing.size]);
    for (const [p, n] of f.arrays) if (n === 0) empty.push(`${key} ${p}`);
  }
  top.sort((a, b) => b[1] - a[1]);
  const reads = [...findings.keys()].filter((k) => READ.test(k)).length;
  console.log(`# response shapes: ${findings.size} actions checked (${reads} reads, ${findings.size - reads} writes), `
    + `${missing} missing paths in ${top.length} actions, ${types} type mismatches`);
  if (top.length) console.log(`# most missing: ${top.slice(0, 10).map(([k, n]) => `${k.split('@')[0]}${k.endsWith(VPC) ? '(vpc)' : ''} ${n}`).join(', ')}`);
  // Arrays of objects that were always empty: their elements' fields went unchecked.
  if (empty.length) console.log(`# always-empty lists (elements unchecked): ${empty.join(', ')}`);
}

// The known gaps, one TODO per action: the paths still missing (or mistyped).
for (const key of [...new Set([...Object.keys(GAPS.missing || {}), ...Object.keys(GAPS.types || {})])].sort()) {
  const m = (GAPS.missing || {})[key] || [];
  const t = (GAPS.types || {})[key] || [];
  const why = [m.length && `${m.length} missing fields`, t.length && `${t.length} type mismatches`].filter(Boolean).join(', ');
  test(`known gaps ${key}`, { todo: why }, () => {
    const f = findings.get(key);
    const still = f ? [...m.filter((p) => f.missing.has(p)), ...t.filter((p) => f.types.has(p))] : [...m, ...t];
    assert.equal(still.length, 0, `${still.length} still:\n${still.join('\n')}`);
  });
}
