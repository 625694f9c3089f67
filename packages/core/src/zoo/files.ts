/**
 * The generic parts of the model zoo: how a published file is described (direct download or by hand, the
 * checksum prefix the publisher encodes in its name). The entries themselves (which checkpoint, which network,
 * which pre/post-processing) live with the head that runs them (`@hrnetjs/head-pose` → `POSE_ZOO`, …).
 * Checksums are never guessed: an entry has `sha256Prefix` only where the published file name carries one
 * (OpenMMLab `-xxxxxxxx_date.pth`, torch.hub/timm `-xxxxxxxx.pth`), and no checksum at all otherwise
 * (OneDrive / Google Drive files).
 */
import type { ZooFile } from './types.js';

/** `name-<hex>.pth` or `name-<hex>_<date>.pth` → the hex (a SHA-256 prefix by the publishers' convention). */
export function sha256PrefixFromFileName(fileName: string): string | undefined {
  const m = /-([0-9a-f]{8,64})(?:_\d{8}(?:_\d{6})?)?\.pth(?:\.tar)?$/.exec(fileName);
  return m?.[1];
}

/** A file served directly at `url` (its name and checksum prefix read from the URL). */
export function directFile(url: string): ZooFile {
  const fileName = url.slice(url.lastIndexOf('/') + 1);
  const prefix = sha256PrefixFromFileName(fileName);
  return { url, fileName, direct: true, ...(prefix ? { sha256Prefix: prefix } : {}) };
}

/** A file behind a share page (OneDrive, Google Drive): downloaded by hand into the cache as `fileName`. */
export function byHandFile(url: string, fileName: string, mirrors: string[] = []): ZooFile {
  return { url, fileName, direct: false, ...(mirrors.length ? { mirrors } : {}) };
}
