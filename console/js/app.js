// console/js/app.js — the console shell: hash router, login page, header (region, identity,
// sign out) and the side navigation.
//
// Contract for page modules:
// - registerPage(path, {title, nav, group, render}): path is a hash route such as '/disks' or
//   '/instances/:id'. nav: the label of the page's link in the side navigation, or null for
//   pages reached by links only. group (optional): the navigation heading; by default the
//   heading is picked from the path (Compute / Storage / Network / ...). render(container,
//   params) fills `container` (a fresh element per visit); params has the route's :names and
//   `query` (URLSearchParams of the part after '?'). It may return a function, called when the
//   user leaves the page (stop timers there); timers can also stop once
//   `container.isConnected` is false.
// - navigate(path): go to a route ('/instances/i-123').
// - onLeave(fn): run fn when the current page is left.
// Page modules export register(registerPage); they are imported lazily at boot, and one that
// fails to load only loses its own pages.

import { session, login, logout, loadRegions, regions, region, setRegion } from './api.js';
import { h, clear, toast, errorText } from './ui.js';

const PAGE_MODULES = ['./pages/instances.js', './pages/launch.js', './pages/vnc.js',
  './pages/resources.js', './pages/wizard.js'];

const GROUPS = ['Compute', 'Storage', 'Network', 'Security', 'Operations', 'More'];
const GROUP_BY_PATH = [
  [/^\/(instances|launch|wizard|images|key-?pairs|keypairs)/, 'Compute'],
  [/^\/(disks|snapshots|auto-?snapshot|snapshot-?polic)/, 'Storage'],
  [/^\/(vpcs?|vswitch|route|eips?|enis?|network-?interfaces?|nat)/, 'Network'],
  [/^\/(security-?groups?)/, 'Network'],
  [/^\/(tasks|events|audit|monitor)/, 'Operations'],
];

const routeList = [];
let leaveHooks = [];
let renderSeq = 0;
let booted = false;
let firstRender = true;

export function registerPage(path, opts) {
  const keys = [];
  const re = new RegExp('^' + path.replace(/\/:([A-Za-z_]\w*)/g, (_, k) => { keys.push(k); return '/([^/]+)'; }) + '/?$');
  routeList.push({ path, re, keys, ...opts });
  if (booted) buildNav();
}

export function navigate(path) {
  const target = '#' + (path.startsWith('/') ? path : `/${path}`);
  if (location.hash === target) route(); else location.hash = target;
}

export function onLeave(fn) { leaveHooks.push(fn); }

// The registered routes ({path, title, nav}), e.g. to link to a page only if it exists.
export function routes() { return routeList.map(({ path, title, nav }) => ({ path, title, nav })); }

// The hash link to `path` if some registered page serves it, else null.
export function linkIfRouted(path) { return matchRoute(path) ? `#${path}` : null; }

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [p, q = ''] = raw.split('?');
  return { path: p || '/', query: new URLSearchParams(q) };
}

function matchRoute(path) {
  for (const r of routeList) {
    const m = r.re.exec(path);
    if (m) {
      const params = {};
      r.keys.forEach((k, i) => { params[k] = decodeURIComponent(m[i + 1]); });
      return { r, params };
    }
  }
  return null;
}

function runLeaveHooks() {
  const hooks = leaveHooks;
  leaveHooks = [];
  for (const fn of hooks) { try { fn(); } catch { /* a page's cleanup must not stop routing */ } }
}

// ---------------------------------------------------------------------------------------------
// Shell

const $ = (id) => document.getElementById(id);

function groupOf(r) {
  if (r.group) return r.group;
  for (const [re, g] of GROUP_BY_PATH) if (re.test(r.path)) return g;
  return 'More';
}

function buildNav() {
  const nav = $('nav');
  clear(nav);
  const byGroup = new Map();
  for (const r of routeList) {
    if (!r.nav) continue;
    const g = groupOf(r);
    if (!byGroup.has(g)) byGroup.set(g, []);
    byGroup.get(g).push(r);
  }
  const order = [...GROUPS, ...[...byGroup.keys()].filter((g) => !GROUPS.includes(g))];
  for (const g of order) {
    const list = byGroup.get(g);
    if (!list) continue;
    const id = `nav-${g.toLowerCase()}`;
    nav.append(h('div', { class: 'nav-group' },
      h('h2', { id, class: 'nav-heading' }, g),
      h('ul', { 'aria-labelledby': id }, list.map((r) => h('li', {}, h('a', { href: `#${r.path}`, 'data-path': r.path }, r.nav))))));
  }
  markActive();
}

function markActive() {
  const { path } = parseHash();
  let best = null;
  for (const a of $('nav').querySelectorAll('a[data-path]')) {
    const p = a.dataset.path;
    if ((path === p || path.startsWith(p + '/')) && (!best || p.length > best.dataset.path.length)) best = a;
  }
  for (const a of $('nav').querySelectorAll('a[data-path]')) {
    if (a === best) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

function setNavOpen(open) {
  document.body.classList.toggle('nav-open', open);
  $('nav-toggle').setAttribute('aria-expanded', String(open));
}

function whoText(s) {
  const p = (s && s.Principal) || {};
  if (p.Type === 'RamUser') return `${p.UserName || 'RAM user'}@${p.AccountId}`;
  return `Account ${p.AccountId || ''}`.trim();
}

async function fillHeader(s) {
  $('who').textContent = whoText(s);
  $('who').title = s && s.Principal && s.Principal.Type === 'RamUser' ? 'Signed in as a RAM user' : 'Signed in with the account';
  $('logout').hidden = false;
  try {
    await loadRegions();  // fires openecs:regions → fillRegions()
  } catch (e) {
    clear($('region-select')).append(h('option', {}, region() || 'unknown'));
  }
}

function fillRegions() {
  const sel = $('region-select');
  clear(sel);
  for (const r of regions()) sel.append(h('option', { value: r.RegionId, selected: r.RegionId === region() }, r.LocalName && r.LocalName !== r.RegionId ? `${r.LocalName} (${r.RegionId})` : r.RegionId));
  sel.disabled = false;
}

function wireShell() {
  $('nav-toggle').addEventListener('click', () => setNavOpen(!document.body.classList.contains('nav-open')));
  $('nav').addEventListener('click', (ev) => { if (ev.target.closest('a')) setNavOpen(false); });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape' && document.body.classList.contains('nav-open')) { setNavOpen(false); $('nav-toggle').focus(); }
  });
  $('skip-link').addEventListener('click', (ev) => { ev.preventDefault(); $('main').focus(); });
  $('region-select').addEventListener('change', (ev) => { setRegion(ev.target.value); route(); });
  $('logout').addEventListener('click', async () => {
    try { await logout(); } catch (e) { toast(errorText(e), 'error'); }
    $('who').textContent = '';
    $('logout').hidden = true;
    navigate('/login');
  });
  window.addEventListener('hashchange', () => {
    if (!location.hash.startsWith('#/') && location.hash !== '') return;  // in-page anchors
    route();
  });
}

// ---------------------------------------------------------------------------------------------
// Login page

function loginPage(container, next) {
  document.body.classList.add('logged-out');
  document.title = 'Sign in · OpenECS';
  const errorBox = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
  const tabs = [
    {
      id: 'ak', label: 'AccessKey pair', fields: [
        { name: 'AccessKeyId', label: 'AccessKey ID', type: 'text', autocomplete: 'username' },
        { name: 'AccessKeySecret', label: 'AccessKey secret', type: 'password', autocomplete: 'current-password' },
      ],
    },
    {
      id: 'ram', label: 'RAM user', fields: [
        { name: 'UserPrincipalName', label: 'User name', type: 'text', autocomplete: 'username', placeholder: 'alice@1234567890', help: 'The RAM user\'s logon name: name@AccountId.' },
        { name: 'Password', label: 'Password', type: 'password', autocomplete: 'current-password' },
      ],
    },
  ];
  const tabButtons = [];
  const panels = [];
  const select = (i, focus) => {
    tabButtons.forEach((b, j) => {
      b.setAttribute('aria-selected', String(i === j));
      b.tabIndex = i === j ? 0 : -1;
      panels[j].hidden = i !== j;
    });
    errorBox.textContent = '';
    if (focus) tabButtons[i].focus();
  };
  tabs.forEach((t, i) => {
    const form = h('form', { class: 'login-form', 'data-kind': t.id, novalidate: true },
      t.fields.map((f) => {
        const id = `login-${f.name}`;
        return h('div', { class: 'field' },
          h('label', { for: id }, f.label),
          h('input', { id, name: f.name, type: f.type, autocomplete: f.autocomplete, required: true, placeholder: f.placeholder, spellcheck: 'false', autocapitalize: 'off', 'aria-describedby': f.help ? `${id}-help` : null }),
          f.help ? h('p', { class: 'help', id: `${id}-help` }, f.help) : null);
      }),
      h('button', { type: 'submit', class: 'btn btn-primary btn-wide' }, 'Sign in'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const creds = {};
      for (const f of t.fields) creds[f.name] = form.elements.namedItem(f.name).value.trim();
      const missing = t.fields.find((f) => !creds[f.name]);
      if (missing) { errorBox.textContent = `Enter the ${missing.label}.`; form.elements.namedItem(missing.name).focus(); return; }
      const btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      btn.textContent = 'Signing in…';
      errorBox.textContent = '';
      try {
        const s = await login(creds);
        document.body.classList.remove('logged-out');
        await fillHeader(s);
        navigate(next && next.startsWith('/') && !next.startsWith('/login') ? next : '/instances');
      } catch (e) {
        errorBox.textContent = e.code === 'InvalidCredentials'
          ? `Sign-in failed: ${e.message || 'the credentials were not accepted.'}`
          : `Sign-in failed. ${errorText(e)}`;
        btn.disabled = false;
        btn.textContent = 'Sign in';
      }
    });
    const panel = h('div', { role: 'tabpanel', id: `login-panel-${t.id}`, 'aria-labelledby': `login-tab-${t.id}` }, form);
    const b = h('button', { type: 'button', role: 'tab', id: `login-tab-${t.id}`, 'aria-controls': panel.id, class: 'tab' }, t.label);
    b.addEventListener('click', () => select(i, false));
    b.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
        ev.preventDefault();
        select((i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length, true);
      }
    });
    tabButtons.push(b);
    panels.push(panel);
  });
  clear(container).append(h('div', { class: 'login' },
    h('h1', { tabindex: '-1' }, 'Sign in to OpenECS'),
    h('p', { class: 'subtitle' }, 'Use an AccessKey pair of your account, or a RAM user\'s name and password.'),
    h('div', { role: 'tablist', 'aria-label': 'How to sign in', class: 'tabs' }, tabButtons),
    panels, errorBox));
  select(0, false);
  const first = panels[0].querySelector('input');
  if (first) first.focus();
}

function notFound(container, path) {
  clear(container).append(
    h('h1', { tabindex: '-1' }, 'Page not found'),
    h('p', {}, `There is no console page at ${path}. `, h('a', { href: '#/instances' }, 'Go to the instances.')));
}

// ---------------------------------------------------------------------------------------------
// Router

async function route() {
  const seq = ++renderSeq;
  runLeaveHooks();
  const { path, query } = parseHash();
  const main = $('main');
  const container = h('div', { class: 'page' });
  clear(main).append(container);
  setNavOpen(false);

  if (path === '/login') {
    loginPage(container, query.get('next'));
    return;
  }
  let s;
  try {
    s = await session();
  } catch (e) {
    if (seq !== renderSeq) return;
    clear(container).append(h('h1', {}, 'The console cannot reach the server'), h('p', { role: 'alert' }, errorText(e)));
    return;
  }
  if (seq !== renderSeq) return;
  if (!s) {
    location.replace('#/login' + (path !== '/' ? `?next=${encodeURIComponent(path + (query.toString() ? `?${query}` : ''))}` : ''));
    return;
  }
  document.body.classList.remove('logged-out');
  if (!$('who').textContent) await fillHeader(s);
  if (seq !== renderSeq) return;
  if (path === '/') { location.replace('#/instances'); return; }
  markActive();
  const m = matchRoute(path);
  if (!m) { notFound(container, path); return; }
  document.title = `${m.r.title} · OpenECS`;
  try {
    const cleanup = await m.r.render(container, { ...m.params, query });
    if (typeof cleanup === 'function') {
      if (seq === renderSeq) leaveHooks.push(cleanup); else cleanup();
    }
  } catch (e) {
    if (seq !== renderSeq || !container.isConnected) return;
    if (e && e.status === 401) return;  // api.js is already on its way to the login page
    container.append(h('div', { class: 'callout callout-error', role: 'alert' },
      h('strong', {}, 'This page could not be loaded. '), errorText(e)));
  }
  if (seq === renderSeq && !firstRender) {
    const h1 = container.querySelector('h1');
    if (h1 && !container.contains(document.activeElement)) h1.focus({ preventScroll: true });
  }
  firstRender = false;
}

async function boot() {
  wireShell();
  const results = await Promise.allSettled(PAGE_MODULES.map((m) => import(m)));
  results.forEach((r, i) => {
    if (r.status === 'fulfilled' && typeof r.value.register === 'function') {
      try { r.value.register(registerPage); } catch (e) { console.error(`${PAGE_MODULES[i]}: register failed`, e); }
    } else if (r.status === 'rejected') {
      console.warn(`${PAGE_MODULES[i]} is not available:`, r.reason && r.reason.message);
    }
  });
  booted = true;
  buildNav();
  document.body.classList.remove('booting');
  window.addEventListener('openecs:regions', fillRegions);
  window.addEventListener('openecs:region', () => {
    const sel = $('region-select');
    if (sel.value !== region()) sel.value = region();
  });
  await route();
}

boot();
