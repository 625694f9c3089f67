#!/usr/bin/env node
import { run } from './main.js';

// The exit code says how the run went (see README "Exit codes"); output was already written.
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`hrnet: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);
