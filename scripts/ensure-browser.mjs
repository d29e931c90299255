#!/usr/bin/env node
// Before the browser tests: make sure a Chromium is there. On Debian/Ubuntu it installs the distribution's
// chromium with apt-get when missing (Playwright's own browser download is not used). Elsewhere, point
// CHROMIUM_PATH at a Chromium or Chrome binary.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
if (process.env.CHROMIUM_PATH) {
  console.error(`CHROMIUM_PATH=${path} does not exist.`);
  process.exit(1);
}
if (!existsSync('/usr/bin/apt-get')) {
  console.error('No Chromium at /usr/bin/chromium and no apt-get: install Chromium and set CHROMIUM_PATH to its binary.');
  process.exit(1);
}
const asRoot = process.getuid?.() === 0 ? [] : ['sudo'];
const apt = (...args) => {
  const [cmd, ...rest] = [...asRoot, 'apt-get', ...args];
  execFileSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
};
console.log('Installing Debian\'s chromium for the browser tests (apt-get)…');
apt('update');
apt('install', '-y', '--no-install-recommends', 'chromium');
