'use strict';
// System ring, custom images on real guests through the official SDK: CreateImage from a
// running instance whose guest wrote a file; a new instance launched from the image reads
// that file; the image's files live in the host's image store until DeleteImage. ImportImage of
// a qcow2 served over http from loopback, and of a raw file in a bucket of the host's exchange
// directory, each converted by qemu-img into an image identical (qemu-img compare) to its
// source; ExportImage as vmdk, identical again; a URL that answers 404 leaves the image
// CreateFailed with the reason in its task. The host fetches only from addresses its operator
// admits (--import-allow 127.0.0.1/32 here): other loopback addresses, ::1 and a redirect are
// refused (issue 13's H3; the filter's ranges are tested as a function in address_filter_test).
const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const h = require('../api/helpers');
const probes = require('./probes');
const { Ecs } = h;

const IMAGE_DIR = process.env.OPENECS_IMAGE_DIR || path.resolve(__dirname, '../../images');
const BOOT_MS = 180000;
const MAKE_MS = 180000;
let server, ecs, vpc, files, scratch;
const wire = (res) => res.body.toMap();
const script = (body) => Buffer.from(`#!/bin/sh\n${body}\n`).toString('base64');

before(async () => {
  assert.ok(fs.existsSync(path.join(IMAGE_DIR, h.IMAGE, 'image.json')), `built image in ${IMAGE_DIR}`);
  server = await h.startServer({ driver: 'qemu', extraArgs: ['--image-dir', IMAGE_DIR, '--network', 'vpc', '--import-allow', '127.0.0.1/32'] });
  ecs = h.ecsClient(server);
  vpc = h.vpcClient(server);
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'openecs-import-'));
  // Serves files of `scratch` with their length (so the host can show download progress).
  files = http.createServer((req, res) => {
    if (req.url.startsWith('/redirect/')) { res.writeHead(302, { Location: `/${path.basename(req.url)}` }); res.end(); return; }
    const file = path.join(scratch, path.basename(req.url));
    if (!fs.existsSync(file)) { res.writeHead(404); res.end('no such file'); return; }
    res.writeHead(200, { 'Content-Length': fs.statSync(file).size });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((r) => files.listen(0, '127.0.0.1', r));
});
after(async () => {
  if (server) await server.destroy();
  if (files) files.close();
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

const image = async (id) => wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: h.REGION, imageId: id, status: 'Creating,Available,CreateFailed' }))).Images.Image[0];
const waitImage = async (id, status) => {
  const t0 = Date.now();
  await h.waitFor(async () => (await image(id)).Status === status, MAKE_MS, 500, `image ${id} ${status}`);
  return Date.now() - t0;
};
const taskOf = async (id) => wire(await ecs.describeTasks(new Ecs.DescribeTasksRequest({ regionId: h.REGION, resourceIds: [id] }))).TaskSet.Task[0];

test('CreateImage from a running instance; an instance from the image reads what the first wrote', async () => {
  const net = await h.createNetwork(ecs, vpc, { name: 'images', vpcCidr: '10.10.0.0/16', vswCidr: '10.10.1.0/24' });
  const [writer] = await h.runInstances(ecs, net, {
    hostName: 'writer',
    userData: script('echo "golden-$(hostname)" >/root/golden.txt; sync; while true; do echo "probe wrote $(cat /root/golden.txt)" >/dev/console; sleep 1; done &'),
  });
  await h.waitBooted(ecs, [writer], BOOT_MS);
  await probes.expectProbe(ecs, writer, 'wrote', 'golden-writer', 'the writer wrote its file', 60000);

  const id = wire(await ecs.createImage(new Ecs.CreateImageRequest({ regionId: h.REGION, instanceId: writer, imageName: 'golden' }))).ImageId;
  const ms = await waitImage(id, 'Available');
  console.log(`# CreateImage of a running instance: Available after ${ms} ms`);
  const store = path.join(server.dataDir, 'images', id);
  assert.ok(fs.existsSync(path.join(store, 'base.qcow2')), 'the image is in the host\'s image store');
  assert.ok(!fs.existsSync(path.join(IMAGE_DIR, id)), 'not in the built-in image directory');

  const [reader] = await h.runInstances(ecs, net, {
    imageId: id,
    hostName: 'reader',
    userData: script('while true; do echo "probe golden $(cat /root/golden.txt 2>/dev/null || echo none) $(hostname)" >/dev/console; sleep 1; done &'),
  });
  await h.waitBooted(ecs, [reader], BOOT_MS);
  const out = async () => (await probes.consoleOf(ecs, reader)).match(/probe golden (\S+) (\S+)/)?.slice(1).join(' ');
  await h.waitFor(async () => (await out()) === 'golden-writer reader', 60000, 1500, 'the new instance reads the file under its own name');
  assert.equal((await h.describeInstance(ecs, reader)).ImageId, id);

  await h.expectError(ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: h.REGION, imageId: id })), 'ImageUsingByInstance', 403);
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: reader, force: true }));
  await ecs.deleteInstance(new Ecs.DeleteInstanceRequest({ instanceId: writer, force: true }));
  await h.waitGone(ecs, [reader, writer], 60000);
  await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: h.REGION, imageId: id }));
  await h.waitFor(async () => !fs.existsSync(store), 20000, 200, 'the deleted image\'s files removed');
});

test('ImportImage: a qcow2 over http from loopback and a raw file in a bucket, converted exactly; ExportImage; a 404 fails', async () => {
  const builtIn = path.join(IMAGE_DIR, h.IMAGE);
  const base = path.join(builtIn, JSON.parse(fs.readFileSync(path.join(builtIn, 'image.json'), 'utf8')).disk);
  fs.copyFileSync(base, path.join(scratch, 'disk.qcow2'));
  execFileSync('qemu-img', ['convert', '-O', 'raw', base, path.join(scratch, 'disk.raw')]);
  const port = files.address().port;
  const imp = async (name, object, format, OSSBucket) => wire(await ecs.importImage(new Ecs.ImportImageRequest({
    regionId: h.REGION, imageName: name, platform: 'Debian',
    diskDeviceMapping: [new Ecs.ImportImageRequestDiskDeviceMapping({ OSSObject: object, OSSBucket, format })],
  })));
  const same = (id, source) => execFileSync('qemu-img', ['compare', path.join(server.dataDir, 'images', id, 'base.qcow2'), source], { encoding: 'utf8' });

  const fromHttp = await imp('imported-http', `http://127.0.0.1:${port}/disk.qcow2`, 'qcow2');
  const ms = await waitImage(fromHttp.ImageId, 'Available');
  console.log(`# ImportImage of a ${fs.statSync(base).size}-byte qcow2 over http: Available after ${ms} ms`);
  assert.match(same(fromHttp.ImageId, base), /Images are identical/);
  const t = await taskOf(fromHttp.ImageId);
  assert.deepEqual([t.TaskId, t.TaskAction, t.TaskStatus], [fromHttp.TaskId, 'ImportImage', 'Finished']);
  assert.equal((await image(fromHttp.ImageId)).Platform, 'Debian');

  const bucket = path.join(server.dataDir, 'exchange', 'root', 'uploads');  // the root account's
  fs.mkdirSync(bucket, { recursive: true });
  fs.renameSync(path.join(scratch, 'disk.raw'), path.join(bucket, 'disk.raw'));
  const fromFile = await imp('imported-raw', 'disk.raw', 'raw', 'uploads');
  await waitImage(fromFile.ImageId, 'Available');
  assert.match(same(fromFile.ImageId, base), /Images are identical/);

  // ExportImage writes it back out, as vmdk, into another bucket.
  const exported = wire(await ecs.exportImage(new Ecs.ExportImageRequest({ regionId: h.REGION, imageId: fromHttp.ImageId, OSSBucket: 'exports', OSSPrefix: 'x-', imageFormat: 'vmdk' })));
  await h.waitFor(async () => wire(await ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: h.REGION, taskId: exported.TaskId }))).TaskStatus === 'Finished', MAKE_MS, 500, 'export finished');
  const file = path.join(server.dataDir, 'exchange', 'root', 'exports', `x-${fromHttp.ImageId}.vmdk`);
  assert.match(execFileSync('qemu-img', ['info', file], { encoding: 'utf8' }), /file format: vmdk/);
  assert.match(execFileSync('qemu-img', ['compare', file, base], { encoding: 'utf8' }), /Images are identical/);

  // A qcow2 naming a backing file (here the host's own base image; it could name any host
  // file) is refused: qemu-img would copy that file into the image.
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'qcow2', path.join(bucket, 'evil.qcow2')]);
  const evil = await imp('imported-evil', 'evil.qcow2', 'qcow2', 'uploads');
  await waitImage(evil.ImageId, 'CreateFailed');
  const refused = wire(await ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: h.REGION, taskId: evil.TaskId })));
  assert.match(refused.OperationProgressSet.OperationProgress[0].ErrorMsg, /backing file/);

  const missing = await imp('imported-404', `http://127.0.0.1:${port}/nothing.qcow2`, 'qcow2');
  await waitImage(missing.ImageId, 'CreateFailed');
  const failed = wire(await ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: h.REGION, taskId: missing.TaskId })));
  assert.equal(failed.TaskStatus, 'Failed');
  assert.match(failed.OperationProgressSet.OperationProgress[0].ErrorMsg, /404/);
  assert.ok(!fs.existsSync(path.join(server.dataDir, 'images', `${missing.ImageId}.part`)), 'no partial files left');

  // Only the admitted address: 127.0.0.2 and ::1 are loopback too, and a redirect is not
  // followed (it could lead anywhere).
  const refusedImports = [];
  for (const [url, why] of [[`http://127.0.0.2:${port}/disk.qcow2`, /127\.0\.0\.2 is loopback.*--import-allow/],
    [`http://[::1]:${port}/disk.qcow2`, /::1 is loopback/],
    [`http://127.0.0.1:${port}/redirect/disk.qcow2`, /answered 302/]]) {
    const r = await imp(`imported-refused-${refusedImports.length}`, url, 'qcow2');
    await waitImage(r.ImageId, 'CreateFailed');
    const task = wire(await ecs.describeTaskAttribute(new Ecs.DescribeTaskAttributeRequest({ regionId: h.REGION, taskId: r.TaskId })));
    assert.match(task.OperationProgressSet.OperationProgress[0].ErrorMsg, why, url);
    refusedImports.push(r.ImageId);
  }
  for (const id of [fromHttp.ImageId, fromFile.ImageId, evil.ImageId, missing.ImageId, ...refusedImports])
    await ecs.deleteImage(new Ecs.DeleteImageRequest({ regionId: h.REGION, imageId: id }));
});
