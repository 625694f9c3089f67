/**
 * The checkpoint cache: zoo files are downloaded once into `<cache>/<origin>/<file name>` and used from there
 * (offline too). Where a download cannot happen (a share link that needs a browser, no network, `--offline`)
 * the error says exactly which file to place where.
 */
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import type { ZooEntry } from '@hrnetjs/core';
import { CliError } from './exit-codes.js';
import { type DownloadOptions, DownloadError, checksumMatches, downloadFile, sha256File } from './download.js';

/** `--cache-dir`, else `$HRNET_CACHE`, else `$XDG_CACHE_HOME/hrnet-js`, else `~/.cache/hrnet-js`. */
export function cacheDir(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.HRNET_CACHE) return process.env.HRNET_CACHE;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg || join(homedir(), '.cache'), 'hrnet-js');
}

export function zooFilePath(entry: ZooEntry, dir: string): string {
  return join(dir, entry.origin, entry.file.fileName);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

export interface FetchOptions extends DownloadOptions {
  cacheDir?: string;
  offline?: boolean;
  /** Where to say things (download progress, "using cached …"). */
  log?: (line: string) => void;
  /** Replace the zoo URL. */
  urlOverride?: string;
  /** A mirror serving `<mirror>/<origin>/<file name>` (self-hosted copies; the tests' local server). */
  mirror?: string;
}

function placeHint(entry: ZooEntry, path: string): string {
  const f = entry.file;
  const mirrors = f.mirrors?.length ? ` (mirrors: ${f.mirrors.join(', ')})` : '';
  const check = f.sha256 ?? f.sha256Prefix;
  return (
    `download '${f.fileName}' from ${f.url}${mirrors} and place it at\n  ${path}\n` +
    (check ? `(its SHA-256 must start with ${check})` : '(no checksum is published for this file)')
  );
}

/** A verified stamp next to the file: size + mtime, so a cached file is hashed once, not on every run. */
async function verifiedBefore(path: string): Promise<boolean> {
  try {
    const stamp = JSON.parse(await readFile(`${path}.verified`, 'utf8')) as { size: number; sha256: string };
    const { size } = await import('node:fs/promises').then((m) => m.stat(path));
    return stamp.size === size;
  } catch {
    return false;
  }
}

async function stampVerified(path: string, sha256: string): Promise<void> {
  const { size } = await import('node:fs/promises').then((m) => m.stat(path));
  await writeFile(`${path}.verified`, JSON.stringify({ size, sha256 }));
}

/** The local path of a zoo entry's checkpoint, downloading it first when needed and possible. */
export async function fetchZooFile(entry: ZooEntry, options: FetchOptions = {}): Promise<string> {
  const dir = cacheDir(options.cacheDir);
  const path = zooFilePath(entry, dir);
  const expected = entry.file.sha256 ?? entry.file.sha256Prefix;
  if (await exists(path)) {
    if (expected && !(await verifiedBefore(path))) {
      const actual = await sha256File(path);
      if (!checksumMatches(actual, expected)) {
        throw new CliError(
          `cached file ${path} has SHA-256 ${actual}, expected one starting ${expected}: delete it and run again, or ${placeHint(entry, path)}`,
        );
      }
      await stampVerified(path, actual);
    }
    options.log?.(`using cached ${path}`);
    return path;
  }
  const mirrored = options.mirror ? `${options.mirror.replace(/\/$/, '')}/${entry.origin}/${encodeURIComponent(entry.file.fileName)}` : undefined;
  const url = options.urlOverride ?? mirrored ?? entry.file.url;
  if (!entry.file.direct && url === entry.file.url) {
    throw new CliError(`'${entry.name}' cannot be downloaded automatically (a share link that needs a browser): ${placeHint(entry, path)}`);
  }
  if (options.offline) throw new CliError(`offline and '${entry.name}' is not in the cache: ${placeHint(entry, path)}`);
  await mkdir(join(dir, entry.origin), { recursive: true });
  options.log?.(`downloading ${entry.name} from ${url}`);
  try {
    const r = await downloadFile(url, path, { ...options, sha256: expected, label: options.label ?? entry.file.fileName });
    await stampVerified(path, r.sha256);
    options.log?.(`saved ${path} (${r.bytes} bytes${r.resumedFrom ? `, resumed from ${r.resumedFrom}` : ''}; SHA-256 ${r.sha256.slice(0, 16)}…)`);
    return path;
  } catch (e) {
    if (e instanceof DownloadError && e.status === undefined && !/checksum/.test(e.message)) {
      // no network (or a stall): say where the file goes so it can be placed by hand
      throw new CliError(`${e.message}\nWithout network: ${placeHint(entry, path)}`);
    }
    throw e;
  }
}

/** `--weights https://…`: downloaded once into `<cache>/urls/<hash>-<name>`. */
export async function fetchUrl(url: string, options: FetchOptions = {}): Promise<string> {
  const dir = cacheDir(options.cacheDir);
  const name = basename(new URL(url).pathname) || 'weights';
  const path = join(dir, 'urls', `${createHash('sha256').update(url).digest('hex').slice(0, 12)}-${name}`);
  if (await exists(path)) return path;
  if (options.offline) throw new CliError(`offline and ${url} is not in the cache: download it and place it at\n  ${path}`);
  await downloadFile(url, path, { ...options, label: options.label ?? name });
  return path;
}
