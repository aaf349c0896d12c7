// console/js/pages/instance-actions.js — the instance operations the list and the detail page
// share: start, stop (with economical mode), restart, release (with release protection and the
// forced release of running instances), their batch forms, console states and password rules.
//
// Every action asks what it must (dialogs), calls the API, reports the outcome in a toast, and
// resolves to true when it changed something (the caller then refreshes) or false when the user
// cancelled or the call failed (the error is already shown).

import { ecs } from '../api.js';
import { h, confirmDialog, formDialog, toast, errorText, statusBadge } from '../ui.js';

export const TRANSITIONAL = new Set(['Pending', 'Starting', 'Stopping']);
const EXPIRING_DAYS = 7;

export const nameOf = (inst) => inst.InstanceName || inst.InstanceId;
const label = (inst) => (inst.InstanceName && inst.InstanceName !== inst.InstanceId
  ? `${inst.InstanceName} (${inst.InstanceId})` : inst.InstanceId);

// The console's extra states for an instance, as [text, tone] pairs: Locked, Expired, Expiring,
// To be released.
export function consoleStates(inst, now = Date.now()) {
  const out = [];
  const locks = (inst.OperationLocks && inst.OperationLocks.LockReason) || [];
  if (locks.length) {
    const why = locks.map((l) => l.LockReason).filter(Boolean).join(', ');
    out.push([why ? `Locked (${why})` : 'Locked', 'bad']);
  }
  if (inst.InstanceChargeType === 'PrePaid' && inst.ExpiredTime) {
    const t = Date.parse(inst.ExpiredTime);
    if (!Number.isNaN(t)) {
      if (t <= now) out.push(['Expired', 'bad']);
      else if (t - now < EXPIRING_DAYS * 86400000) out.push(['Expiring', 'busy']);
    }
  }
  if (inst.AutoReleaseTime) out.push(['To be released', 'busy']);
  return out;
}

export function statusBadges(inst) {
  return [statusBadge(inst.Status), ...consoleStates(inst).map(([t, tone]) => statusBadge(t, tone))];
}

export function ipsOf(inst) {
  const priv = (inst.VpcAttributes && inst.VpcAttributes.PrivateIpAddress && inst.VpcAttributes.PrivateIpAddress.IpAddress) || [];
  const inner = (inst.InnerIpAddress && inst.InnerIpAddress.IpAddress) || [];
  const pub = (inst.PublicIpAddress && inst.PublicIpAddress.IpAddress) || [];
  const eip = inst.EipAddress && inst.EipAddress.IpAddress ? [inst.EipAddress.IpAddress] : [];
  return { private: [...priv, ...inner], public: pub, eip };
}

export function billingText(inst) {
  const charge = inst.InstanceChargeType === 'PrePaid' ? 'Subscription' : 'Pay-as-you-go';
  const spot = inst.SpotStrategy && inst.SpotStrategy !== 'NoSpot' ? ` · spot (${inst.SpotStrategy === 'SpotAsPriceGo' ? 'market price' : `limit ${inst.SpotPriceLimit}`})` : '';
  return `${charge}${spot}`;
}

export function isLocked(inst) {
  return ((inst.OperationLocks && inst.OperationLocks.LockReason) || []).length > 0;
}

// ECS password rules: 8-30 characters, at least three of upper case, lower case, digits and
// the special characters ()`~!@#$%^&*-_+=|{}[]:;'<>,.?/ (and nothing else).
const SPECIAL = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";
export function passwordProblem(pw) {
  if (!pw) return 'Enter a password.';
  if (pw.length < 8 || pw.length > 30) return 'The password must be 8 to 30 characters long.';
  const bad = [...pw].find((c) => !/[A-Za-z0-9]/.test(c) && !SPECIAL.includes(c));
  if (bad) return `The password may not contain "${bad === ' ' ? 'a space' : bad}". Special characters allowed: ${SPECIAL}`;
  const kinds = [/[A-Z]/, /[a-z]/, /[0-9]/].filter((re) => re.test(pw)).length + ([...pw].some((c) => SPECIAL.includes(c)) ? 1 : 0);
  if (kinds < 3) return 'The password needs at least three of: upper-case letters, lower-case letters, digits, special characters.';
  return null;
}
export const PASSWORD_HELP = '8 to 30 characters, with at least three of: upper case, lower case, digits, special characters ( ) ` ~ ! @ # $ % ^ & * - _ + = | { } [ ] : ; \' < > , . ? /';

async function attempt(fn, okText) {
  try {
    await fn();
    if (okText) toast(okText, 'ok');
    return true;
  } catch (e) {
    toast(errorText(e), 'error');
    return false;
  }
}

// Results of a batch call ({InstanceResponses: {InstanceResponse: [...]}}): toast the failures.
function reportBatch(body, verb) {
  const list = (body && body.InstanceResponses && body.InstanceResponses.InstanceResponse) || [];
  const failed = list.filter((r) => r.Code && r.Code !== '200');
  for (const f of failed) toast(`${f.InstanceId}: ${f.Code}: ${f.Message}`, 'error');
  const ok = list.length - failed.length;
  if (ok) toast(`${verb} ${ok} instance${ok === 1 ? '' : 's'}.`, 'ok');
}

// ---------------------------------------------------------------------------------------------
// Single instances

export function canStart(inst) { return inst.Status === 'Stopped'; }
export function canStop(inst) { return inst.Status === 'Running'; }
export function canRestart(inst) { return inst.Status === 'Running'; }

export function start(inst) {
  return attempt(() => ecs('StartInstance', { InstanceId: inst.InstanceId }), `Starting ${label(inst)}.`);
}

function stopFields(insts) {
  const postpaid = insts.every((i) => i.InstanceChargeType !== 'PrePaid');
  return [
    postpaid ? {
      name: 'StopCharging', type: 'checkbox', label: 'Stop charging (economical mode)', value: false,
      help: 'vCPUs, memory and the static public IP are released while stopped and not billed; disks are kept. The public IP may change, and starting can fail if the zone runs out of capacity.',
    } : null,
    { name: 'ForceStop', type: 'checkbox', label: 'Force stop', value: false, help: 'Like pulling the power cord: the operating system is not shut down cleanly. Unsaved data may be lost.' },
  ].filter(Boolean);
}

export async function stop(inst) {
  const v = await formDialog({
    title: `Stop ${nameOf(inst)}?`,
    text: `${label(inst)} will be shut down.`,
    fields: stopFields([inst]),
    submitLabel: 'Stop',
  });
  if (!v) return false;
  return attempt(() => ecs('StopInstance', {
    InstanceId: inst.InstanceId,
    StoppedMode: v.StopCharging ? 'StopCharging' : 'KeepCharging',
    ForceStop: v.ForceStop ? true : undefined,
  }), `Stopping ${label(inst)}${v.StopCharging ? ' (economical mode)' : ''}.`);
}

export async function restart(inst) {
  const v = await formDialog({
    title: `Restart ${nameOf(inst)}?`,
    text: `${label(inst)} will be shut down and started again. Changed metadata (password, host name, user data) applies on this start.`,
    fields: [{ name: 'ForceStop', type: 'checkbox', label: 'Force restart', value: false, help: 'Do not wait for the operating system to shut down.' }],
    submitLabel: 'Restart',
  });
  if (!v) return false;
  return attempt(() => ecs('RebootInstance', { InstanceId: inst.InstanceId, ForceStop: v.ForceStop ? true : undefined }),
    `Restarting ${label(inst)}.`);
}

// Release protection: say it must be turned off, offer to do it. Resolves true when off.
async function clearProtection(insts) {
  const names = insts.map(label).join(', ');
  const ok = await confirmDialog({
    title: 'Release protection is on',
    text: `Release protection is turned on for ${names}. It must be turned off before ${insts.length === 1 ? 'the instance' : 'these instances'} can be released. Turn it off now?`,
    confirmLabel: 'Turn off release protection',
    danger: true,
  });
  if (!ok) return false;
  for (const i of insts) {
    const done = await attempt(() => ecs('ModifyInstanceAttribute', { InstanceId: i.InstanceId, DeletionProtection: false }),
      `Release protection is off for ${label(i)}.`);
    if (!done) return false;
    i.DeletionProtection = false;
  }
  return true;
}

function releaseWarning(insts) {
  const running = insts.filter((i) => i.Status !== 'Stopped');
  return h('div', {},
    h('p', {}, insts.length === 1
      ? `${label(insts[0])} will be deleted, with its system disk and every data disk set to be released with it. This cannot be undone.`
      : `${insts.length} instances will be deleted, with their system disks and the data disks set to be released with them. This cannot be undone.`),
    running.length ? h('p', { class: 'callout callout-warn' },
      running.length === 1 && insts.length === 1
        ? `The instance is ${running[0].Status.toLowerCase()}. It will be forcibly stopped first, like pulling the power cord: anything not saved to disk is lost.`
        : `${running.length} of them are not stopped; they will be forcibly stopped first, like pulling the power cord.`) : null);
}

export async function release(inst) {
  if (inst.DeletionProtection && !(await clearProtection([inst]))) return false;
  const ok = await confirmDialog({ title: `Release ${nameOf(inst)}?`, body: releaseWarning([inst]), confirmLabel: 'Release', danger: true });
  if (!ok) return false;
  try {
    await ecs('DeleteInstance', { InstanceId: inst.InstanceId, Force: inst.Status !== 'Stopped' ? true : undefined });
    toast(`Releasing ${label(inst)}.`, 'ok');
    return true;
  } catch (e) {
    if (e.code === 'InvalidOperation.DeletionProtection' && (await clearProtection([inst]))) {
      return attempt(() => ecs('DeleteInstance', { InstanceId: inst.InstanceId, Force: inst.Status !== 'Stopped' ? true : undefined }),
        `Releasing ${label(inst)}.`);
    }
    toast(errorText(e), 'error');
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Batches (the list page's multi-select)

export async function startMany(insts) {
  const ids = insts.filter(canStart).map((i) => i.InstanceId);
  if (!ids.length) { toast('None of the selected instances is stopped.', 'info'); return false; }
  try { reportBatch(await ecs('StartInstances', { InstanceId: ids }), 'Starting'); return true; } catch (e) { toast(errorText(e), 'error'); return false; }
}

export async function stopMany(insts) {
  const targets = insts.filter(canStop);
  if (!targets.length) { toast('None of the selected instances is running.', 'info'); return false; }
  const v = await formDialog({
    title: `Stop ${targets.length} instance${targets.length === 1 ? '' : 's'}?`,
    text: targets.map(label).join(', '),
    fields: stopFields(targets),
    submitLabel: 'Stop',
  });
  if (!v) return false;
  try {
    reportBatch(await ecs('StopInstances', {
      InstanceId: targets.map((i) => i.InstanceId),
      StoppedMode: v.StopCharging ? 'StopCharging' : 'KeepCharging',
      ForceStop: v.ForceStop ? true : undefined,
    }), 'Stopping');
    return true;
  } catch (e) { toast(errorText(e), 'error'); return false; }
}

export async function releaseMany(insts) {
  if (!insts.length) return false;
  const protectedOnes = insts.filter((i) => i.DeletionProtection);
  if (protectedOnes.length && !(await clearProtection(protectedOnes))) return false;
  const ok = await confirmDialog({ title: `Release ${insts.length} instance${insts.length === 1 ? '' : 's'}?`, body: releaseWarning(insts), confirmLabel: 'Release', danger: true });
  if (!ok) return false;
  return attempt(() => ecs('DeleteInstances', {
    InstanceId: insts.map((i) => i.InstanceId),
    Force: insts.some((i) => i.Status !== 'Stopped') ? true : undefined,
  }), `Releasing ${insts.length} instance${insts.length === 1 ? '' : 's'}.`);
}
