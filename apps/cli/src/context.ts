import type { FetchOptions } from './cache.js';

/** What every command gets: where to write, the active backend, download settings. */
export interface Context {
  /** Results for the user (tables, JSON, paths): stdout. */
  out: (text: string) => void;
  /** Progress and informational lines: stderr, so stdout stays machine-readable. */
  log: (line: string) => void;
  err: (line: string) => void;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  backend: string;
  verbose: boolean;
  fetchOptions: FetchOptions;
}
