// console/js/api.js — the console's only door to ecsd.
//
// Contract (other modules code against exactly this):
// - call(product, action, params) POSTs a form-encoded RPC request to `/` on the same origin,
//   authenticated by the console session cookie plus the X-OpenECS-CSRF header. Params are
//   flattened the ECS way (arrays → Name.1, Name.2; objects → Name.Field; arrays of objects →
//   Name.1.Field; undefined / null / '' skipped; booleans → 'true'/'false'). RegionId is the
//   current region unless params carries one. Resolves to the parsed JSON body; rejects with an
//   ApiError {code, message, requestId, status}. Any 401 sends the browser to the login page
//   (after remembering where it was) and still rejects, so callers simply stop.
// - ecs(action, params) / vpc(action, params): call() for those two products.
// - region() / setRegion(id) / regions(): the current region (localStorage `openecs.region`,
//   default the first DescribeRegions entry) and the list, loaded once by loadRegions() (which
//   fires `openecs:regions` on window; setRegion fires `openecs:region`).
// - session() / login(creds) / logout(): the console session (`/console/api/*`).
// - pageAll(action, params, listPath, product?): every item of a paged Describe*.
// Nothing here touches the DOM, so it can be unit-tested in any module host.

const VERSIONS = {
  ecs: '2014-05-26', vpc: '2016-04-28', bss: '2017-12-14', cms: '2019-01-01', ram: '2015-05-01',
};
const REGION_KEY = 'openecs.region';

export class ApiError extends Error {
  constructor({ code = 'Unknown', message = '', requestId = '', status = 0 } = {}) {
    super(message || code);
    this.name = 'ApiError';
    this.code = code;
    this.message = message || code;
    this.requestId = requestId;
    this.status = status;
  }
}

// ---------------------------------------------------------------------------------------------
// Session

let current = null;  // the last session body seen: {Csrf, Principal, ExpiresAt}

async function readJson(res) {
  const text = await res.text();
  if (!text) return {};
  try { return JSON.parse(text); } catch { return { Code: 'BadResponse', Message: text.slice(0, 200) }; }
}

function errorFrom(res, body) {
  return new ApiError({
    code: body.Code || `HTTP${res.status}`,
    message: body.Message || res.statusText || 'The request failed.',
    requestId: body.RequestId || '',
    status: res.status,
  });
}

async function fetchOrExplain(url, init) {
  try {
    return await fetch(url, init);
  } catch (e) {
    throw new ApiError({ code: 'NetworkError', message: `Could not reach the server (${e.message}).` });
  }
}

export async function session({ refresh = false } = {}) {
  if (current && !refresh && (!current.ExpiresAt || current.ExpiresAt > Date.now())) return current;
  const res = await fetchOrExplain('/console/api/session', { credentials: 'same-origin', cache: 'no-store' });
  if (res.status === 401) { current = null; return null; }
  const body = await readJson(res);
  if (!res.ok) throw errorFrom(res, body);
  current = body;
  return current;
}

// creds: {AccessKeyId, AccessKeySecret} or {UserPrincipalName, Password}.
export async function login(creds) {
  const res = await fetchOrExplain('/console/api/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(creds),
  });
  const body = await readJson(res);
  if (!res.ok) throw errorFrom(res, body);
  current = body;
  return current;
}

export async function logout() {
  const csrf = current && current.Csrf;
  current = null;
  regionList = null;
  const res = await fetchOrExplain('/console/api/logout', {
    method: 'POST', credentials: 'same-origin', headers: csrf ? { 'X-OpenECS-CSRF': csrf } : {},
  });
  if (!res.ok && res.status !== 401) throw errorFrom(res, await readJson(res));
}

// The login page's route, remembering where the user was (app.js reads `next`).
function toLogin() {
  current = null;
  const here = location.hash.replace(/^#/, '');
  if (here.startsWith('/login')) return;
  location.hash = '#/login' + (here && here !== '/' ? `?next=${encodeURIComponent(here)}` : '');
}

// ---------------------------------------------------------------------------------------------
// Regions

let regionList = null;  // [{RegionId, LocalName, ...}] once loaded

export function region() {
  const saved = localStorage.getItem(REGION_KEY);
  if (saved && (!regionList || regionList.some((r) => r.RegionId === saved))) return saved;
  return regionList && regionList.length ? regionList[0].RegionId : (saved || '');
}

export function setRegion(id) {
  localStorage.setItem(REGION_KEY, id);
  window.dispatchEvent(new CustomEvent('openecs:region', { detail: id }));
}

export function regions() { return regionList || []; }

export async function loadRegions() {
  if (regionList) return regionList;
  const body = await call('ecs', 'DescribeRegions', {});
  regionList = (body.Regions && body.Regions.Region) || [];
  const saved = localStorage.getItem(REGION_KEY);
  if (regionList.length && !regionList.some((r) => r.RegionId === saved)) {
    localStorage.setItem(REGION_KEY, regionList[0].RegionId);
  }
  window.dispatchEvent(new CustomEvent('openecs:regions'));
  return regionList;
}

// ---------------------------------------------------------------------------------------------
// RPC calls

export function flatten(params, prefix = '', out = []) {
  for (const [k, v] of Object.entries(params || {})) flattenValue(prefix ? `${prefix}.${k}` : k, v, out);
  return out;
}

function flattenValue(key, value, out) {
  if (value === undefined || value === null || value === '') return;
  if (Array.isArray(value)) {
    value.forEach((v, i) => flattenValue(`${key}.${i + 1}`, v, out));
  } else if (typeof value === 'object') {
    flatten(value, key, out);
  } else {
    out.push([key, String(value)]);
  }
}

export async function call(product, action, params = {}) {
  const version = VERSIONS[product];
  if (!version) throw new Error(`unknown product ${product}`);
  let s = current;
  if (!s) {
    s = await session();
    if (!s) { toLogin(); throw new ApiError({ code: 'ConsoleSessionExpired', message: 'Please sign in.', status: 401 }); }
  }
  const body = new URLSearchParams();
  body.append('Action', action);
  body.append('Version', version);
  body.append('Format', 'JSON');
  const skipRegion = product === 'ecs' && action === 'DescribeRegions';
  if (!('RegionId' in (params || {})) && !skipRegion) {
    if (!regionList && !localStorage.getItem(REGION_KEY)) await loadRegions();
    const r = region();
    if (r) body.append('RegionId', r);
  }
  for (const [k, v] of flatten(params)) body.append(k, v);
  const res = await fetchOrExplain('/', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-OpenECS-CSRF': s.Csrf || '' },
    body: body.toString(),
  });
  const json = await readJson(res);
  if (res.ok) return json;
  const err = errorFrom(res, json);
  if (res.status === 401 || looksSignedOut(err)) {
    // The session is gone (expired, signed out elsewhere, cookie dropped: a request without the
    // cookie is read as an unsigned API call). Ask once more; without a session, go sign in.
    current = null;
    const again = res.status === 401 ? null : await session().catch(() => null);
    if (!again) {
      err.status = 401;
      toLogin();
    }
  }
  throw err;
}

const SIGNED_OUT_CODES = /^(ConsoleSessionExpired|ConsoleCsrfMissing|IncompleteSignature|MissingSignature|SignatureDoesNotMatch|InvalidAccessKeyId)/;
function looksSignedOut(err) {
  return SIGNED_OUT_CODES.test(err.code) || (err.code === 'MissingParameter' && /AccessKeyId|Signature/.test(err.message));
}

export const ecs = (action, params) => call('ecs', action, params);
export const vpc = (action, params) => call('vpc', action, params);

// VPC-API list actions (pageAll picks the product from this when none is given).
const VPC_ACTIONS = new Set(['DescribeVpcs', 'DescribeVSwitches', 'DescribeRouteTableList',
  'DescribeRouteEntryList', 'DescribeEipAddresses', 'DescribeNatGateways', 'DescribeVpcAttribute',
  'DescribeSnatTableEntries', 'DescribeForwardTableEntries', 'DescribeVRouters']);
// Actions whose PageSize tops out at 50 (the rest take 100).
const MAX_50 = new Set(['DescribeVpcs', 'DescribeVSwitches', 'DescribeRouteTableList', 'DescribeRouteTables',
  'DescribeRouteEntryList', 'DescribeKeyPairs', 'DescribeInstanceStatus', 'DescribeDeploymentSets',
  'DescribeCommands', 'DescribeInvocations', 'DescribeNatGateways', 'DescribeEipAddresses']);

const pick = (obj, path) => path.split('.').reduce((o, k) => (o == null ? o : o[k]), obj);

// Every item of a PageNumber/PageSize-paged Describe*. listPath: 'Instances.Instance'.
export async function pageAll(action, params = {}, listPath, product) {
  const prod = product || (VPC_ACTIONS.has(action) ? 'vpc' : 'ecs');
  let size = MAX_50.has(action) ? 50 : 100;
  const out = [];
  for (let page = 1; page < 1000; page++) {
    let body;
    try {
      body = await call(prod, action, { ...params, PageNumber: page, PageSize: size });
    } catch (e) {
      // A server with a smaller maximum page than we guessed: retry this page smaller.
      if (e instanceof ApiError && size > 50 && /PageSize/i.test(`${e.code} ${e.message}`)) {
        size = 50; page--; continue;
      }
      throw e;
    }
    const items = pick(body, listPath) || [];
    out.push(...items);
    const total = Number(body.TotalCount ?? body.TotalCounts ?? NaN);
    if (!items.length || items.length < size || (Number.isFinite(total) && out.length >= total)) break;
  }
  return out;
}
