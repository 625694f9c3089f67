/**
 * Checkpoint downloads: resumable (HTTP Range on a `.part` file), verified (SHA-256, full or the published
 * prefix), with an idle timeout so a stalled server fails instead of hanging, and redirects followed
 * (GitHub release links redirect to their storage).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { dirname } from 'node:path';
import { CliError } from './exit-codes.js';
import { Progress } from './progress.js';

export interface DownloadOptions {
  /** Full SHA-256 (hex) or a leading part of it; the file is rejected (and removed) when it differs. */
  sha256?: string;
  /** Fail when no byte arrives for this long (default 30 s). */
  idleTimeoutMs?: number;
  /** Give up on the whole download after this long (default: none). */
  totalTimeoutMs?: number;
  /** Show a progress bar on this stream (count, rate, ETA). */
  progress?: NodeJS.WritableStream | null;
  label?: string;
  maxRedirects?: number;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** Bytes that were already there from an interrupted download. */
  resumedFrom: number;
  sha256: string;
}

export class DownloadError extends CliError {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'DownloadError';
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export function checksumMatches(actual: string, expected: string): boolean {
  return actual.toLowerCase().startsWith(expected.toLowerCase());
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

interface Attempt {
  status: number;
  headers: http.IncomingHttpHeaders;
  res: http.IncomingMessage;
  req: http.ClientRequest;
}

function request(url: string, headers: Record<string, string>, timeoutMs: number): Promise<Attempt> {
  return new Promise((resolvePromise, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : u.protocol === 'http:' ? http : null;
    if (!mod) {
      reject(new DownloadError(`cannot download '${url}': only http and https URLs are supported`));
      return;
    }
    let responded = false;
    const req = mod.get(u, { headers: { 'user-agent': 'hrnet-js-cli', ...headers } }, (res) => {
      // the response came: from here the body's own idle timeout applies (set by the caller)
      responded = true;
      resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, res, req });
    });
    req.setTimeout(timeoutMs, () => {
      if (!responded) req.destroy(new DownloadError(`no response from ${u.host} within ${timeoutMs} ms`));
    });
    req.on('error', (e) =>
      reject(e instanceof DownloadError ? e : new DownloadError(`cannot reach ${u.host}: ${(e as NodeJS.ErrnoException).code ?? e.message}`)),
    );
  });
}

/**
 * Downloads `url` to `dest`. An existing `dest.part` is resumed with a Range request (a server that ignores
 * Range restarts from zero). The file appears at `dest` only once complete and verified.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const idle = options.idleTimeoutMs ?? 30_000;
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  let have = await sizeOf(part);
  const resumedFrom = have;
  let current = url;
  let attempt: Attempt | undefined;
  for (let redirects = 0; ; redirects++) {
    attempt = await request(current, have > 0 ? { range: `bytes=${have}-` } : {}, idle);
    const loc = attempt.headers.location;
    if (attempt.status >= 300 && attempt.status < 400 && loc) {
      attempt.res.resume();
      if (redirects >= (options.maxRedirects ?? 5)) throw new DownloadError(`too many redirects downloading ${url}`);
      current = new URL(loc, current).toString();
      continue;
    }
    break;
  }
  const { status, headers, res, req } = attempt;
  if (status === 416 && have > 0) {
    // Range not satisfiable: the part file is already complete (or larger than the file); verify below.
    res.resume();
  } else if (status !== 200 && status !== 206) {
    res.resume();
    throw new DownloadError(`download of ${url} failed: HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`, status);
  } else {
    if (status === 200) have = 0; // the server sent the whole file
    const length = Number(headers['content-length'] ?? NaN);
    const total = Number.isFinite(length) ? have + length : 0;
    const bar = options.progress
      ? new Progress({ total, label: options.label ?? 'download', unit: 'bytes', stream: options.progress, initial: have })
      : null;
    const out = createWriteStream(part, { flags: have > 0 ? 'a' : 'w' });
    let received = have;
    let deadline: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolvePromise, reject) => {
        if (options.totalTimeoutMs) {
          deadline = setTimeout(
            () => req.destroy(new DownloadError(`download of ${url} took longer than ${options.totalTimeoutMs} ms (kept ${received} bytes in ${part}; run again to resume)`)),
            options.totalTimeoutMs,
          );
        }
        // an idle timeout on the body too: a server that stops sending fails, the part file stays for resume
        res.setTimeout(idle, () =>
          req.destroy(new DownloadError(`download of ${url} stalled: no data for ${idle} ms (kept ${received} bytes in ${part}; run again to resume)`)),
        );
        res.on('data', (chunk: Buffer) => {
          received += chunk.length;
          bar?.update(received);
        });
        res.on('error', reject);
        req.on('error', reject);
        out.on('error', reject);
        res.pipe(out);
        out.on('finish', () => resolvePromise());
      });
    } catch (e) {
      out.destroy();
      throw e instanceof DownloadError ? e : new DownloadError(`download of ${url} failed: ${(e as Error).message} (kept ${received} bytes; run again to resume)`);
    } finally {
      if (deadline) clearTimeout(deadline);
      bar?.finish();
    }
    if (total > 0 && received !== total) {
      throw new DownloadError(`download of ${url} ended early: ${received} of ${total} bytes (run again to resume)`);
    }
  }
  const sha256 = await sha256File(part);
  if (options.sha256 && !checksumMatches(sha256, options.sha256)) {
    await rm(part, { force: true });
    throw new DownloadError(
      `checksum mismatch for ${url}: expected SHA-256 starting ${options.sha256}, got ${sha256}; the file was removed`,
    );
  }
  await rename(part, dest);
  return { path: dest, bytes: await sizeOf(dest), resumedFrom, sha256 };
}
