'use strict';
// A user's own image: a stock-like Debian 12 cloud image (tests/system/stock-image/build: Debian's
// kernel, GRUB, cloud-init with the AliYun datasource only, nothing of OpenECS in it), imported
// with ImportImage from a bucket of the host's exchange area and launched with a key pair, a
// host name and a public IP. It must be Running (the VM runs) at once, HealthStatus Ok once
// cloud-init asks the metadata service, reachable over SSH on its public IP, configured by the
// metadata service (datasource AliYun, the host name set), with exactly its own disks.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync, spawn } = require('node:child_process');
const h = require('../api/helpers');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 600000;  // cloud-init under TCG: about a minute idle, several under load
let server, ecs, net, stockImage;

// Runs in the guest (python3's standard library only): the role's credentials from the metadata
// service, a v1-signed (HMAC-SHA1) call with the SecurityToken; prints the JSON answer, exits 1
// on an HTTP error (after printing the error body).
const GUEST_API_CALL = `
import base64, hashlib, hmac, json, sys, time, urllib.error, urllib.parse, urllib.request, uuid
MD = 'http://100.100.100.200/latest/meta-data/ram/security-credentials/'
role = urllib.request.urlopen(MD, timeout=5).read().decode().strip()
cred = json.loads(urllib.request.urlopen(MD + role, timeout=5).read())
def q(s):
    return urllib.parse.quote(str(s), safe='~')
def call(endpoint, action, params):
    p = dict(params, Action=action, Version='2014-05-26', Format='JSON', AccessKeyId=cred['AccessKeyId'],
             SecurityToken=cred['SecurityToken'], SignatureMethod='HMAC-SHA1', SignatureVersion='1.0',
             SignatureNonce=uuid.uuid4().hex, Timestamp=time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()))
    canon = '&'.join(q(k) + '=' + q(p[k]) for k in sorted(p))
    sts = 'GET&%2F&' + q(canon)
    p['Signature'] = base64.b64encode(hmac.new((cred['AccessKeySecret'] + '&').encode(), sts.encode(), hashlib.sha1).digest()).decode()
    try:
        print(urllib.request.urlopen(endpoint + '?' + urllib.parse.urlencode(p), timeout=10).read().decode())
    except urllib.error.HTTPError as e:
        print(e.read().decode())
        sys.exit(1)
`;
const wire = (res) => res.body.toMap();

before(async () => {
  // Built once and cached (about 3 minutes cold; a no-op afterwards).
  const out = execFileSync(path.join(__dirname, 'stock-image/build'), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 1800000 });
  stockImage = out.trim().split('\n').pop();
  assert.ok(fs.existsSync(stockImage), `stock image at ${stockImage}`);
  // On every address: the guest calls the API at the host's side of the public bridge.
  server = await h.startServer({ driver: 'qemu', listenHost: '0.0.0.0', extraArgs: ['--image-dir', IMAGE_DIR] });
  ecs = h.ecsClient(server);
  net = await h.createNetwork(ecs, h.vpcClient(server), { name: 'stock', vpcCidr: '10.6.0.0/16', vswCidr: '10.6.1.0/24' });
});
after(async () => { if (server) await server.destroy(); });

test('a stock cloud image (cloud-init, AliYun datasource) imported, launched, configured by the metadata service, reached over SSH, run commands in through qemu-guest-agent', async () => {
  // The user's upload: a qcow2 in a bucket of the host's exchange area (the root account's).
  const bucket = path.join(server.dataDir, 'exchange', 'root', 'uploads');
  fs.mkdirSync(bucket, { recursive: true });
  const object = path.join(bucket, 'debian-12-cloud.qcow2');
  try { fs.linkSync(stockImage, object); } catch { fs.copyFileSync(stockImage, object); }
  const imported = wire(await ecs.importImage(new Ecs.ImportImageRequest({
    regionId: h.REGION, imageName: 'debian-12-cloud', platform: 'Debian', OSType: 'linux', architecture: 'x86_64',
    diskDeviceMapping: [new Ecs.ImportImageRequestDiskDeviceMapping({ OSSBucket: 'uploads', OSSObject: 'debian-12-cloud.qcow2', format: 'qcow2' })],
  })));
  await h.waitFor(async () => {
    const img = wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: h.REGION, imageId: imported.ImageId, imageOwnerAlias: 'self' }))).Images.Image[0];
    if (img && img.Status === 'CreateFailed') throw new Error(`ImportImage failed: ${JSON.stringify(img)}`);
    return img && img.Status === 'Available';
  }, 300000, 1000, 'the imported image Available');

  const key = wire(await ecs.createKeyPair(new Ecs.CreateKeyPairRequest({ regionId: h.REGION, keyPairName: 'stock-key' })));
  const keyFile = path.join(server.root, 'stock-key.pem');
  fs.writeFileSync(keyFile, key.PrivateKeyBody, { mode: 0o600 });
  // Everyone may knock on 22 (the public IP is on the host's oe-public bridge, in this test's namespace).
  await ecs.authorizeSecurityGroup(new Ecs.AuthorizeSecurityGroupRequest({ regionId: h.REGION, securityGroupId: net.securityGroupId,
    ipProtocol: 'TCP', portRange: '22/22', sourceCidrIp: '0.0.0.0/0' }));

  const t0 = Date.now();
  const [id] = await h.runInstances(ecs, net, {
    imageId: imported.ImageId, instanceType: 'ecs.t6-c1m1.large', hostName: 'stock-1', keyPairName: 'stock-key',
    internetMaxBandwidthOut: 10,
    dataDisk: [new Ecs.RunInstancesRequestDataDisk({ category: 'cloud_essd', size: 1, deleteWithInstance: true })],
  });
  await h.waitStatus(ecs, [id], 'Running', 120000);
  const running = Date.now() - t0;
  await h.waitBooted(ecs, [id], BOOT_MS);
  const healthy = Date.now() - t0;
  const ip = (await h.describeInstance(ecs, id)).PublicIpAddress.IpAddress[0];
  assert.match(ip, /^198\.18\.0\.\d+$/);

  // Asynchronous, so the test's own SDK connections keep being served while SSH waits.
  const ssh = (...cmd) => new Promise((resolve) => {
    const child = spawn('ssh', ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'ConnectTimeout=5', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', `root@${ip}`, ...cmd], { timeout: 60000 });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => { out.stdout += d; });
    child.stderr.on('data', (d) => { out.stderr += d; });
    child.on('close', (status) => resolve({ ...out, status }));
  });
  // A python3 program fed to the guest on its standard input.
  const sshInput = (input) => new Promise((resolve) => {
    const child = spawn('ssh', ['-i', keyFile, '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null',
      '-o', 'ConnectTimeout=5', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR', `root@${ip}`, 'python3', '-'], { timeout: 60000 });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (d) => { out.stdout += d; });
    child.stderr.on('data', (d) => { out.stderr += d; });
    child.on('close', (status) => resolve({ ...out, status }));
    child.stdin.end(input);
  });
  let r;
  await h.waitFor(async () => (r = await ssh('cloud-init', 'status', '--wait', '--long')).status === 0 || /status: (done|error)/.test(r.stdout || ''),
    BOOT_MS, 3000, `SSH to root@${ip} and cloud-init done`).catch((e) => {
    e.message += `; last: ${r && (r.stderr || r.stdout)}`;
    throw e;
  });
  const sshed = Date.now() - t0;
  console.log(`# stock image: Running after ${(running / 1000).toFixed(1)} s, HealthStatus Ok after ${(healthy / 1000).toFixed(1)} s, cloud-init done over SSH after ${(sshed / 1000).toFixed(1)} s`);
  assert.match(r.stdout, /status: done/, r.stdout);
  assert.match(r.stdout, /detail:\s*\n?\s*DataSourceAliYun/, r.stdout);
  const result = JSON.parse((await ssh('cat', '/run/cloud-init/result.json')).stdout);
  assert.match(result.v1.datasource, /DataSourceAliYun/);
  assert.deepEqual(result.v1.errors, []);
  assert.equal((await ssh('hostname')).stdout.trim(), 'stock-1');
  assert.equal((await ssh('cat', '/sys/class/dmi/id/product_name')).stdout.trim(), 'Alibaba Cloud ECS');
  // Exactly the instance's disks: the system disk and the 1 GiB data disk at /dev/vdb.
  const disks = (await ssh('lsblk', '-dn', '-o', 'NAME,SIZE,SERIAL')).stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
  const dataDisk = wire(await ecs.describeDisks(new Ecs.DescribeDisksRequest({ regionId: h.REGION, instanceId: id, diskType: 'data' }))).Disks.Disk[0];
  assert.deepEqual(disks.map((d) => d[0]).sort(), ['vda', 'vdb'], `guest disks: ${JSON.stringify(disks)}`);
  assert.deepEqual(disks.find((d) => d[0] === 'vdb'), ['vdb', '1G', dataDisk.SerialNumber]);

  // An instance RAM role: the guest reads STS credentials from the metadata service and calls
  // the API with them (signed in the guest by python3, the SecurityToken parameter), reaching
  // the server at the host's side of the public bridge.
  const ram = h.ramClient(server);
  await ram.createRole(new h.Ram.CreateRoleRequest({
    roleName: 'guest-reader',
    assumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] }),
  }));
  await ram.attachPolicyToRole(new h.Ram.AttachPolicyToRoleRequest({ roleName: 'guest-reader', policyName: 'AliyunECSReadOnlyAccess', policyType: 'System' }));
  await ecs.attachInstanceRamRole(new Ecs.AttachInstanceRamRoleRequest({ regionId: h.REGION, ramRoleName: 'guest-reader', instanceIds: JSON.stringify([id]) }));
  let called;
  await h.waitFor(async () => {
    called = await sshInput(`${GUEST_API_CALL}\ncall('http://198.18.0.1:${server.port}/', 'DescribeInstances', {'RegionId': '${h.REGION}'})\n`);
    return called.status === 0;
  }, 60000, 2000, 'the guest calls the API with its role\'s credentials').catch((e) => {
    e.message += `; last: ${called && (called.stderr || called.stdout)}`;
    throw e;
  });
  const seen = JSON.parse(called.stdout);
  assert.ok(seen.Instances.Instance.some((i) => i.InstanceId === id), called.stdout.slice(0, 500));
  // The role is read-only: a mutation from the guest is refused with ECS's code.
  const refused = await sshInput(`${GUEST_API_CALL}\ncall('http://198.18.0.1:${server.port}/', 'StopInstance', {'InstanceId': '${id}'})\n`);
  assert.notEqual(refused.status, 0);
  assert.match(refused.stdout + refused.stderr, /Forbidden\.RAM/);

  // Cloud Assistant through Debian's qemu-guest-agent (systemd starts it when its virtio port
  // appears): RunCommand runs as root in the guest.
  let inv;
  await h.waitFor(async () => {
    const invokeId = wire(await ecs.runCommand(new Ecs.RunCommandRequest({
      regionId: h.REGION, type: 'RunShellScript', commandContent: 'cat /etc/debian_version >/dev/null && id -un && hostname',
      contentEncoding: 'PlainText', instanceId: [id], timeout: 60,
    }))).InvokeId;
    await h.waitFor(async () => {
      inv = wire(await ecs.describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
        regionId: h.REGION, invokeId, contentEncoding: 'PlainText',
      }))).Invocation.InvocationResults.InvocationResult[0];
      return !['Pending', 'Running', 'Stopping'].includes(inv.InvocationStatus);
    }, 120000, 500, 'the invocation finished');
    return inv.ErrorCode !== 'ClientNotRunning';
  }, 120000, 2000, 'RunCommand through qemu-guest-agent');
  assert.equal(inv.InvocationStatus, 'Success', JSON.stringify(inv));
  assert.equal(inv.Output, 'root\nstock-1\n');

  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: id, force: true }));
  await h.waitGone(ecs, [id], 120000);
});
