'use strict';
// System ring: Cloud Assistant on a real guest of the built-in image (qemu-guest-agent over
// virtio-serial), through the official SDK: RunCommand, DescribeInvocationResults,
// SendFile, StopInvocation, DescribeCloudAssistantStatus, GetInstanceScreenshot,
// SendDiagnosticInterrupt. Run by tests/system/run inside a network namespace it creates.
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;  // TCG on a loaded 2-core machine
let server, ecs, vpc, net;
const wire = (res) => res.body.toMap();

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR} (scripts/build-image)`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--metrics-interval-ms', '1000'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc);
});
after(async () => { if (server) await server.destroy(); });

// The invocation's result on the one instance, once it is over.
async function resultOf(invokeId, ms = 120000) {
  let r;
  await h.waitFor(async () => {
    const res = wire(await ecs.describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
      regionId: h.REGION, invokeId, contentEncoding: 'PlainText',
    })));
    r = res.Invocation.InvocationResults.InvocationResult[0];
    return r && !['Pending', 'Running', 'Stopping'].includes(r.InvocationStatus);
  }, ms, 300, `invocation ${invokeId} finished`);
  return r;
}

const run = async (id, content, extra = {}) => wire(await ecs.runCommand(new Ecs.RunCommandRequest({
  regionId: h.REGION, type: 'RunShellScript', commandContent: content, contentEncoding: 'PlainText',
  instanceId: [id], timeout: 60, ...extra,
}))).InvokeId;

let id;

test('RunCommand on a real guest: output and exit code; screenshot is a PNG', async () => {
  [id] = await h.runRunning(ecs, net, { hostName: 'ca-a' }, BOOT_MS);
  const t0 = Date.now();
  // The guest's agent starts once the guest has booted: an invocation sent before fails
  // (ClientNotRunning) and is sent again.
  let r;
  await h.waitFor(async () => {
    r = await resultOf(await run(id, 'echo hello; exit 3'));
    return r.ErrorCode !== 'ClientNotRunning';
  }, BOOT_MS, 2000, 'RunCommand ran in the guest');
  console.log(`# RunCommand to result: ${Date.now() - t0} ms (${r.InvocationStatus})`);
  assert.equal(r.Output, 'hello\n');
  assert.equal(r.ExitCode, 3);
  assert.equal(r.InvocationStatus, 'Failed');
  assert.equal(r.ErrorCode, 'ExitCodeNonzero');

  const t1 = Date.now();
  const ok = await resultOf(await run(id, 'cd /tmp && pwd && hostname && id -u', { workingDir: '/' }));
  console.log(`# RunCommand round trip on a booted guest: ${Date.now() - t1} ms`);
  assert.equal(ok.InvocationStatus, 'Success');
  assert.equal(ok.Output, '/tmp\nca-a\n0\n');

  const shot = wire(await ecs.getInstanceScreenshot(new Ecs.GetInstanceScreenshotRequest({ regionId: h.REGION, instanceId: id })));
  const png = Buffer.from(shot.Screenshot, 'base64');
  assert.equal(png.subarray(0, 4).toString('latin1'), '\x89PNG');
});

test('SendFile then a command reads it; StopInvocation kills a running script; the assistant reports a heartbeat', async () => {
  const sent = wire(await ecs.sendFile(new Ecs.SendFileRequest({
    regionId: h.REGION, name: 'app.conf', targetDir: '/etc/app', content: 'port=8080\n', instanceId: [id], fileMode: '0600',
  }))).InvokeId;
  await h.waitFor(async () => {
    const inv = wire(await ecs.describeSendFileResults(new Ecs.DescribeSendFileResultsRequest({ regionId: h.REGION, invokeId: sent }))).Invocations.Invocation[0];
    return inv.InvocationStatus === 'Success';
  }, 60000, 300, 'the file sent');
  const read = await resultOf(await run(id, 'cat /etc/app/app.conf; stat -c %a /etc/app/app.conf'));
  assert.equal(read.Output, 'port=8080\n600\n');

  const long = await run(id, 'echo $$ > /tmp/long.pid; sleep 300');
  await h.waitFor(async () => {
    const res = wire(await ecs.describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({ regionId: h.REGION, invokeId: long })));
    return res.Invocation.InvocationResults.InvocationResult[0].InvocationStatus === 'Running';
  }, 60000, 200, 'Running');
  await new Promise((r) => setTimeout(r, 1000));
  await ecs.stopInvocation(new Ecs.StopInvocationRequest({ regionId: h.REGION, invokeId: long }));
  assert.equal((await resultOf(long)).InvocationStatus, 'Stopped');
  const gone = await resultOf(await run(id, 'kill -0 $(cat /tmp/long.pid) 2>/dev/null && echo alive || echo gone'));
  assert.equal(gone.Output, 'gone\n', 'the stopped script is no longer running in the guest');

  const st = wire(await ecs.describeCloudAssistantStatus(new Ecs.DescribeCloudAssistantStatusRequest({ regionId: h.REGION, instanceId: [id] })))
    .InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[0];
  assert.equal(st.CloudAssistantStatus, 'true');
  assert.ok(st.InvocationCount >= 4);
});

test('SendDiagnosticInterrupt: the guest kernel logs the NMI on its console', async () => {
  await ecs.sendDiagnosticInterrupt(new Ecs.SendDiagnosticInterruptRequest({ regionId: h.REGION, instanceId: id }));
  await h.waitFor(async () => {
    const out = wire(await ecs.getInstanceConsoleOutput(new Ecs.GetInstanceConsoleOutputRequest({ regionId: h.REGION, instanceId: id })));
    return /NMI/.test(Buffer.from(out.ConsoleOutput, 'base64').toString());
  }, 30000, 500, 'the NMI on the console');
});
