'use strict';
// The kill -9 workload behind load_fault.test.js and bench/kill_soak.js (issue 13, the
// load-and-fault ring).
//
// A seeded mix of ECS and VPC operations goes through the official SDKs with several calls in
// flight: CreateVpc/CreateVSwitch/CreateSecurityGroup, RunInstances (Amount 1-3), Stop/Start/
// Reboot, DeleteInstance(s), CreateDisk/AttachDisk/DetachDisk/DeleteDisk, Allocate/Associate/
// Unassociate/ReleaseEipAddress, Create/Attach/Detach/DeleteNetworkInterface, Create/
// DeleteSnapshot; about half the creations carry a ClientToken; one call per resource at a time.
// Every 50-130 operations (killEvery) ecsd is killed with SIGKILL while calls are in flight and
// restarted on the same data dir and port; one kill in five is followed by a second one while
// ecsd recovers from the first.
//
// The ledger knows what the API acknowledged (a 200 with ids), what it refused (an ECS 4xx) and
// what has an unknown outcome (the connection died). Every creation carries a marker in its
// Description, so whatever a call made can be found afterwards. After each restart:
// - an unknown creation with a ClientToken is retried with the same token (it must answer with
//   one set of ids: the first call's if that one was committed, never a second set); one without
//   a token is adopted as whatever the marker finds (at most what was asked for);
// - a few acknowledged ClientToken creations are replayed: the same ids must come back;
// - the invariants below must hold, converged within 10 s (polled).
//
// Invariants (each failure is one violation, by category):
//   lost            an acknowledged creation is gone though no delete of it was sent
//   not-deleted     an acknowledged delete left the resource there
//   phantom         a refused creation made something
//   duplicate       a creation made more than it answered (or than it asked for)
//   clienttoken-*   a ClientToken retry/replay answered other ids or failed
//   unstable        an instance not Running/Stopped, a disk not Available/In_use, an ENI/EIP not
//                   Available/InUse, a snapshot not accomplished/failed, a VPC/vSwitch not
//                   Available
//   ip-duplicate    two ENIs/instances with one private IP in a vSwitch
//   ip-count        a vSwitch's AvailableIpAddressCount disagrees with the addresses in it
//   eni-*           an instance without exactly one primary ENI (with its address), an ENI on a
//                   released instance, more ENIs than the type takes, InUse without an instance
//   eip-*           an EIP associated with a released instance, or the two sides disagree
//   disk-*          a disk attached to a released instance, an instance without exactly one
//                   system disk, two disks on one device, In_use without an instance
//   capacity        the free vCPUs (probed with RunInstances DryRun Amount=MinAmount=k on a
//                   vSwitch of its own, and DescribeAvailableResource's Available/SoldOut)
//                   differ from the host's vCPUs minus what the instances holding a claim use
//                   (all but Stopped in StopCharging mode)
//   state-lost      an acknowledged state change is gone: an instance not in the power state its
//                   last answered Run/Start/Stop/Reboot left it in, a disk/ENI/EIP not attached
//                   where its last answered call put it (detached once that instance is released)
//   system-event    the platform stopped, rebooted or released an instance by itself
//                   (DescribeInstanceHistoryEvents; no fault is injected)
//   listing         a Describe* page repeats an id or its TotalCount disagrees with the pages
//   describe-failed a Describe* call did not answer 200
//   http-5xx        any call answered 5xx
const h = require('./helpers');

const { Ecs, Vpc, REGION, ZONE_A, wire } = h;

const TYPES = {
  'ecs.t5-lc2m1.nano': { cpu: 1, enis: 1 },
  'ecs.g7.large': { cpu: 2, enis: 2 },
};
const STABLE = {
  instance: ['Running', 'Stopped'],
  disk: ['Available', 'In_use'],
  eni: ['Available', 'InUse'],
  eip: ['Available', 'InUse'],
  snapshot: ['accomplished', 'failed'],
  vpc: ['Available'],
  vswitch: ['Available'],
};
const KINDS = ['instance', 'disk', 'eni', 'eip', 'snapshot', 'vpc', 'vswitch', 'sg', 'event'];

// Small deterministic PRNG (mulberry32) so a run's choices can be replayed with its seed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : NaN);

class KillSoak {
  // opts: ops (1000), parallel (6), seed, delayMs (fake driver delay, 10), killEvery [50, 130],
  // hostVcpus (48), convergeMs (10000), log (function for progress lines).
  constructor(opts = {}) {
    this.ops = opts.ops ?? 1000;
    this.parallel = opts.parallel ?? 6;
    this.seed = opts.seed ?? (Date.now() % 1000000007);
    this.delayMs = opts.delayMs ?? 10;
    this.killEvery = opts.killEvery || [50, 130];
    this.hostVcpus = opts.hostVcpus ?? 48;
    this.convergeMs = opts.convergeMs ?? 10000;
    this.log = opts.log || (() => {});
    this.rand = rng(this.seed);
    this.serial = 0;

    this.live = new Map();       // id -> { kind, marker }: acknowledged (or adopted) creations
    this.deleted = new Map();    // id -> 'ack' | 'unknown'
    this.creations = [];         // every creation call: { kind, marker, max, token, state, ids, ... }
    this.violations = [];        // { label, cat, msg }, each distinct one once
    this.recorded = new Set();
    this.expect = new Map();     // id -> acknowledged state { kind, status | instance } (null: unknown)
    this.busy = new Set();       // ids a call in flight acts on: one call per resource at a time
    this.view = null;            // last listing, for choosing targets
    this.vswCidrs = new Map();   // vpcId -> next /24
    this.figures = {
      operations: 0, ok: 0, rejected: 0, unknown: 0, kills: 0, checks: 0,
      tokenRetries: 0, tokenReplays: 0, adopted: 0, inFlightAtKills: 0, capacityProbes: 0, minFreeVcpus: Infinity, killsDuringRecovery: 0,
      convergeMs: [], restartMs: [], byAction: {},
    };
  }

  // ---------------------------------------------------------------------------------------
  // Setup

  async start() {
    this.server = await h.startServer({ delayMs: this.delayMs, extraArgs: ['--fake-host-vcpus', String(this.hostVcpus)] });
    this.connect();
    // The fixture VPC: two vSwitches for the workload (one small, to run out of addresses) and
    // one the capacity probe alone uses (its dry runs need free addresses).
    const net = await h.createNetwork(this.ecs, this.vpc, { name: 'lf', vpcCidr: '10.0.0.0/16', vswCidr: '10.0.1.0/24' });
    this.fixture = net;
    await h.createVSwitch(this.vpc, net.vpcId, '10.0.2.0/26', ZONE_A, 'lf-small');
    this.probeVsw = await h.createVSwitch(this.vpc, net.vpcId, '10.0.250.0/24', ZONE_A, 'lf-probe');
    this.vswCidrs.set(net.vpcId, 3);
    this.view = await this.listAll();
    return this;
  }

  connect() {
    this.ecs = h.ecsClient(this.server, { readTimeout: 30000 });
    this.vpc = h.vpcClient(this.server, { readTimeout: 30000 });
  }

  async destroy() { if (this.server) await this.server.destroy(); }

  // ---------------------------------------------------------------------------------------
  // Random helpers

  pick(arr) { return arr.length ? arr[Math.floor(this.rand() * arr.length)] : undefined; }
  chance(p) { return this.rand() < p; }
  int(lo, hi) { return lo + Math.floor(this.rand() * (hi - lo + 1)); }
  marker() { return `lf-${this.seed}-${++this.serial}`; }
  token() { return this.chance(0.5) ? `tok-${this.seed}-${this.serial}` : undefined; }

  violate(label, cat, msg, key = msg) {
    key = `${cat} ${key}`;
    if (this.recorded.has(key)) return;
    this.recorded.add(key);
    this.violations.push({ label, cat, msg });
  }

  // ---------------------------------------------------------------------------------------
  // Listing (all pages; a repeated id or a wrong TotalCount is a listing violation)

  async pages(kind, fetchPage, problems) {
    const items = [];
    const seen = new Set();
    let total = Infinity;
    for (let n = 1; items.length < total && n < 1000; n += 1) {
      const body = wire(await fetchPage(n));
      total = body.TotalCount;
      const got = fetchPage.items(body) || [];
      for (const it of got) {
        const id = fetchPage.id(it);
        if (seen.has(id)) problems.push({ cat: 'listing', msg: `${kind} ${id} listed twice` });
        seen.add(id);
        items.push(it);
      }
      if (!got.length) break;
    }
    if (items.length !== total) problems.push({ cat: 'listing', msg: `${kind}: TotalCount ${total}, pages held ${items.length}` });
    return items;
  }

  async listAll() {
    const problems = [];
    const R = REGION;
    const page = (fn, items, id) => Object.assign(fn, { items, id });
    const L = { problems };
    const calls = {
      instance: page((n) => this.ecs.describeInstances(new Ecs.DescribeInstancesRequest({ regionId: R, pageSize: 100, pageNumber: n })),
        (b) => b.Instances.Instance, (i) => i.InstanceId),
      disk: page((n) => this.ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: R, pageSize: 100, pageNumber: n })),
        (b) => b.Disks.Disk, (d) => d.DiskId),
      eni: page((n) => this.ecs.describeNetworkInterfaces(new Ecs.DescribeNetworkInterfacesRequest({ regionId: R, pageSize: 100, pageNumber: n })),
        (b) => b.NetworkInterfaceSets.NetworkInterfaceSet, (e) => e.NetworkInterfaceId),
      eip: page((n) => this.vpc.describeEipAddresses(new Vpc.DescribeEipAddressesRequest({ regionId: R, pageSize: 100, pageNumber: n })),
        (b) => b.EipAddresses.EipAddress, (e) => e.AllocationId),
      snapshot: page((n) => this.ecs.describeSnapshots(new Ecs.DescribeSnapshotsRequest({ regionId: R, pageSize: 100, pageNumber: n })),
        (b) => b.Snapshots.Snapshot, (s) => s.SnapshotId),
      vpc: page((n) => this.vpc.describeVpcs(new Vpc.DescribeVpcsRequest({ regionId: R, pageSize: 50, pageNumber: n })),
        (b) => b.Vpcs.Vpc, (v) => v.VpcId),
      vswitch: page((n) => this.vpc.describeVSwitches(new Vpc.DescribeVSwitchesRequest({ regionId: R, pageSize: 50, pageNumber: n })),
        (b) => b.VSwitches.VSwitch, (v) => v.VSwitchId),
      event: page((n) => this.ecs.describeInstanceHistoryEvents(new Ecs.DescribeInstanceHistoryEventsRequest({ regionId: R, pageSize: 100, pageNumber: n })),
        (b) => b.InstanceSystemEventSet.InstanceSystemEventType, (e) => e.EventId),
      sg: page((n) => this.ecs.describeSecurityGroups(new Ecs.DescribeSecurityGroupsRequest({ regionId: R, pageSize: 50, pageNumber: n })),
        (b) => b.SecurityGroups.SecurityGroup, (g) => g.SecurityGroupId),
    };
    L.marked = new Map();  // `${kind} ${Description}` -> items (system disks are left out)
    for (const kind of KINDS) {
      L[kind] = await this.pages(kind, calls[kind], problems);
      L[`${kind}ById`] = new Map(L[kind].map((x) => [calls[kind].id(x), x]));
      for (const x of L[kind]) {
        if (!x.Description || (kind === 'disk' && x.Type === 'system')) continue;
        const key = `${kind} ${x.Description}`;
        L.marked.set(key, [...(L.marked.get(key) || []), x]);
      }
    }
    L.idOf = (kind, x) => calls[kind].id(x);
    return L;
  }

  // ---------------------------------------------------------------------------------------
  // Operations

  // Run one call; classify its outcome; keep the ledger.
  async execute(op) {
    const f = this.figures;
    f.operations += 1;
    const stats = (f.byAction[op.name] = f.byAction[op.name] || { ok: 0, rejected: 0, unknown: 0 });
    const c = op.creation;
    if (c) this.creations.push(Object.assign(c, { state: 'pending', ids: [], action: op.name }));
    let outcome;
    let res;
    let err;
    for (const id of op.ids || []) this.busy.add(id);
    try {
      res = await op.call();
      outcome = 'ok';
    } catch (e) {
      err = e;
      if (typeof e.statusCode === 'number' && e.statusCode < 500 && e.code) outcome = 'rejected';
      else if (typeof e.statusCode === 'number') {
        outcome = 'rejected';
        this.violate(`op ${f.operations}`, 'http-5xx', `${op.name} answered ${e.statusCode} ${e.code}: ${String(e.message).slice(0, 200)}`);
      } else outcome = 'unknown';
    }
    for (const id of op.ids || []) this.busy.delete(id);
    f[outcome] += 1;
    stats[outcome] += 1;
    // What the call acknowledged must still hold after any number of kills (unless a later
    // call changed it); after an unknown outcome nothing is expected until the next answer.
    if (op.expect && outcome !== 'rejected') {
      for (const [id, want] of Object.entries(op.expect)) this.expect.set(id, outcome === 'ok' ? want : null);
    }
    if (c) {
      if (outcome === 'ok') {
        c.state = 'ack';
        c.ids = c.idsOf(res);
        for (const id of c.ids) {
          this.live.set(id, { kind: c.kind, marker: c.marker });
          if (c.initial) this.expect.set(id, c.initial);
        }
      } else if (outcome === 'rejected') {
        c.state = 'rejected';
        c.error = err.code;
      } else {
        c.state = 'unknown';
      }
    }
    for (const d of op.deletes || []) {
      if (outcome === 'ok') this.deleted.set(d, 'ack');
      else if (outcome === 'unknown' && this.deleted.get(d) !== 'ack') this.deleted.set(d, 'unknown');
    }
    return outcome;
  }

  // Targets come from the last listing (refreshed every few operations): stale choices simply
  // get ECS errors, which count as refused operations.
  targets() {
    const v = this.view;
    const gone = (id) => this.deleted.get(id) === 'ack' || this.busy.has(id);
    const insts = v.instance.filter((i) => !gone(i.InstanceId));
    const enisOf = new Map();
    for (const e of v.eni) if (e.InstanceId) enisOf.set(e.InstanceId, (enisOf.get(e.InstanceId) || 0) + 1);
    const sgsByVpc = new Map();
    for (const g of v.sg) if (this.deleted.get(g.SecurityGroupId) !== 'ack') sgsByVpc.set(g.VpcId, [...(sgsByVpc.get(g.VpcId) || []), g.SecurityGroupId]);
    const vsws = v.vswitch.filter((s) => s.VSwitchId !== this.probeVsw && s.ZoneId === ZONE_A && sgsByVpc.has(s.VpcId));
    return {
      insts,
      running: insts.filter((i) => i.Status === 'Running'),
      stopped: insts.filter((i) => i.Status === 'Stopped'),
      settled: insts.filter((i) => i.Status === 'Running' || i.Status === 'Stopped'),
      claimedCpu: v.instance.filter((i) => this.deleted.get(i.InstanceId) !== 'ack').reduce((n, i) => n + ((i.Status === 'Stopped' && i.StoppedMode === 'StopCharging') ? 0 : (TYPES[i.InstanceType] || { cpu: 1 }).cpu), 0),
      enisOf,
      sgsByVpc,
      vsws,
      disks: v.disk.filter((d) => d.Type === 'data' && !gone(d.DiskId)),
      enis: v.eni.filter((e) => e.Type === 'Secondary' && !gone(e.NetworkInterfaceId)),
      eips: v.eip.filter((e) => !gone(e.AllocationId)),
      snaps: v.snapshot.filter((s) => !gone(s.SnapshotId)),
      vpcs: v.vpc.filter((x) => this.deleted.get(x.VpcId) !== 'ack'),
    };
  }

  chooseOp() {
    const t = this.targets();
    const nInst = t.insts.length;
    const full = t.claimedCpu >= this.hostVcpus - 6;
    const table = [
      ['createVpc', t.vpcs.length < 6 ? 2 : 0],
      ['createVSwitch', 3],
      ['createSecurityGroup', 3],
      ['runInstances', full ? 1 : (nInst < 8 ? 25 : 12)],
      ['stopInstance', 8], ['startInstance', 8], ['rebootInstance', 5],
      ['deleteInstance', nInst > 20 ? 14 : 4], ['deleteInstances', nInst > 20 ? 6 : 2],
      ['createDisk', t.disks.length < 30 ? 8 : 1], ['attachDisk', 7], ['detachDisk', 5], ['deleteDisk', t.disks.length > 15 ? 6 : 3],
      ['allocateEip', t.eips.length < 20 ? 5 : 1], ['associateEip', 6], ['unassociateEip', 4], ['releaseEip', t.eips.length > 10 ? 5 : 2],
      ['createEni', t.enis.length < 20 ? 5 : 1], ['attachEni', 5], ['detachEni', 3], ['deleteEni', t.enis.length > 10 ? 5 : 2],
      ['createSnapshot', t.snaps.length < 30 ? 5 : 1], ['deleteSnapshot', t.snaps.length > 15 ? 5 : 2],
    ];
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const total = table.reduce((n, [, w]) => n + w, 0);
      let r = this.rand() * total;
      let name = table[0][0];
      for (const [n, w] of table) { r -= w; if (r < 0) { name = n; break; } }
      const op = this[`op_${name}`](t);
      if (op) return op;
    }
    return this.op_createSecurityGroup(t);
  }

  creation(kind, max, idsOf, mkCall, token) {
    return { kind, max, idsOf, resend: mkCall, token };
  }

  op_createVpc() {
    const marker = this.marker();
    const clientToken = this.token();
    const call = () => this.vpc.createVpc(new Vpc.CreateVpcRequest({ regionId: REGION, cidrBlock: '192.168.0.0/16', description: marker, clientToken }));
    return { name: 'CreateVpc', call, creation: { marker, ...this.creation('vpc', 1, (r) => [wire(r).VpcId], call, clientToken) } };
  }

  op_createVSwitch(t) {
    const vpc = this.pick(t.vpcs.filter((x) => x.Status === 'Available'));
    if (!vpc) return null;
    const n = this.vswCidrs.get(vpc.VpcId) || 0;
    if (n > 240) return null;
    this.vswCidrs.set(vpc.VpcId, n + 1);
    const cidrBlock = vpc.CidrBlock.startsWith('10.') ? `10.0.${n}.0/24` : `192.168.${n}.0/24`;
    const marker = this.marker();
    const clientToken = this.token();
    const call = () => this.vpc.createVSwitch(new Vpc.CreateVSwitchRequest({ regionId: REGION, vpcId: vpc.VpcId, zoneId: ZONE_A, cidrBlock, description: marker, clientToken }));
    return { name: 'CreateVSwitch', call, creation: { marker, ...this.creation('vswitch', 1, (r) => [wire(r).VSwitchId], call, clientToken) } };
  }

  op_createSecurityGroup(t) {
    const vpc = this.pick(t.vpcs);
    if (!vpc) return null;
    const marker = this.marker();
    const clientToken = this.token();
    const call = () => this.ecs.createSecurityGroup(new Ecs.CreateSecurityGroupRequest({ regionId: REGION, vpcId: vpc.VpcId, description: marker, clientToken }));
    return { name: 'CreateSecurityGroup', call, creation: { marker, ...this.creation('sg', 1, (r) => [wire(r).SecurityGroupId], call, clientToken) } };
  }

  op_runInstances(t) {
    const vsw = this.pick(t.vsws);
    if (!vsw) return null;
    const instanceType = this.chance(0.35) ? 'ecs.g7.large' : 'ecs.t5-lc2m1.nano';
    const amount = this.int(1, 3);
    const marker = this.marker();
    const clientToken = this.token();
    // Parameters are fixed here: a retry must send the very same ones.
    const sg = this.pick(t.sgsByVpc.get(vsw.VpcId));
    const call = () => this.ecs.runInstances(new Ecs.RunInstancesRequest({
      regionId: REGION, imageId: h.IMAGE, instanceType, vSwitchId: vsw.VSwitchId,
      securityGroupId: sg, amount, description: marker, instanceName: marker, clientToken,
    }));
    return { name: 'RunInstances', call, creation: { marker, initial: { kind: 'instance', status: 'Running', op: 'RunInstances' }, ...this.creation('instance', amount, (r) => wire(r).InstanceIdSets.InstanceIdSet, call, clientToken) } };
  }

  op_stopInstance(t) {
    const i = this.pick(t.running);
    if (!i) return null;
    const stoppedMode = this.chance(0.3) ? 'StopCharging' : undefined;
    const forceStop = this.chance(0.2) || undefined;
    return { name: 'StopInstance', ids: [i.InstanceId], expect: { [i.InstanceId]: { kind: 'instance', status: 'Stopped', op: 'StopInstance' } }, call: () => this.ecs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: i.InstanceId, stoppedMode, forceStop })) };
  }

  op_startInstance(t) {
    const i = this.pick(t.stopped);
    if (!i) return null;
    return { name: 'StartInstance', ids: [i.InstanceId], expect: { [i.InstanceId]: { kind: 'instance', status: 'Running', op: 'StartInstance' } }, call: () => this.ecs.startInstance(new Ecs.StartInstanceRequest({ instanceId: i.InstanceId })) };
  }

  op_rebootInstance(t) {
    const i = this.pick(t.running);
    if (!i) return null;
    return { name: 'RebootInstance', ids: [i.InstanceId], expect: { [i.InstanceId]: { kind: 'instance', status: 'Running', op: 'RebootInstance' } }, call: () => this.ecs.rebootInstance(new Ecs.RebootInstanceRequest({ instanceId: i.InstanceId, forceStop: this.chance(0.3) || undefined })) };
  }

  op_deleteInstance(t) {
    const i = this.pick(t.insts);
    if (!i) return null;
    return { name: 'DeleteInstance', ids: [i.InstanceId], deletes: [i.InstanceId], call: () => this.ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: i.InstanceId, force: true })) };
  }

  op_deleteInstances(t) {
    if (t.insts.length < 2) return null;
    const ids = [...new Set([this.pick(t.insts), this.pick(t.insts), this.pick(t.insts)].map((i) => i.InstanceId))];
    const clientToken = this.chance(0.5) ? `del-${this.seed}-${++this.serial}` : undefined;
    return { name: 'DeleteInstances', ids, deletes: ids, call: () => this.ecs.deleteInstances(new Ecs.DeleteInstancesRequest({ regionId: REGION, instanceId: ids, force: true, clientToken })) };
  }

  op_createDisk() {
    const marker = this.marker();
    const clientToken = this.token();
    const call = () => this.ecs.createDisk(new Ecs.CreateDiskRequest({ regionId: REGION, zoneId: ZONE_A, diskCategory: 'cloud_essd', size: 20, description: marker, clientToken }));
    return { name: 'CreateDisk', call, creation: { marker, initial: { kind: 'disk', instance: '', op: 'CreateDisk' }, ...this.creation('disk', 1, (r) => [wire(r).DiskId], call, clientToken) } };
  }

  op_attachDisk(t) {
    const d = this.pick(t.disks.filter((x) => x.Status === 'Available' && x.ZoneId === ZONE_A));
    const i = this.pick(t.settled.filter((x) => x.ZoneId === ZONE_A));
    if (!d || !i) return null;
    return { name: 'AttachDisk', ids: [d.DiskId, i.InstanceId], expect: { [d.DiskId]: { kind: 'disk', instance: i.InstanceId, op: 'AttachDisk' } }, call: () => this.ecs.attachDisk(new Ecs.AttachDiskRequest({ diskId: d.DiskId, instanceId: i.InstanceId })) };
  }

  op_detachDisk(t) {
    const d = this.pick(t.disks.filter((x) => x.Status === 'In_use'));
    if (!d) return null;
    return { name: 'DetachDisk', ids: [d.DiskId], expect: { [d.DiskId]: { kind: 'disk', instance: '', op: 'DetachDisk' } }, call: () => this.ecs.detachDisk(new Ecs.DetachDiskRequest({ diskId: d.DiskId, instanceId: d.InstanceId })) };
  }

  op_deleteDisk(t) {
    const d = this.pick(t.disks.filter((x) => x.Status === 'Available'));
    if (!d) return null;
    return { name: 'DeleteDisk', ids: [d.DiskId], deletes: [d.DiskId], call: () => this.ecs.deleteDisk(new Ecs.DeleteDiskRequest({ diskId: d.DiskId })) };
  }

  op_allocateEip() {
    const marker = this.marker();
    const clientToken = this.token();
    const call = () => this.vpc.allocateEipAddress(new Vpc.AllocateEipAddressRequest({ regionId: REGION, bandwidth: '5', description: marker, clientToken }));
    return { name: 'AllocateEipAddress', call, creation: { marker, initial: { kind: 'eip', instance: '', op: 'AllocateEipAddress' }, ...this.creation('eip', 1, (r) => [wire(r).AllocationId], call, clientToken) } };
  }

  op_associateEip(t) {
    const e = this.pick(t.eips.filter((x) => x.Status === 'Available'));
    const i = this.pick(t.settled.filter((x) => !(x.EipAddress && x.EipAddress.AllocationId) && !(x.PublicIpAddress && x.PublicIpAddress.IpAddress && x.PublicIpAddress.IpAddress.length)));
    if (!e || !i) return null;
    return { name: 'AssociateEipAddress', ids: [e.AllocationId, i.InstanceId], expect: { [e.AllocationId]: { kind: 'eip', instance: i.InstanceId, op: 'AssociateEipAddress' } }, call: () => this.vpc.associateEipAddress(new Vpc.AssociateEipAddressRequest({ regionId: REGION, allocationId: e.AllocationId, instanceId: i.InstanceId })) };
  }

  op_unassociateEip(t) {
    const e = this.pick(t.eips.filter((x) => x.Status === 'InUse'));
    if (!e) return null;
    return { name: 'UnassociateEipAddress', ids: [e.AllocationId], expect: { [e.AllocationId]: { kind: 'eip', instance: '', op: 'UnassociateEipAddress' } }, call: () => this.vpc.unassociateEipAddress(new Vpc.UnassociateEipAddressRequest({ regionId: REGION, allocationId: e.AllocationId, instanceId: e.InstanceId })) };
  }

  op_releaseEip(t) {
    const e = this.pick(t.eips.filter((x) => x.Status === 'Available'));
    if (!e) return null;
    return { name: 'ReleaseEipAddress', ids: [e.AllocationId], deletes: [e.AllocationId], call: () => this.vpc.releaseEipAddress(new Vpc.ReleaseEipAddressRequest({ regionId: REGION, allocationId: e.AllocationId })) };
  }

  op_createEni(t) {
    const vsw = this.pick(t.vsws);
    if (!vsw) return null;
    const sg = this.pick(t.sgsByVpc.get(vsw.VpcId));
    const secondaryPrivateIpAddressCount = this.chance(0.3) ? 1 : undefined;
    const marker = this.marker();
    const clientToken = this.token();
    const call = () => this.ecs.createNetworkInterface(new Ecs.CreateNetworkInterfaceRequest({
      regionId: REGION, vSwitchId: vsw.VSwitchId, securityGroupId: sg, secondaryPrivateIpAddressCount, description: marker, clientToken }));
    return { name: 'CreateNetworkInterface', call, creation: { marker, initial: { kind: 'eni', instance: '', op: 'CreateNetworkInterface' }, ...this.creation('eni', 1, (r) => [wire(r).NetworkInterfaceId], call, clientToken) } };
  }

  op_attachEni(t) {
    const e = this.pick(t.enis.filter((x) => x.Status === 'Available'));
    if (!e) return null;
    const i = this.pick(t.settled.filter((x) => x.InstanceType === 'ecs.g7.large' && x.VpcAttributes.VpcId === e.VpcId && (t.enisOf.get(x.InstanceId) || 0) < 2));
    if (!i) return null;
    return { name: 'AttachNetworkInterface', ids: [e.NetworkInterfaceId, i.InstanceId], expect: { [e.NetworkInterfaceId]: { kind: 'eni', instance: i.InstanceId, op: 'AttachNetworkInterface' } }, call: () => this.ecs.attachNetworkInterface(new Ecs.AttachNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId: e.NetworkInterfaceId, instanceId: i.InstanceId })) };
  }

  op_detachEni(t) {
    const e = this.pick(t.enis.filter((x) => x.Status === 'InUse'));
    if (!e) return null;
    return { name: 'DetachNetworkInterface', ids: [e.NetworkInterfaceId], expect: { [e.NetworkInterfaceId]: { kind: 'eni', instance: '', op: 'DetachNetworkInterface' } }, call: () => this.ecs.detachNetworkInterface(new Ecs.DetachNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId: e.NetworkInterfaceId, instanceId: e.InstanceId })) };
  }

  op_deleteEni(t) {
    const e = this.pick(t.enis.filter((x) => x.Status === 'Available'));
    if (!e) return null;
    return { name: 'DeleteNetworkInterface', ids: [e.NetworkInterfaceId], deletes: [e.NetworkInterfaceId], call: () => this.ecs.deleteNetworkInterface(new Ecs.DeleteNetworkInterfaceRequest({ regionId: REGION, networkInterfaceId: e.NetworkInterfaceId })) };
  }

  op_createSnapshot(t) {
    const settled = new Set(t.settled.map((i) => i.InstanceId));
    const d = this.pick(this.view.disk.filter((x) => x.Status === 'In_use' && settled.has(x.InstanceId) && !this.busy.has(x.DiskId)));
    if (!d) return null;
    const marker = this.marker();
    const clientToken = this.token();
    const call = () => this.ecs.createSnapshot(new Ecs.CreateSnapshotRequest({ diskId: d.DiskId, description: marker, clientToken }));
    return { name: 'CreateSnapshot', ids: [d.DiskId], call, creation: { marker, ...this.creation('snapshot', 1, (r) => [wire(r).SnapshotId], call, clientToken) } };
  }

  op_deleteSnapshot(t) {
    const s = this.pick(t.snaps.filter((x) => x.Status === 'accomplished'));
    if (!s) return null;
    return { name: 'DeleteSnapshot', ids: [s.SnapshotId], deletes: [s.SnapshotId], call: () => this.ecs.deleteSnapshot(new Ecs.DeleteSnapshotRequest({ snapshotId: s.SnapshotId })) };
  }

  // ---------------------------------------------------------------------------------------
  // The run

  async run() {
    const t0 = Date.now();
    const inflight = new Set();
    const dispatch = () => {
      const op = this.chooseOp();
      const p = this.execute(op).finally(() => inflight.delete(p));
      inflight.add(p);
    };
    let nextKill = this.int(...this.killEvery);
    let lastRefresh = 0;
    let killing = null;
    while (this.figures.operations < this.ops || killing) {
      if (killing) {
        // The kill lands at a random moment while the pipe is kept full; then wait for the
        // restart and the checks before going on.
        await killing;
        killing = null;
        nextKill = this.figures.operations + this.int(...this.killEvery);
        lastRefresh = this.figures.operations;
        continue;
      }
      if (this.figures.operations >= nextKill) {
        let fire;
        killing = new Promise((resolve) => { fire = resolve; }).then(() => this.killAndRecover(inflight));
        setTimeout(fire, this.rand() * 25);
        this.down = false;
        // Keep dispatching until the timer fires (killAndRecover sets this.down at once).
        while (!this.down && this.figures.operations < this.ops + this.parallel * 4) {
          if (inflight.size < this.parallel) dispatch();
          else await Promise.race([...inflight, h.sleep(1)]);
        }
        continue;
      }
      if (this.figures.operations - lastRefresh >= 12) {
        try { this.view = await this.listAll(); } catch { /* keep the old view */ }
        lastRefresh = this.figures.operations;
      }
      while (inflight.size >= this.parallel) await Promise.race(inflight);
      dispatch();
    }
    await Promise.allSettled([...inflight]);
    await this.recover('at the end');
    this.figures.durationMs = Date.now() - t0;
    return this.summary();
  }

  async killAndRecover(inflight) {
    const f = this.figures;
    this.down = true;
    f.inFlightAtKills += inflight.size;
    const unknownBefore = f.unknown;
    const t0 = Date.now();
    await this.server.restart({ kill: true });
    f.kills += 1;
    f.restartMs.push(Date.now() - t0);
    // One kill in five is followed by another while ecsd is still recovering from it (the
    // reconciler and the host agent redoing what the first kill cut off).
    if (this.chance(0.2)) {
      await h.sleep(this.rand() * 50);
      await this.server.restart({ kill: true });
      f.kills += 1;
      f.killsDuringRecovery += 1;
    }
    await Promise.allSettled([...inflight]);
    this.connect();
    await this.recover(`after kill ${f.kills} (op ${f.operations})`);
    this.log(`# kill ${f.kills} at op ${f.operations}: ${f.unknown - unknownBefore} calls cut off, ${this.violations.length} violations so far`);
  }

  // Settle what the kill left unknown, replay some ClientTokens, then check the invariants.
  async recover(label) {
    const f = this.figures;
    let L = await this.listAll();
    for (const c of this.creations.filter((x) => x.state === 'unknown')) {
      if (c.token) {
        f.tokenRetries += 1;
        c.retried = true;
        try {
          const res = await c.resend();
          c.state = 'ack';
          c.ids = c.idsOf(res);
          for (const id of c.ids) this.live.set(id, { kind: c.kind, marker: c.marker });
        } catch (e) {
          if (typeof e.statusCode === 'number' && e.statusCode < 500) {
            // Refused on retry (e.g. no capacity left): then the first call must have made nothing.
            c.state = 'rejected';
            c.error = e.code;
          } else {
            c.state = 'adopt';
            this.violate(label, 'clienttoken-retry', `${c.action} ${c.marker}: retry with its ClientToken failed: ${e.statusCode || ''} ${e.code} ${String(e.message).slice(0, 200)}`);
          }
        }
      } else c.state = 'adopt';
    }
    if (this.creations.some((c) => c.state === 'adopt')) {
      L = await this.listAll();
      for (const c of this.creations.filter((x) => x.state === 'adopt')) {
        const found = this.byMarker(L, c.kind, c.marker);
        c.state = 'adopted';
        c.ids = found.map((x) => L.idOf(c.kind, x));
        f.adopted += c.ids.length;
        for (const id of c.ids) this.live.set(id, { kind: c.kind, marker: c.marker });
      }
    }
    // Acknowledged ClientTokens answer the same ids after the restart.
    const acked = this.creations.filter((c) => c.token && c.state === 'ack');
    for (let n = 0; n < 3 && acked.length; n += 1) {
      const c = acked.splice(Math.floor(this.rand() * acked.length), 1)[0];
      f.tokenReplays += 1;
      try {
        const ids = c.idsOf(await c.resend());
        if (JSON.stringify([...ids].sort()) !== JSON.stringify([...c.ids].sort())) {
          this.violate(label, 'clienttoken-replay', `${c.action} ${c.marker}: replay of an acknowledged ClientToken answered ${ids} instead of ${c.ids}`);
        }
      } catch (e) {
        this.violate(label, 'clienttoken-replay', `${c.action} ${c.marker}: replay of an acknowledged ClientToken failed: ${e.statusCode || ''} ${e.code}`);
      }
    }
    await this.check(label);
  }

  byMarker(L, kind, marker) { return L.marked.get(`${kind} ${marker}`) || []; }

  // Poll until every invariant holds (and the capacity probe agrees) or convergeMs passed. A
  // violation already recorded by an earlier check (a duplicate stays a duplicate) does not hold
  // the next check up and is counted once.
  async check(label) {
    const f = this.figures;
    f.checks += 1;
    const t0 = Date.now();
    const known = (x) => this.recorded.has(`${x.cat} ${x.key || x.msg}`);
    for (;;) {
      let found;
      try {
        const L = await this.listAll();
        this.view = L;
        found = this.invariants(L);
        if (found.every(known)) found.push(...await this.capacity(L));
      } catch (e) {
        found = [{ cat: 'describe-failed', msg: `${e.statusCode || ''} ${e.code || ''} ${String(e.message).slice(0, 200)}` }];
      }
      const fresh = found.filter((x) => !known(x));
      if (!fresh.length || Date.now() - t0 > this.convergeMs) {
        for (const x of fresh) this.violate(label, x.cat, x.msg, x.key);
        f.convergeMs.push(Date.now() - t0);
        return;
      }
      await h.sleep(200);
    }
  }

  invariants(L) {
    const out = [...L.problems];
    const v = (cat, msg, key) => out.push({ cat, msg, key });
    const has = (kind, id) => L[`${kind}ById`].has(id);

    // Ledger: nothing acknowledged is lost, nothing acknowledged deleted stays.
    for (const [id, rec] of this.live) {
      const del = this.deleted.get(id);
      if (!del && !has(rec.kind, id)) v('lost', `${rec.kind} ${id} (${rec.marker}) was created and never deleted, and is gone`, id);
      if (del === 'ack' && has(rec.kind, id)) v('not-deleted', `${rec.kind} ${id} (${rec.marker}) was deleted (acknowledged) and is still listed`, id);
    }
    // Acknowledged state changes hold: an instance is in the power state its last answered call
    // asked for; a disk, ENI or EIP is attached where its last answered call put it (detached
    // once that instance was released).
    for (const [id, want] of this.expect) {
      if (!want || this.deleted.has(id)) continue;
      const x = L[`${want.kind}ById`].get(id);
      if (!x) continue;  // "lost" covers it
      if (want.kind === 'instance') {
        if (x.Status !== want.status) v('state-lost', `instance ${id} is ${x.Status}; the last answered call (${want.op}) made it ${want.status}`, `${id} ${want.op}`);
        continue;
      }
      const released = want.instance && this.deleted.get(want.instance);
      if (released === 'unknown') continue;
      const where = released === 'ack' ? '' : want.instance;
      if ((x.InstanceId || '') !== where) v('state-lost', `${want.kind} ${id} is on '${x.InstanceId}'; the last answered call (${want.op}) put it on '${want.instance}'${released ? ', since released' : ''}`, `${id} ${want.op}`);
    }
    // Creations: a refused one made nothing, none made more than it answered or asked for.
    for (const c of this.creations) {
      if (c.state === 'pending' || c.state === 'unknown') continue;
      const found = this.byMarker(L, c.kind, c.marker).map((x) => L.idOf(c.kind, x));
      const cat = c.retried ? 'clienttoken-duplicate' : 'duplicate';
      // One violation per creation (keyed by its marker), however often it is seen.
      if (c.state === 'rejected' && found.length) v(c.retried ? cat : 'phantom', `${c.action} ${c.marker} was refused (${c.error}) yet made ${found.join(',')}`, c.marker);
      else if (found.length > c.max) v(cat, `${c.action} ${c.marker} asked for ${c.max} and made ${found.length}: ${found.join(',')}`, c.marker);
      else if (c.state === 'ack') {
        const extra = found.filter((id) => !c.ids.includes(id));
        if (extra.length) v(cat, `${c.action} ${c.marker} answered ${c.ids.join(',')} but also made ${extra.join(',')}`, c.marker);
      }
    }
    // Stable states.
    const state = { instance: 'Status', disk: 'Status', eni: 'Status', eip: 'Status', snapshot: 'Status', vpc: 'Status', vswitch: 'Status' };
    for (const [kind, field] of Object.entries(state)) {
      for (const x of L[kind]) if (!STABLE[kind].includes(x[field])) v('unstable', `${kind} ${L.idOf(kind, x)} is ${x[field]}`);
    }
    // The platform acted on no instance by itself (no fault is injected: a kill -9 of ecsd must
    // not make it stop, reboot or release a guest).
    for (const e of L.event) v('system-event', `${e.EventType.Name} on ${e.InstanceId}: ${e.Reason}`);
    const inst = L.instanceById;
    // ENIs: one primary per instance with its address; none on a released instance; the quota.
    const enisOf = new Map();
    for (const e of L.eni) {
      if (e.InstanceId) {
        if (!inst.has(e.InstanceId)) v('eni-orphan', `${e.Type} ENI ${e.NetworkInterfaceId} is on ${e.InstanceId}, which is released`);
        enisOf.set(e.InstanceId, [...(enisOf.get(e.InstanceId) || []), e]);
      } else if (e.Type === 'Primary') v('eni-orphan', `primary ENI ${e.NetworkInterfaceId} has no instance`);
      if ((e.Status === 'InUse') !== !!e.InstanceId) v('eni-state', `ENI ${e.NetworkInterfaceId} is ${e.Status} with instance '${e.InstanceId}'`);
    }
    for (const i of L.instance) {
      const mine = enisOf.get(i.InstanceId) || [];
      const primary = mine.filter((e) => e.Type === 'Primary');
      const ip = h.privateIp(i);
      if (primary.length !== 1) v('eni-primary', `instance ${i.InstanceId} has ${primary.length} primary ENIs`);
      else if (primary[0].PrivateIpAddress !== ip) v('eni-primary', `instance ${i.InstanceId} has ${ip}, its primary ENI ${primary[0].PrivateIpAddress}`);
      const quota = (TYPES[i.InstanceType] || { enis: 8 }).enis;
      if (mine.length > quota) v('eni-quota', `instance ${i.InstanceId} (${i.InstanceType}) has ${mine.length} ENIs`);
    }
    // Private addresses: unique per vSwitch, and AvailableIpAddressCount agrees.
    for (const s of L.vswitch) {
      const used = new Map();
      const take = (ip, owner) => {
        if (!ip) return;
        if (used.has(ip) && used.get(ip) !== owner) v('ip-duplicate', `${ip} in ${s.VSwitchId} belongs to ${used.get(ip)} and ${owner}`);
        used.set(ip, owner);
      };
      for (const e of L.eni.filter((x) => x.VSwitchId === s.VSwitchId)) {
        const owner = e.Type === 'Primary' ? e.InstanceId : e.NetworkInterfaceId;
        const ips = new Set(e.PrivateIpSets.PrivateIpSet.map((p) => p.PrivateIpAddress));
        if (ips.size !== e.PrivateIpSets.PrivateIpSet.length) v('ip-duplicate', `ENI ${e.NetworkInterfaceId} lists an address twice`);
        for (const ip of ips) take(ip, owner);
      }
      for (const i of L.instance.filter((x) => x.VpcAttributes.VSwitchId === s.VSwitchId)) take(h.privateIp(i), i.InstanceId);
      const size = 2 ** (32 - Number(s.CidrBlock.split('/')[1]));
      const want = size - 4 - used.size;
      if (Number(s.AvailableIpAddressCount) !== want) v('ip-count', `${s.VSwitchId} (${s.CidrBlock}) says ${s.AvailableIpAddressCount} available, ${used.size} addresses are in use (${want} expected)`);
    }
    // EIPs: never on a released instance; both sides agree; addresses unique.
    const eipIps = new Map();
    for (const e of L.eip) {
      if (eipIps.has(e.IpAddress)) v('eip-duplicate', `${e.IpAddress} is both ${eipIps.get(e.IpAddress)} and ${e.AllocationId}`);
      eipIps.set(e.IpAddress, e.AllocationId);
      if (e.Status === 'InUse') {
        const i = inst.get(e.InstanceId);
        if (!i) v('eip-on-released', `EIP ${e.AllocationId} is associated with ${e.InstanceId}, which is released`);
        else if (!i.EipAddress || i.EipAddress.AllocationId !== e.AllocationId) v('eip-mismatch', `EIP ${e.AllocationId} says ${e.InstanceId}, the instance says '${i.EipAddress && i.EipAddress.AllocationId}'`);
      } else if (e.InstanceId) v('eip-mismatch', `EIP ${e.AllocationId} is ${e.Status} with instance ${e.InstanceId}`);
    }
    for (const i of L.instance) {
      const a = i.EipAddress && i.EipAddress.AllocationId;
      if (!a) continue;
      const e = L.eipById.get(a);
      if (!e || e.InstanceId !== i.InstanceId) v('eip-mismatch', `instance ${i.InstanceId} says EIP ${a}, which says '${e && e.InstanceId}'`);
    }
    // Disks: attached only to existing instances; one system disk each; devices unique.
    const disksOf = new Map();
    for (const d of L.disk) {
      if (d.InstanceId) {
        if (!inst.has(d.InstanceId)) v('disk-orphan', `${d.Type} disk ${d.DiskId} is on ${d.InstanceId}, which is released`);
        disksOf.set(d.InstanceId, [...(disksOf.get(d.InstanceId) || []), d]);
      } else if (d.Type === 'system') v('disk-orphan', `system disk ${d.DiskId} has no instance`);
      if ((d.Status === 'In_use') !== !!d.InstanceId) v('disk-state', `disk ${d.DiskId} is ${d.Status} with instance '${d.InstanceId}'`);
    }
    for (const i of L.instance) {
      const mine = disksOf.get(i.InstanceId) || [];
      const sys = mine.filter((d) => d.Type === 'system').length;
      if (sys !== 1) v('disk-system', `instance ${i.InstanceId} has ${sys} system disks`);
      const devices = mine.map((d) => d.Device).filter(Boolean);
      if (new Set(devices).size !== devices.length) v('disk-device', `instance ${i.InstanceId} has two disks on one device: ${devices}`);
    }
    return out;
  }

  // Free vCPUs as RunInstances sees them: DryRun with Amount = MinAmount = k on the probe vSwitch.
  async capacity(L) {
    const claimed = L.instance.reduce((n, i) => n + ((i.Status === 'Stopped' && i.StoppedMode === 'StopCharging') ? 0 : (TYPES[i.InstanceType] || { cpu: 0 }).cpu), 0);
    const free = this.hostVcpus - claimed;
    this.figures.capacityProbes += 1;
    this.figures.minFreeVcpus = Math.min(this.figures.minFreeVcpus, free);
    const dry = async (k) => {
      try {
        await this.ecs.runInstances(new Ecs.RunInstancesRequest({
          regionId: REGION, imageId: h.IMAGE, instanceType: 'ecs.t5-lc2m1.nano', vSwitchId: this.probeVsw,
          securityGroupId: this.fixture.securityGroupId, amount: k, minAmount: k, dryRun: true }));
        return 'accepted';
      } catch (e) { return e.code; }
    };
    if (free < 0) return [{ cat: 'capacity', msg: `instances claim ${claimed} vCPUs of the host's ${this.hostVcpus}` }];
    const out = [];
    if (free > 0) {
      const r = await dry(free);
      if (r !== 'DryRunOperation') out.push({ cat: 'capacity', msg: `${free} vCPUs should be free (${claimed} claimed of ${this.hostVcpus}); a dry run of ${free} got ${r}` });
    }
    if (free < 100) {
      const r = await dry(free + 1);
      if (r !== 'OperationDenied.NoStock') out.push({ cat: 'capacity', msg: `${free} vCPUs should be free (${claimed} claimed of ${this.hostVcpus}); a dry run of ${free + 1} got ${r}` });
    }
    // DescribeAvailableResource tells the same: a type is Available while its vCPUs are free.
    const body = wire(await this.ecs.describeAvailableResource(new Ecs.DescribeAvailableResourceRequest({
      regionId: REGION, destinationResource: 'InstanceType', zoneId: ZONE_A })));
    const status = {};
    for (const z of body.AvailableZones.AvailableZone) {
      for (const r of (z.AvailableResources && z.AvailableResources.AvailableResource) || []) {
        for (const x of r.SupportedResources.SupportedResource) status[x.Value] = x.Status;
      }
    }
    for (const [type, { cpu }] of Object.entries(TYPES)) {
      const want = free >= cpu ? 'Available' : 'SoldOut';
      if (status[type] !== want) out.push({ cat: 'capacity', msg: `DescribeAvailableResource says ${type} is ${status[type]} with ${free} vCPUs free (${want} expected)` });
    }
    return out;
  }

  summary() {
    const f = this.figures;
    const conv = [...f.convergeMs].sort((a, b) => a - b);
    const rs = [...f.restartMs].sort((a, b) => a - b);
    const cats = {};
    for (const x of this.violations) cats[x.cat] = (cats[x.cat] || 0) + 1;
    const live = {};
    for (const [id, r] of this.live) if (!this.deleted.has(id)) live[r.kind] = (live[r.kind] || 0) + 1;
    return {
      seed: this.seed,
      ...f,
      violations: this.violations.length,
      violationsByCategory: cats,
      violationList: this.violations,
      convergeMaxMs: conv.length ? conv[conv.length - 1] : 0,
      convergeP50Ms: percentile(conv, 50),
      restartP50Ms: percentile(rs, 50),
      restartMaxMs: rs.length ? rs[rs.length - 1] : 0,
      liveAtEnd: live,
      line: `# load-and-fault: ${f.operations} operations (${f.ok} ok, ${f.rejected} refused with an ECS error, ${f.unknown} unknown outcome), ` +
        `${f.kills} kills (${f.killsDuringRecovery} of them during the recovery from the one before; ${f.inFlightAtKills} calls in flight at them), ${this.violations.length} invariant violations` +
        `${this.violations.length ? ` ${JSON.stringify(cats)}` : ''}, ${f.checks} checks, ${f.tokenRetries} ClientToken retries, ` +
        `${f.tokenReplays} ClientToken replays, ${f.adopted} resources of unknown calls found, converged in p50 ${percentile(conv, 50)} ms / max ${conv.length ? conv[conv.length - 1] : 0} ms, ` +
        `capacity probed ${f.capacityProbes} times (down to ${f.minFreeVcpus} of ${this.hostVcpus} vCPUs free), restart p50 ${percentile(rs, 50)} ms, seed ${this.seed}, ${((f.durationMs || 0) / 1000).toFixed(1)} s`,
    };
  }
}

module.exports = { KillSoak, rng, percentile, TYPES };
