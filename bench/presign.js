'use strict';
// presign.js — write N pre-signed v1 GET paths (distinct SignatureNonce each), one per line,
// for replay by wrk (bench/presigned.lua).
//
// Usage: node bench/presign.js --count 200000 --out /tmp/paths.txt [--action DescribeRegions]
// AccessKey from OPENECS_ACCESS_KEY_ID / OPENECS_ACCESS_KEY_SECRET (default testAK / testSecret).
const fs = require('node:fs');
const { h, parseArgs } = require('./common');

const opt = parseArgs({ count: 200000, out: '/dev/stdout', action: 'DescribeRegions' });
const ak = process.env.OPENECS_ACCESS_KEY_ID || h.AK;
const secret = process.env.OPENECS_ACCESS_KEY_SECRET || h.SECRET;
const params = opt.action === 'DescribeRegions' ? {} : { RegionId: h.REGION };
const fd = fs.openSync(opt.out, 'w');
let buf = [];
for (let i = 0; i < Number(opt.count); i++) {
  buf.push(`/?${h.v1Query(opt.action, params, { ak, secret })}`);
  if (buf.length === 10000) { fs.writeSync(fd, `${buf.join('\n')}\n`); buf = []; }
}
if (buf.length) fs.writeSync(fd, `${buf.join('\n')}\n`);
fs.closeSync(fd);
