/**
 * Runs one load in a fresh process and prints what it cost (peak RSS, wall time) as JSON, so that memory bounds
 * are checked without allocating gigabytes in the test process. Usage: child.ts <file> [options JSON].
 */
import { readFileSync } from 'node:fs';
import { CheckpointError } from '../../../src/errors.js';
import { loadCheckpoint } from '../../../src/io/index.js';

const [file, opts] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(file!));
const rssBefore = process.resourceUsage().maxRSS;
const t0 = performance.now();
let outcome: Record<string, unknown>;
try {
  const sd = loadCheckpoint(bytes, opts ? JSON.parse(opts) : {});
  outcome = { result: 'ok', keys: sd.size };
} catch (e) {
  const err = e as Error;
  outcome = { result: e instanceof CheckpointError ? 'refused' : 'other', name: err?.name, message: String(err?.message).slice(0, 600) };
}
const ms = performance.now() - t0;
console.log(JSON.stringify({ ...outcome, ms, fileMB: bytes.length / 2 ** 20, rssBeforeMB: rssBefore / 1024, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
