// console/js/pages/resources.js — registers the console's resource pages with the router.
//
// The pages live in res-*.js next to this file:
//   res-storage.js   /disks, /snapshots, /snapshot-policies
//   res-images.js    /images
//   res-network.js   /vpcs, /vswitches, /route-tables, /route-tables/:id, /eips, /enis
//   res-security.js  /security-groups, /security-groups/:id (the rule editor), /key-pairs
//   res-tasks.js     /tasks
//   res-common.js    the list page, dialogs and lookups they share
// Their extra styles are in /console/css/resources.css, linked once from here.

import { register as storage } from './res-storage.js';
import { register as images } from './res-images.js';
import { register as network } from './res-network.js';
import { register as security } from './res-security.js';
import { register as tasks } from './res-tasks.js';

const STYLESHEET = '/console/css/resources.css';

export function linkStyles() {
  if (typeof document === 'undefined') return;
  const have = [...document.querySelectorAll('link[rel="stylesheet"]')]
    .some((l) => (l.getAttribute('href') || '').endsWith('/css/resources.css'));
  if (have) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = STYLESHEET;
  document.head.append(link);
}

export function register(registerPage) {
  linkStyles();
  storage(registerPage);
  images(registerPage);
  network(registerPage);
  security(registerPage);
  tasks(registerPage);
}
