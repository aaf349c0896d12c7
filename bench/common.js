'use strict';
// Shared bits for the bench scripts: argument parsing, starting ecsd through the API-test
// harness (tests/api/helpers.js, which also resolves the SDKs from tests/api/node_modules),
// percentiles and RSS. Benches print figures; they never assert timings.
const path = require('node:path');
const fs = require('node:fs');

const h = require(path.join(__dirname, '..', 'tests', 'api', 'helpers.js'));

// --key value / --flag  →  { key: value | true }
function parseArgs(defaults) {
  const out = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) out[key] = true;
    else { out[key] = next; i++; }
  }
  if (out.help) {
    console.log(fs.readFileSync(process.argv[1], 'utf8').split('\n').filter((l) => l.startsWith('//')).join('\n'));
    process.exit(0);
  }
  return out;
}

function percentile(sortedMs, p) {
  if (!sortedMs.length) return NaN;
  const idx = Math.min(sortedMs.length - 1, Math.max(0, Math.ceil((p / 100) * sortedMs.length) - 1));
  return sortedMs[idx];
}

function summary(latMs) {
  const s = [...latMs].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, min: s[0], p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1], mean };
}

const fmt = (x) => (Number.isFinite(x) ? x.toFixed(2) : String(x));
const fmtSummary = (s) => `n=${s.n} min=${fmt(s.min)} p50=${fmt(s.p50)} p90=${fmt(s.p90)} p99=${fmt(s.p99)} max=${fmt(s.max)} mean=${fmt(s.mean)} ms`;

function rssOf(pid) {
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const rss = /VmRSS:\s+(\d+)\s+kB/.exec(st);
    const hwm = /VmHWM:\s+(\d+)\s+kB/.exec(st);
    return { rssKb: rss ? Number(rss[1]) : NaN, peakKb: hwm ? Number(hwm[1]) : NaN };
  } catch { return { rssKb: NaN, peakKb: NaN }; }
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

// Start ecsd with the given fake delay (and extra args; `store`: 'sqlite' or 'postgres', which
// needs OPENECS_TEST_PG; by default what OPENECS_TEST_STORE says); caller must
// `await server.destroy()`.
async function startEcsd(opts) {
  return h.startServer({ bin: opts.bin || h.BIN, delayMs: Number(opts.delayMs), extraArgs: opts.extraArgs || [], store: opts.store });
}

module.exports = { h, parseArgs, percentile, summary, fmt, fmtSummary, rssOf, nowMs, startEcsd };
