// console/js/pages/res-images.js — the Images page: public (system), my (self) and shared
// (others) images, with import, copy, rename, share, export and delete of one's own.
//
// Calls (ECS 2014-05-26): DescribeImages (ImageOwnerAlias system|self|others), ImportImage
// (DiskDeviceMapping.1.OSSObject = an http(s) URL, or a file in an exchange bucket on the
// host), CopyImage, ModifyImageAttribute, DescribeImageSharePermission,
// ModifyImageSharePermission (AddAccount.N / RemoveAccount.N), ExportImage (OSSBucket,
// OSSPrefix, ImageFormat), DeleteImage. An action the server answers InvalidAction.* to is
// hidden from then on (res-common.js supported()).

import { pageAll } from '../api.js';
import { h, statusBadge, toast, confirmDialog, formDialog, errorText } from '../ui.js';
import {
  listPage, idCell, timeCell, rowButton, headButton, rowActions, linkButton, run, api, supported,
  isTransitional, hashQuery, uid, nameOr, isUnsupported,
} from './res-common.js';

const OWNERS = [
  { value: 'system', label: 'Public images' },
  { value: 'self', label: 'My images' },
  { value: 'others', label: 'Shared with me' },
];
// Every status an image of one's own may have (DescribeImages lists Available ones by default).
const OWN_STATUSES = 'Creating,Waiting,Available,UnAvailable,CreateFailed';

function imagesPage(container, params) {
  let ctl;
  const q = hashQuery(params);
  let owner = OWNERS.some((o) => o.value === q.get('owner')) ? q.get('owner') : 'system';
  const refresh = () => ctl.refresh();

  const selectId = uid('owner');
  const ownerSelect = h('select', { id: selectId },
    OWNERS.map((o) => h('option', { value: o.value, selected: o.value === owner }, o.label)));
  ownerSelect.addEventListener('change', () => {
    owner = ownerSelect.value;
    history.replaceState(null, '', `#/images?owner=${owner}`);
    importBtn.hidden = !supported('ecs', 'ImportImage');
    refresh();
  });
  const filters = h('div', { class: 'res-filter' }, h('label', { for: selectId }, 'Show'), ownerSelect);

  async function importImage(btn) {
    const v = await formDialog({
      title: 'Import an image', submitLabel: 'Import',
      text: 'OpenECS fetches the disk image (qcow2, raw, vmdk or vhd) and makes it a custom image. Progress shows under Tasks.',
      fields: [
        { name: 'ImageName', label: 'Image name', type: 'text', required: true, placeholder: 'debian-12-custom' },
        { name: 'OSSObject', label: 'Image URL or file', type: 'text', required: true, placeholder: 'https://example.com/disk.qcow2', help: 'An http(s) URL, or the name of a file in the bucket below.' },
        { name: 'OSSBucket', label: 'Exchange bucket (optional)', type: 'text', help: 'A directory under <data>/exchange/ on the server; leave empty for a URL.' },
        { name: 'Format', label: 'Format', type: 'select', value: 'qcow2', options: ['qcow2', 'raw', 'vmdk', 'vhd'].map((f) => ({ value: f, label: f })) },
        { name: 'OSType', label: 'OS type', type: 'select', value: 'linux', options: [{ value: 'linux', label: 'Linux' }, { value: 'windows', label: 'Windows' }] },
        { name: 'Architecture', label: 'Architecture', type: 'select', value: 'x86_64', options: [{ value: 'x86_64', label: 'x86_64' }, { value: 'arm64', label: 'arm64' }] },
        { name: 'Platform', label: 'Platform', type: 'text', placeholder: 'Debian', help: 'The distribution, e.g. Debian, Ubuntu, CentOS.' },
        { name: 'Description', label: 'Description', type: 'text' },
      ],
      validate: (x) => (!x.ImageName.trim() ? 'Name the image.' : !x.OSSObject.trim() ? 'Give the image URL or file.' : null),
    });
    if (!v) return;
    await run(btn, () => api('ecs', 'ImportImage', {
      ImageName: v.ImageName.trim(), OSType: v.OSType, Architecture: v.Architecture, Platform: v.Platform,
      Description: v.Description,
      DiskDeviceMapping: [{ OSSObject: v.OSSObject.trim(), OSSBucket: v.OSSBucket.trim(), Format: v.Format }],
    }), {
      success: (r) => `Importing image ${r.ImageId}${r.TaskId ? ` (task ${r.TaskId})` : ''}.`,
      after: () => {
        importBtn.hidden = !supported('ecs', 'ImportImage');
        if (owner !== 'self') { ownerSelect.value = 'self'; ownerSelect.dispatchEvent(new Event('change')); return undefined; }
        return refresh();
      },
    });
  }

  async function copy(btn, img) {
    const v = await formDialog({
      title: `Copy image ${img.ImageId}`, submitLabel: 'Copy',
      fields: [
        { name: 'DestinationImageName', label: 'Name of the copy', type: 'text', value: `${img.ImageName || img.ImageId}-copy` },
        { name: 'DestinationDescription', label: 'Description', type: 'text', value: img.Description || '' },
      ],
    });
    if (!v) return;
    await run(btn, () => api('ecs', 'CopyImage', { ImageId: img.ImageId, ...v }), {
      success: (r) => `Copying to ${r.ImageId}.`, after: refresh,
    });
  }

  async function edit(btn, img) {
    const v = await formDialog({
      title: `Edit image ${img.ImageId}`, submitLabel: 'Save',
      fields: [
        { name: 'ImageName', label: 'Name', type: 'text', value: img.ImageName || '' },
        { name: 'Description', label: 'Description', type: 'text', value: img.Description || '' },
      ],
    });
    if (!v) return;
    await run(btn, () => api('ecs', 'ModifyImageAttribute', { ImageId: img.ImageId, ImageName: v.ImageName, Description: v.Description }), {
      success: `Image ${img.ImageId} saved.`, after: refresh,
    });
  }

  async function share(btn, img) {
    let accounts = [];
    try {
      const body = await api('ecs', 'DescribeImageSharePermission', { ImageId: img.ImageId, PageSize: 100 });
      accounts = ((body.Accounts && body.Accounts.Account) || []).map((a) => String(a.AliyunId));
    } catch (e) {
      toast(isUnsupported(e) ? 'This server does not support image sharing.' : errorText(e), 'error');
      if (isUnsupported(e)) refresh();
      return;
    }
    const v = await formDialog({
      title: `Share image ${img.ImageId}`, submitLabel: 'Save sharing',
      text: accounts.length ? `Shared with ${accounts.length} account${accounts.length > 1 ? 's' : ''}. Untick one to stop sharing with it.` : 'Not shared with any account yet.',
      fields: [
        ...accounts.map((a) => ({ name: `keep:${a}`, label: `Account ${a}`, type: 'checkbox', value: true })),
        { name: 'add', label: 'Share with accounts', type: 'text', placeholder: '1234567890123456', help: 'Account IDs, separated by commas.' },
      ],
      validate: (x) => (String(x.add || '').split(/[\s,]+/).filter(Boolean).some((a) => !/^\d+$/.test(a)) ? 'Account IDs are numbers.' : null),
    });
    if (!v) return;
    const add = String(v.add || '').split(/[\s,]+/).filter(Boolean).filter((a) => !accounts.includes(a));
    const removeList = accounts.filter((a) => !v[`keep:${a}`]);
    if (!add.length && !removeList.length) { toast('Nothing changed.', 'info'); return; }
    await run(btn, () => api('ecs', 'ModifyImageSharePermission', { ImageId: img.ImageId, AddAccount: add, RemoveAccount: removeList }), {
      success: `Sharing of ${img.ImageId} saved.`, after: refresh,
    });
  }

  async function exportImage(btn, img) {
    const v = await formDialog({
      title: `Export image ${img.ImageId}`, submitLabel: 'Export',
      text: 'OpenECS writes the image file into an exchange bucket: a directory under <data>/exchange/ on the server.',
      fields: [
        { name: 'OSSBucket', label: 'Bucket', type: 'text', required: true, placeholder: 'exports' },
        { name: 'OSSPrefix', label: 'File name prefix', type: 'text', placeholder: 'backup-' },
        { name: 'ImageFormat', label: 'Format', type: 'select', value: 'qcow2', options: ['qcow2', 'raw', 'vmdk', 'vhd'].map((f) => ({ value: f, label: f })) },
      ],
      validate: (x) => (x.OSSBucket.trim() ? null : 'Name the bucket.'),
    });
    if (!v) return;
    await run(btn, () => api('ecs', 'ExportImage', { ImageId: img.ImageId, OSSBucket: v.OSSBucket.trim(), OSSPrefix: v.OSSPrefix, ImageFormat: v.ImageFormat }), {
      success: (r) => `Exporting ${img.ImageId}${r.TaskId ? `: task ${r.TaskId}, see Tasks` : ''}.`, after: refresh,
    });
  }

  async function remove(btn, img) {
    const v = await formDialog({
      title: `Delete image ${img.ImageId}?`, submitLabel: 'Delete image', danger: true,
      text: `${nameOr(img.ImageId, img.ImageName)} is deleted. Instances made from it keep running, but cannot re-initialise their system disk from it.`,
      fields: [{ name: 'Force', label: 'Delete even if instances use it', type: 'checkbox', value: false }],
    });
    if (!v) return;
    await run(btn, () => api('ecs', 'DeleteImage', { ImageId: img.ImageId, Force: v.Force || undefined }), {
      success: `Image ${img.ImageId} deleted.`, after: refresh,
    });
  }

  const importBtn = headButton('Import image', (ev) => importImage(ev.currentTarget), { kind: 'primary' });

  ctl = listPage(container, {
    title: 'Images', noun: 'images',
    subtitle: 'Operating system images to launch instances from: public ones, your own, and ones shared with you.',
    actions: [importBtn],
    filters,
    load: () => pageAll('DescribeImages', {
      ImageOwnerAlias: owner, Status: owner === 'self' ? OWN_STATUSES : undefined,
    }, 'Images.Image', 'ecs'),
    rowKey: (i) => i.ImageId,
    search: (i) => [i.ImageId, i.ImageName, i.OSName, i.Platform],
    searchPlaceholder: 'Image name, ID or OS',
    empty: () => (owner === 'self' ? 'You have no custom images. Create one from an instance or a system-disk snapshot, or import one.'
      : owner === 'others' ? 'No image is shared with you.' : 'No public images.'),
    transitional: (i) => isTransitional(i.Status),
    columns: [
      { label: 'Image', render: (i) => idCell(i.ImageId, i.ImageName) },
      {
        label: 'Status',
        render: (i) => h('span', {}, statusBadge(i.Status), isTransitional(i.Status) && i.Progress ? h('span', { class: 'res-progress' }, ` ${i.Progress}`) : null),
      },
      { label: 'Operating system', render: (i) => i.OSName || i.Platform || i.OSType || '—' },
      { label: 'Architecture', render: (i) => i.Architecture || '—' },
      { label: 'Size', render: (i) => (i.Size ? `${i.Size} GiB` : '—') },
      {
        label: 'Owner',
        render: (i) => (i.ImageOwnerAlias === 'self' ? (i.IsSelfShared === 'True' || i.IsSelfShared === true ? 'Me (shared)' : 'Me')
          : i.ImageOwnerAlias === 'others' ? `Account ${i.ImageOwnerId || '?'}` : 'Public'),
      },
      { label: 'Created', render: (i) => timeCell(i.CreationTime) },
      {
        label: 'Actions',
        render: (i) => {
          const usable = i.Status === 'Available';
          const mine = i.ImageOwnerAlias === 'self';
          const b = [];
          if (usable) b.push(linkButton('Launch', `#/wizard?image=${encodeURIComponent(i.ImageId)}`, { ariaLabel: `Launch an instance from image ${i.ImageId}` }));
          if (mine && usable) {
            if (supported('ecs', 'CopyImage')) b.push(rowButton('Copy', (ev) => copy(ev.currentTarget, i), { ariaLabel: `Copy image ${i.ImageId}` }));
            if (supported('ecs', 'ModifyImageAttribute')) b.push(rowButton('Edit', (ev) => edit(ev.currentTarget, i), { ariaLabel: `Edit image ${i.ImageId}` }));
            if (supported('ecs', 'ModifyImageSharePermission') && supported('ecs', 'DescribeImageSharePermission')) b.push(rowButton('Share', (ev) => share(ev.currentTarget, i), { ariaLabel: `Share image ${i.ImageId}` }));
            if (supported('ecs', 'ExportImage')) b.push(rowButton('Export', (ev) => exportImage(ev.currentTarget, i), { ariaLabel: `Export image ${i.ImageId}` }));
          }
          if (mine && !isTransitional(i.Status)) b.push(rowButton('Delete', (ev) => remove(ev.currentTarget, i), { kind: 'danger', ariaLabel: `Delete image ${i.ImageId}` }));
          return b.length ? rowActions(...b) : '—';
        },
      },
    ],
  });
  return () => ctl.stop();
}

export function register(registerPage) {
  registerPage('/images', { title: 'Images', nav: 'Images', group: 'Compute', render: imagesPage });
}
