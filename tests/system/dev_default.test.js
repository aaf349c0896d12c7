'use strict';
// The README's way: `build/bin/ecsd dev` started from the repository root with no argument at
// all (what scripts/dev runs: data in data/, images in images/, the API on 127.0.0.1:8080),
// driven only by the `ecs` CLI with the credentials file it writes. An instance reaches Running
// with HealthStatus Ok, its console shows the boot, and every path ecsd handed to another
// program is absolute (relative ones broke qcow2 backing files and dnsmasq).
//
// On a clean clone (CI) this runs in the repository root itself. Where data/ already exists
// (someone's own `scripts/dev` state) it runs in a scratch root holding only build/ and images/
// (symlinks), so that state is never touched. tests/system/run gives it its own network
// namespace, so 127.0.0.1:8080 is free.
const { test, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn, spawnSync, execFileSync } = require('node:child_process');
const h = require('../api/helpers');

const REPO = path.resolve(__dirname, '../..');
const BOOT_MS = 180000;
let ecsd, root, ownRoot = false;

function cli(...args) {
  const env = { ...process.env };
  for (const k of ['OPENECS_ACCESS_KEY_ID', 'OPENECS_ACCESS_KEY_SECRET', 'OPENECS_DATA_DIR', 'OPENECS_ENDPOINT']) delete env[k];
  const r = spawnSync('build/bin/ecs', args, { cwd: root, env, encoding: 'utf8', timeout: 30000 });
  if (r.status !== 0) throw new Error(`ecs ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
const netns = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });

after(async () => {
  if (ecsd && ecsd.exitCode === null) {
    ecsd.kill('SIGTERM');
    await new Promise((resolve) => ecsd.once('exit', resolve));
  }
  // Guests outlive ecsd by design: none may be left from this test.
  if (root) spawnSync('pkill', ['-9', '-f', `${root}/data/instances/`]);
  if (root && ownRoot) fs.rmSync(root, { recursive: true, force: true });
  else if (root) fs.rmSync(path.join(root, 'data'), { recursive: true, force: true });
});

test('ecsd dev from the repository root, defaults only: the CLI launches a guest that boots', async () => {
  if (fs.existsSync(path.join(REPO, 'data'))) {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-root-'));
    ownRoot = true;
    for (const d of ['build', 'images']) fs.symlinkSync(path.join(REPO, d), path.join(root, d));
    console.log(`# ${REPO}/data exists: running in a scratch root ${root} instead`);
  } else {
    root = REPO;
  }
  const env = { ...process.env };
  delete env.OPENECS_ACCESS_KEY_ID;
  delete env.OPENECS_ACCESS_KEY_SECRET;
  ecsd = spawn('build/bin/ecsd', ['dev'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  ecsd.stdout.on('data', (d) => { out += d; });
  ecsd.stderr.on('data', (d) => { out += d; });
  await h.waitFor(async () => /listening on 127\.0\.0\.1:8080/.test(out) || ecsd.exitCode !== null, 60000, 100, 'ecsd dev to listen');
  assert.equal(ecsd.exitCode, null, `ecsd dev exited:\n${out}`);
  assert.match(out, /driver qemu, VPC networking/, 'real guests, not the emulator');
  assert.match(out, new RegExp(`credentials: +${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/data/credentials`), 'the data dir is absolute');

  const vpcId = cli('CreateVpc', '--CidrBlock', '192.168.0.0/16').VpcId;
  await h.waitFor(async () => cli('DescribeVpcs', '--VpcId', vpcId).Vpcs.Vpc[0].Status === 'Available', 30000, 200, 'VPC Available');
  const vswId = cli('CreateVSwitch', '--VpcId', vpcId, '--ZoneId', 'local-a', '--CidrBlock', '192.168.1.0/24').VSwitchId;
  const sgId = cli('CreateSecurityGroup', '--VpcId', vpcId).SecurityGroupId;
  const [id] = cli('RunInstances', '--ImageId', 'debian_12_tiny_x64_openecs', '--InstanceType', 'ecs.t5-lc2m1.nano',
    '--VSwitchId', vswId, '--SecurityGroupId', sgId, '--HostName', 'from-root',
    '--DataDisk.1.Category', 'cloud_essd', '--DataDisk.1.Size', '1').InstanceIdSets.InstanceIdSet;

  let full;
  await h.waitFor(async () => {
    full = cli('DescribeInstancesFullStatus', '--InstanceId.1', id).InstanceFullStatusSet.InstanceFullStatusType[0];
    return full && full.Status.Name === 'Running' && full.HealthStatus.Name === 'Ok';
  }, BOOT_MS, 500, 'Running with HealthStatus Ok').catch((e) => {
    e.message += `; now ${JSON.stringify(full)}; ecsd said:\n${out.slice(-3000)}`;
    throw e;
  });
  let console_ = '';
  await h.waitFor(async () => {
    console_ = Buffer.from(cli('GetInstanceConsoleOutput', '--InstanceId', id).ConsoleOutput, 'base64').toString('utf8');
    return /OPENECS-BOOT-COMPLETE/.test(console_);
  }, 60000, 500, 'the boot on the console');
  assert.match(console_, new RegExp(`OPENECS-BOOT-COMPLETE instance-id=${id} hostname=from-root`));
  assert.match(console_, /OPENECS metadata: source=http:/, 'the metadata service answered the guest');

  // Paths handed to other programs are absolute: the system disk's backing file, dnsmasq's config.
  const sysDisk = cli('DescribeDisks', '--InstanceId', id, '--DiskType', 'system').Disks.Disk[0].DiskId;
  const info = JSON.parse(execFileSync('qemu-img', ['info', '-U', '--output', 'json', path.join(root, 'data/disks', `${sysDisk}.qcow2`)], { encoding: 'utf8' }));
  assert.ok(path.isAbsolute(info['backing-filename']), `absolute backing file: ${info['backing-filename']}`);
  const dnsmasq = execFileSync('pgrep', ['-a', 'dnsmasq'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(vpcId));
  assert.equal(dnsmasq.length, 1, 'one dnsmasq for the VPC');
  assert.match(dnsmasq[0], /--conf-file=\//, 'dnsmasq got an absolute config path');

  cli('DeleteInstance', '--InstanceId', id, '--Force', 'true');
  await h.waitFor(async () => cli('DescribeInstances', '--InstanceIds', JSON.stringify([id])).TotalCount === 0, 60000, 500, 'instance released');
  cli('DeleteSecurityGroup', '--SecurityGroupId', sgId);
  cli('DeleteVSwitch', '--VSwitchId', vswId);
  cli('DeleteVpc', '--VpcId', vpcId);
  await h.waitFor(async () => !netns().includes(`oe-${vpcId}`), 60000, 500, 'the VPC namespace removed');
});
