'use strict';
// Guests that report on their serial console: user data prints "probe <name> <value>" lines
// (one per probe per second) and the tests read them through GetInstanceConsoleOutput.
const h = require('../api/helpers');
const { Ecs } = h;

const SEE_MS = 30000;  // a change must show in a guest's probes well within this

async function consoleOf(ecs, id) {
  const res = await ecs.getInstanceConsoleOutput(new Ecs.GetInstanceConsoleOutputRequest({ regionId: h.REGION, instanceId: id }));
  return Buffer.from(h.wire(res).ConsoleOutput, 'base64').toString('utf8');
}
// The latest value of a named probe on a guest's console ("ok", "fail", "eth0,lo,", ...).
async function probe(ecs, id, name) {
  const all = [...(await consoleOf(ecs, id)).matchAll(new RegExp(`probe ${name} (\\S+)`, 'g'))];
  return all.length ? all[all.length - 1][1] : undefined;
}
// Two fresh readings in a row, so a probe that raced the change does not count.
async function expectProbe(ecs, id, name, want, what, timeoutMs = SEE_MS) {
  let streak = 0;
  let last;
  await h.waitFor(async () => {
    last = await probe(ecs, id, name);
    streak = last === want ? streak + 1 : 0;
    return streak >= 2;
  }, timeoutMs, 1500, `${what}: probe ${name} = ${want}`);
}

module.exports = { SEE_MS, consoleOf, probe, expectProbe };
