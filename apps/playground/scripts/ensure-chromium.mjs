#!/usr/bin/env node
// The browser tests drive a real Chromium through playwright-core, which downloads no browser. On a fresh
// machine (Node and npm only) this installs Debian's chromium when it is missing, so `pnpm test` needs no
// step by hand. CHROMIUM_PATH points at another Chromium/Chrome and skips all of this.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(path)) process.exit(0);
if (process.env.CHROMIUM_PATH) {
  console.error(`ensure-chromium: CHROMIUM_PATH=${path} does not exist`);
  process.exit(1);
}

function has(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// root runs apt-get itself; anyone else only through a sudo that asks no password
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const prefix = isRoot ? [] : has('sudo') ? ['sudo', '-n'] : null;
if (!has('apt-get') || prefix === null) {
  console.error(
    `ensure-chromium: no Chromium at ${path}, and this machine cannot install Debian's package here ` +
      `(${has('apt-get') ? 'not root and no password-less sudo' : 'no apt-get'}). Install Chromium or Chrome and set CHROMIUM_PATH to it.`,
  );
  process.exit(1);
}
console.log(`ensure-chromium: no Chromium at ${path}; installing Debian's chromium (apt-get, a minute or two)`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
const run = (args) => {
  const [cmd, ...rest] = [...prefix, ...args];
  execFileSync(cmd, rest, { stdio: ['ignore', 'inherit', 'inherit'], env });
};
run(['apt-get', 'update', '-qq']);
run(['apt-get', 'install', '-y', '-qq', 'chromium']);
if (!existsSync(path)) {
  console.error(`ensure-chromium: apt-get installed chromium, but ${path} is still missing`);
  process.exit(1);
}
