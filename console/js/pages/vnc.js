// console/js/pages/vnc.js — an instance's screen (/instances/:id/vnc) through noVNC.
//
// The browser opens ws(s)://<this host>/console/api/vnc?InstanceId=<id>; ecsd checks the console
// session cookie and the Origin and relays the guest's VNC display (RFB security type None, so
// there is no VNC password prompt). noVNC 1.3 is Debian's, served under /console/novnc/ and
// imported only when this page opens. The connection state is shown as text (Connecting,
// Connected, Disconnected: reason) in a live region and in data-state on #vnc-state
// ("connecting" | "connected" | "disconnected") for tests. Keys typed while the screen has focus
// go to the guest; Ctrl+] moves focus out of the screen (noVNC keeps Tab for the guest).

import { ecs } from '../api.js';
import { h, page, button, errorText } from '../ui.js';
import { onLeave } from '../app.js';

export function register(registerPage) {
  registerPage('/instances/:id/vnc', { title: 'Remote connection', nav: null, render });
}

async function render(container, { id }) {
  const body = page(container, {
    title: `Screen of ${id}`,
    back: { href: `#/instances/${encodeURIComponent(id)}`, label: 'Back to instance' },
  });
  const heading = container.querySelector('h1');
  const state = h('span', { id: 'vnc-state', class: 'vnc-state', role: 'status', 'aria-live': 'polite', 'data-state': 'connecting' }, 'Connecting…');
  const screen = h('div', { id: 'vnc-screen', class: 'vnc-screen', 'aria-label': `Screen of instance ${id}`, role: 'application' });
  const hint = h('span', { class: 'help' }, 'Click the screen to type into it. Press Ctrl+] to move the keyboard focus back out.');
  let rfb = null;
  let closedByUs = false;
  let failReason = '';

  const setState = (key, text) => { state.dataset.state = key; state.textContent = text; };
  const cad = button('Send Ctrl+Alt+Del', () => { if (rfb) { rfb.sendCtrlAltDel(); rfb.focus(); } }, { disabled: true });
  const reconnect = button('Reconnect', () => start(), { disabled: true });
  body.append(h('div', { class: 'vnc-page' },
    h('div', { class: 'vnc-bar' }, h('span', {}, 'Status: ', state), cad, reconnect, hint),
    screen));
  body.parentElement.classList.add('page-vnc');

  screen.addEventListener('keydown', (ev) => {
    if (ev.ctrlKey && (ev.key === ']' || ev.code === 'BracketRight')) {
      ev.preventDefault();
      ev.stopPropagation();
      cad.focus();
    }
  }, true);

  onLeave(() => { closedByUs = true; if (rfb) { try { rfb.disconnect(); } catch { /* already closed */ } } rfb = null; });

  // Name and status first: a stopped instance has no screen.
  let RFB = null;
  async function start() {
    reconnect.disabled = true;
    setState('connecting', 'Connecting…');
    try {
      const res = await ecs('DescribeInstances', { InstanceIds: JSON.stringify([id]) });
      const inst = ((res.Instances && res.Instances.Instance) || [])[0];
      if (!container.isConnected) return;
      if (!inst) { setState('disconnected', `Disconnected: there is no instance ${id} in this region.`); return; }
      heading.textContent = `Screen of ${inst.InstanceName || id}`;
      document.title = `Screen of ${inst.InstanceName || id} · OpenECS`;
      if (inst.Status !== 'Running') {
        setState('disconnected', `Disconnected: the instance is ${inst.Status.toLowerCase()}, so it has no screen. Start it, then reconnect.`);
        reconnect.disabled = false;
        return;
      }
    } catch (e) {
      if (e.status === 401) return;
      setState('disconnected', `Disconnected: ${errorText(e)}`);
      reconnect.disabled = false;
      return;
    }
    if (!RFB) {
      try {
        RFB = (await import('/console/novnc/core/rfb.js')).default;
      } catch (e) {
        setState('disconnected', `Disconnected: the VNC client (noVNC) could not be loaded (${e.message}).`);
        reconnect.disabled = false;
        return;
      }
    }
    connect();
  }

  function connect() {
    if (!container.isConnected) return;
    if (rfb) { closedByUs = true; try { rfb.disconnect(); } catch { /* closed */ } }
    closedByUs = false;
    failReason = '';
    reconnect.disabled = true;
    cad.disabled = true;
    setState('connecting', 'Connecting…');
    const url = `${location.protocol === 'https:' ? 'wss://' : 'ws://'}${location.host}/console/api/vnc?InstanceId=${encodeURIComponent(id)}`;
    try {
      rfb = new RFB(screen, url, { shared: true });
    } catch (e) {
      setState('disconnected', `Disconnected: ${e.message}`);
      reconnect.disabled = false;
      return;
    }
    rfb.scaleViewport = true;
    rfb.background = '#000';
    rfb.resizeSession = false;
    rfb.focusOnClick = true;
    rfb.addEventListener('connect', () => {
      setState('connected', 'Connected');
      cad.disabled = false;
      rfb.focus();
    });
    rfb.addEventListener('securityfailure', (ev) => {
      failReason = ev.detail && ev.detail.reason ? ev.detail.reason : 'the server refused the connection';
    });
    rfb.addEventListener('credentialsrequired', () => {
      failReason = 'the screen asked for a VNC password, which the console does not handle';
      rfb.disconnect();
    });
    rfb.addEventListener('disconnect', (ev) => {
      cad.disabled = true;
      reconnect.disabled = false;
      if (closedByUs) return;
      const why = failReason || (ev.detail && ev.detail.clean ? 'the instance closed the connection' : 'the connection was refused or lost (is the instance running?)');
      setState('disconnected', `Disconnected: ${why}`);
    });
    rfb.addEventListener('desktopname', (ev) => {
      if (ev.detail && ev.detail.name) screen.setAttribute('aria-label', `Screen of instance ${id}: ${ev.detail.name}`);
    });
  }
  await start();
}
