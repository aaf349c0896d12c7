'use strict';
// System ring: a spot instance's reclaim notice, read from inside a real guest through the
// metadata service, as ECS gives it (meta-data/instance/spot/termination-time: 404 until the
// notice, then the time it is released), and the release at that time (test clock).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const h = require('../api/helpers');
const { expectProbe } = require('./probes');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
const MD = 'http://100.100.100.200/latest/meta-data/instance/spot/termination-time';
let server, ecs;

const operator = (method, route) => h.operatorCall(server, method, route);

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR} (scripts/build-image)`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--test-clock'] });
  ecs = h.ecsClient(server);
});
after(async () => { if (server) await server.destroy(); });

test('a spot guest reads its reclaim notice from the metadata service, and is released at that time', async () => {
  const net = await h.createNetwork(ecs, h.vpcClient(server), { vpcCidr: '10.7.0.0/16', vswCidr: '10.7.1.0/24' });
  // The guest prints what the metadata service answers for the notice, every second: the
  // HTTP status line when it is not a success (busybox wget prints it), the body when it is.
  const userData = Buffer.from([
    '#!/bin/sh',
    '(while true; do',
    `  v=$(timeout 3 wget -qO- ${MD} 2>/dev/null) || v=none`,
    '  echo "probe spot ${v:-none}"',
    '  sleep 1',
    'done) >/dev/console 2>&1 </dev/null &',
  ].join('\n') + '\n').toString('base64');
  const [id] = await h.runInstances(ecs, net, {
    hostName: 'spot', userData, spotStrategy: 'SpotAsPriceGo', spotInterruptionBehavior: 'Terminate',
  });
  await h.waitBooted(ecs, [id], BOOT_MS);
  await expectProbe(ecs, id, 'spot', 'none', 'no notice yet: 404');
  const { TerminationTime } = await operator('POST', `instances/reclaim?instance=${id}`);
  assert.match(TerminationTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  await expectProbe(ecs, id, 'spot', TerminationTime, 'the guest reads the termination time');
  const inst = await h.describeInstance(ecs, id);
  assert.deepEqual(inst.OperationLocks.LockReason.map((l) => l.LockReason), ['Recycling']);
  await operator('POST', 'clock/advance?seconds=301');
  await h.waitGone(ecs, id, 90000);
});
