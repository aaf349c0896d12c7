'use strict';
// Catalogue actions: DescribeRegions, DescribeZones, DescribeInstanceTypes,
// DescribeInstanceTypeFamilies, DescribeAvailableResource, DescribeImages.
const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const h = require('./helpers');
const { Ecs, REGION, ZONE_A, ZONE_B, IMAGE, wire, expectError } = h;

let server;
let ecs;

before(async () => {
  server = await h.startServer({ delayMs: 50 });
  ecs = h.ecsClient(server);
});
after(async () => { if (server) await server.destroy(); });

describe('DescribeRegions', () => {
  test('lists the configured region with its endpoint', async () => {
    const res = await ecs.describeRegions(new Ecs.DescribeRegionsRequest({ acceptLanguage: 'en-US' }));
    assert.equal(res.statusCode, 200);
    const body = wire(res);
    assert.ok(body.RequestId, 'RequestId present');
    const regions = body.Regions.Region;
    const local = regions.find((r) => r.RegionId === REGION);
    assert.ok(local, `region ${REGION} listed: ${JSON.stringify(regions)}`);
    assert.equal(local.Status, 'available');
    assert.equal(typeof local.LocalName, 'string');
    assert.ok(local.LocalName.length > 0);
    assert.equal(typeof local.RegionEndpoint, 'string');
    assert.ok(local.RegionEndpoint.length > 0);
  });

  test('unknown ResourceType is refused', async () => {
    // Reference 7.2: InvalidResourceType.NotFound (404) applies to DescribeRegions.
    await expectError(ecs.describeRegions(new Ecs.DescribeRegionsRequest({ resourceType: 'spaceship' })),
      'InvalidResourceType.NotFound', 404);
  });
});

describe('DescribeZones', () => {
  test('lists local-a and local-b', async () => {
    const body = wire(await ecs.describeZones(new Ecs.DescribeZonesRequest({ regionId: REGION })));
    const ids = body.Zones.Zone.map((z) => z.ZoneId).sort();
    assert.deepEqual(ids, [ZONE_A, ZONE_B]);
    for (const z of body.Zones.Zone) {
      assert.equal(typeof z.LocalName, 'string');
      assert.ok(z.LocalName.length > 0);
    }
    // If the zone advertises instance types, the host zone must offer a standard type and no GPU
    // type (the embedded host has no GPUs).
    const a = body.Zones.Zone.find((z) => z.ZoneId === ZONE_A);
    const types = (a.AvailableInstanceTypes && a.AvailableInstanceTypes.InstanceTypes) || [];
    if (types.length) {
      assert.ok(types.includes('ecs.g7.large'), `local-a offers ecs.g7.large: ${types}`);
      assert.ok(!types.some((t) => t.startsWith('ecs.gn7i')), `no GPU types without GPU hosts: ${types}`);
    }
  });

  test('unknown region is InvalidRegionId.NotFound', async () => {
    await expectError(ecs.describeZones(new Ecs.DescribeZonesRequest({ regionId: 'mars-north-1' })),
      'InvalidRegionId.NotFound', 404);
  });

  test('missing RegionId is MissingParameter', async () => {
    await expectError(ecs.describeZones(new Ecs.DescribeZonesRequest({})), /^MissingParameter/, 400);
  });
});

describe('DescribeInstanceTypes', () => {
  test('returns the catalogue with correct sizes', async () => {
    const body = wire(await ecs.describeInstanceTypes(new Ecs.DescribeInstanceTypesRequest({})));
    const types = body.InstanceTypes.InstanceType;
    const byId = Object.fromEntries(types.map((t) => [t.InstanceTypeId, t]));
    for (const id of ['ecs.t5-lc2m1.nano', 'ecs.g7.large', 'ecs.c7.large', 'ecs.r7.large', 'ecs.i3.xlarge']) {
      assert.ok(byId[id], `${id} in catalogue`);
    }
    assert.equal(byId['ecs.g7.large'].CpuCoreCount, 2);
    assert.equal(byId['ecs.g7.large'].MemorySize, 8); // GiB
    assert.equal(byId['ecs.g7.large'].InstanceTypeFamily, 'ecs.g7');
    assert.equal(byId['ecs.t5-lc2m1.nano'].CpuCoreCount, 1);
    assert.equal(byId['ecs.t5-lc2m1.nano'].MemorySize, 0.5);
    assert.ok(byId['ecs.i3.xlarge'].LocalStorageAmount >= 1, 'i3 has local disks');
    // DescribeInstanceTypes is the full catalogue ("all instance types provided"); stock is
    // DescribeAvailableResource's job, so GPU types are listed even without GPU hosts.
    const gpu = types.filter((t) => t.InstanceTypeFamily === 'ecs.gn7i');
    assert.ok(gpu.length > 0, 'GPU family present in the catalogue');
    for (const t of gpu) assert.ok(t.GPUAmount >= 1, `${t.InstanceTypeId} GPUAmount`);
    // No duplicates.
    assert.equal(new Set(types.map((t) => t.InstanceTypeId)).size, types.length);
  });

  test('InstanceTypeFamily filter', async () => {
    const body = wire(await ecs.describeInstanceTypes(new Ecs.DescribeInstanceTypesRequest({ instanceTypeFamily: 'ecs.c7' })));
    const types = body.InstanceTypes.InstanceType;
    assert.ok(types.length > 0);
    assert.ok(types.every((t) => t.InstanceTypeFamily === 'ecs.c7'), JSON.stringify(types.map((t) => t.InstanceTypeId)));
    assert.ok(types.some((t) => t.InstanceTypeId === 'ecs.c7.large'));
  });

  test('InstanceTypes.N filter returns exactly those types', async () => {
    const body = wire(await ecs.describeInstanceTypes(new Ecs.DescribeInstanceTypesRequest({
      instanceTypes: ['ecs.g7.large', 'ecs.r7.large'],
    })));
    const ids = body.InstanceTypes.InstanceType.map((t) => t.InstanceTypeId).sort();
    assert.deepEqual(ids, ['ecs.g7.large', 'ecs.r7.large']);
    const r7 = body.InstanceTypes.InstanceType.find((t) => t.InstanceTypeId === 'ecs.r7.large');
    assert.equal(r7.MemorySize, 16);
  });

  test('unknown type yields an empty list, not an error', async () => {
    const body = wire(await ecs.describeInstanceTypes(new Ecs.DescribeInstanceTypesRequest({ instanceTypes: ['ecs.nope.large'] })));
    assert.deepEqual(body.InstanceTypes.InstanceType, []);
  });
});

describe('DescribeInstanceTypeFamilies', () => {
  test('lists the families with their generation', async () => {
    const body = wire(await ecs.describeInstanceTypeFamilies(new Ecs.DescribeInstanceTypeFamiliesRequest({ regionId: REGION })));
    const fams = body.InstanceTypeFamilies.InstanceTypeFamily;
    const ids = fams.map((f) => f.InstanceTypeFamilyId);
    for (const f of ['ecs.g7', 'ecs.c7', 'ecs.r7', 'ecs.i3']) assert.ok(ids.includes(f), `${f} listed: ${ids}`);
    for (const f of fams) assert.match(f.Generation, /^ecs-\d+$/);
    assert.equal(new Set(ids).size, ids.length, 'no duplicate families');
  });

  test('Generation filter', async () => {
    const all = wire(await ecs.describeInstanceTypeFamilies(new Ecs.DescribeInstanceTypeFamiliesRequest({ regionId: REGION })));
    const g7 = all.InstanceTypeFamilies.InstanceTypeFamily.find((f) => f.InstanceTypeFamilyId === 'ecs.g7');
    const body = wire(await ecs.describeInstanceTypeFamilies(new Ecs.DescribeInstanceTypeFamiliesRequest({
      regionId: REGION, generation: g7.Generation,
    })));
    const fams = body.InstanceTypeFamilies.InstanceTypeFamily;
    assert.ok(fams.some((f) => f.InstanceTypeFamilyId === 'ecs.g7'));
    assert.ok(fams.every((f) => f.Generation === g7.Generation));
    assert.ok(fams.length < all.InstanceTypeFamilies.InstanceTypeFamily.length, 'filter removes other generations');
  });

  test('unknown region is InvalidRegionId.NotFound', async () => {
    await expectError(ecs.describeInstanceTypeFamilies(new Ecs.DescribeInstanceTypeFamiliesRequest({ regionId: 'mars-north-1' })),
      'InvalidRegionId.NotFound', 404);
  });
});

describe('DescribeAvailableResource', () => {
  const supported = (body, type) => {
    const out = {};
    for (const z of body.AvailableZones.AvailableZone) {
      for (const r of (z.AvailableResources && z.AvailableResources.AvailableResource) || []) {
        if (type && r.Type !== type) continue;
        for (const s of r.SupportedResources.SupportedResource) out[`${z.ZoneId}/${s.Value}`] = s.Status;
      }
    }
    return out;
  };

  test('instance types in the host zone are Available; GPU types are not', async () => {
    const body = wire(await ecs.describeAvailableResource(new Ecs.DescribeAvailableResourceRequest({
      regionId: REGION, destinationResource: 'InstanceType', zoneId: ZONE_A,
    })));
    const s = supported(body, 'InstanceType');
    assert.equal(s[`${ZONE_A}/ecs.g7.large`], 'Available', JSON.stringify(s));
    assert.equal(s[`${ZONE_A}/ecs.t5-lc2m1.nano`], 'Available');
    for (const [k, v] of Object.entries(s)) {
      if (k.includes('ecs.gn7i')) assert.notEqual(v, 'Available', `${k} must not be Available without GPU hosts`);
    }
  });

  test('zones: the host zone is Available, the empty zone is not', async () => {
    const body = wire(await ecs.describeAvailableResource(new Ecs.DescribeAvailableResourceRequest({
      regionId: REGION, destinationResource: 'Zone',
    })));
    const zones = Object.fromEntries(body.AvailableZones.AvailableZone.map((z) => [z.ZoneId, z.Status]));
    assert.equal(zones[ZONE_A], 'Available', JSON.stringify(zones));
    // local-b has no host: a user expects it to be reported as sold out (or omitted).
    if (zones[ZONE_B] !== undefined) assert.notEqual(zones[ZONE_B], 'Available');
  });

  test('system disk categories for a type', async () => {
    const body = wire(await ecs.describeAvailableResource(new Ecs.DescribeAvailableResourceRequest({
      regionId: REGION, destinationResource: 'SystemDisk', zoneId: ZONE_A, instanceType: 'ecs.g7.large',
    })));
    const s = supported(body, 'SystemDisk');
    assert.equal(s[`${ZONE_A}/cloud_essd`], 'Available', JSON.stringify(s));
  });

  test('missing DestinationResource is refused', async () => {
    // Docs: 400 Invalid.Param "DestinationResource ... not supplied"; MissingParameter is the generic form.
    await expectError(ecs.describeAvailableResource(new Ecs.DescribeAvailableResourceRequest({ regionId: REGION })),
      /^(Invalid\.Param|MissingParameter)/, 400);
  });

  test('bad DestinationResource is refused', async () => {
    await expectError(ecs.describeAvailableResource(new Ecs.DescribeAvailableResourceRequest({
      regionId: REGION, destinationResource: 'Spaceship',
    })), /DestinationResource|InvalidParameter|Invalid\.Param/, [400, 404]);
  });
});

describe('DescribeImages', () => {
  test('the built-in image is listed and Available', async () => {
    const body = wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION })));
    const img = body.Images.Image.find((i) => i.ImageId === IMAGE);
    assert.ok(img, `built-in image listed: ${JSON.stringify(body.Images.Image.map((i) => i.ImageId))}`);
    assert.equal(img.Status, 'Available');
    assert.equal(img.OSType, 'linux');
    assert.equal(img.Architecture, 'x86_64');
    assert.equal(img.ImageOwnerAlias, 'system');
    assert.ok(img.Size >= 1);
    assert.ok(body.TotalCount >= 1);
  });

  test('ImageId filter', async () => {
    const body = wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, imageId: IMAGE })));
    assert.equal(body.TotalCount, 1);
    assert.deepEqual(body.Images.Image.map((i) => i.ImageId), [IMAGE]);
    const none = wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, imageId: 'm-doesnotexist' })));
    assert.equal(none.TotalCount, 0);
    assert.deepEqual(none.Images.Image, []);
  });

  test('ImageOwnerAlias=self does not list system images', async () => {
    const body = wire(await ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: REGION, imageOwnerAlias: 'self' })));
    assert.ok(!body.Images.Image.some((i) => i.ImageId === IMAGE));
  });

  test('unknown region is InvalidRegionId.NotFound', async () => {
    await expectError(ecs.describeImages(new Ecs.DescribeImagesRequest({ regionId: 'mars-north-1' })),
      'InvalidRegionId.NotFound', 404);
  });
});

describe('with a GPU host (--fake-host-gpus 2)', () => {
  let gpuServer;
  let gecs;

  before(async () => {
    gpuServer = await h.startServer({ delayMs: 50, extraArgs: ['--fake-host-gpus', '2'] });
    gecs = h.ecsClient(gpuServer);
  });
  after(async () => { if (gpuServer) await gpuServer.destroy(); });

  test('GPU types become Available and run until the GPUs are used up', async () => {
    const body = wire(await gecs.describeAvailableResource(new Ecs.DescribeAvailableResourceRequest({
      regionId: REGION, destinationResource: 'InstanceType', zoneId: ZONE_A,
    })));
    const gpu = body.AvailableZones.AvailableZone.flatMap((z) => z.AvailableResources.AvailableResource)
      .flatMap((r) => r.SupportedResources.SupportedResource).filter((s) => s.Value === 'ecs.gn7i-c8g1.2xlarge');
    assert.equal(gpu.length, 1);
    assert.equal(gpu[0].Status, 'Available');

    const net = await h.createNetwork(gecs, h.vpcClient(gpuServer), { name: 'gpu' });
    const ids = await h.runRunning(gecs, net, { instanceType: 'ecs.gn7i-c8g1.2xlarge', amount: 2 });
    for (const inst of await h.describeInstances(gecs, ids)) {
      assert.equal(inst.GPUAmount, 1);
      assert.ok(inst.GPUSpec, `GPUSpec reported for a GPU instance: ${JSON.stringify(inst.GPUSpec)}`);
    }
    // Both host GPUs are taken now.
    await expectError(h.runInstances(gecs, net, { instanceType: 'ecs.gn7i-c8g1.2xlarge' }), 'OperationDenied.NoStock', 403);
  });
});
