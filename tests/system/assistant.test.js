'use strict';
// System ring: Cloud Assistant on a real guest of the built-in image (qemu-guest-agent over
// virtio-serial), through the official SDK: RunCommand, DescribeInvocationResults,
// GetInstanceScreenshot. Run by tests/system/run inside a network namespace it creates.
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
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  net = await h.createNetwork(ecs, vpc);
});
after(async () => { if (server) await server.destroy(); });

test('RunCommand on a real guest: output and exit code; screenshot is a PNG', async () => {
  const [id] = await h.runRunning(ecs, net, { hostName: 'ca-a' }, BOOT_MS);
  const t0 = Date.now();
  // The guest's agent starts once the guest has booted: an invocation sent before fails (agent
  // down) and is sent again.
  let r;
  await h.waitFor(async () => {
    const invokeId = wire(await ecs.runCommand(new Ecs.RunCommandRequest({
      regionId: h.REGION, type: 'RunShellScript', commandContent: 'echo hello; exit 3',
      contentEncoding: 'PlainText', instanceId: [id], timeout: 60,
    }))).InvokeId;
    await h.waitFor(async () => {
      const res = wire(await ecs.describeInvocationResults(new Ecs.DescribeInvocationResultsRequest({
        regionId: h.REGION, invokeId, contentEncoding: 'PlainText',
      })));
      r = res.Invocation.InvocationResults.InvocationResult[0];
      return r && !['Pending', 'Running', 'Stopping'].includes(r.InvocationStatus);
    }, 120000, 500, 'the invocation finished');
    return r.ExitCode === 3 || r.Output !== '';
  }, BOOT_MS, 2000, 'RunCommand ran in the guest');
  console.log(`# RunCommand to result: ${Date.now() - t0} ms (${r.InvocationStatus})`);
  assert.equal(r.Output, 'hello\n');
  assert.equal(r.ExitCode, 3);

  const shot = wire(await ecs.getInstanceScreenshot(new Ecs.GetInstanceScreenshotRequest({ regionId: h.REGION, instanceId: id })));
  const png = Buffer.from(typeof shot.Screenshot === 'string' ? shot.Screenshot : shot.Screenshot.Screenshot, 'base64');
  assert.equal(png.subarray(0, 4).toString('latin1'), '\x89PNG');
});
