import { inflateSync } from 'fflate';
import { CheckpointError } from '../errors.js';
import { decodeLatin1, decodeUtf8 } from './bytes.js';
import { crc32 } from './crc32.js';

/**
 * A zip reader for checkpoints (torch.save writes stored, 64-byte aligned entries). Ours rather than fflate's
 * `unzipSync` because a hostile directory must be refused before anything is allocated: fflate trusts the
 * entry count (a corrupt zip64 count loops for minutes), lets many entries point at one compressed stream
 * (16 entries × one 64 MiB stream → 1 GB), copies stored entries, and never checks CRC-32. Here every entry is
 * checked against the file (its local header, its data range, no two entries overlapping), stored entries
 * are views of the file (no copy), and every entry read is checked against its CRC-32.
 */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflate. */
  compression: number;
  compressedSize: number;
  size: number;
  crc: number;
  headerStart: number;
  dataStart: number;
}

const EOCD = 0x06054b50;
const ZIP64_EOCD = 0x06064b50;
const ZIP64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function corrupt(msg: string): never {
  throw new CheckpointError(`corrupt zip: ${msg}`);
}

/** List a zip's entries, each checked against the file's bytes. Throws CheckpointError on anything inconsistent. */
export function readZipDirectory(bytes: Uint8Array): ZipEntry[] {
  const len = bytes.length;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => dv.getUint16(at, true);
  const u32 = (at: number) => dv.getUint32(at, true);
  const u64 = (at: number) => {
    const hi = u32(at + 4);
    if (hi > 0x1fffff) corrupt(`64-bit field at byte ${at} is absurd`);
    return u32(at) + hi * 2 ** 32;
  };
  if (len < 22) throw new CheckpointError(`truncated zip checkpoint: ${len} bytes hold no end-of-directory record`);
  let e = len - 22;
  const stop = Math.max(0, e - 65535);
  while (e >= stop && u32(e) !== EOCD) e--;
  if (e < stop) throw new CheckpointError('truncated or corrupt zip checkpoint: no end-of-directory record (the file is cut off?)');
  let count = Math.max(u16(e + 8), u16(e + 10));
  let cdSize = u32(e + 12);
  let offset = u32(e + 16);
  let cdEnd = e;
  if ((count === 0xffff || offset === 0xffffffff || cdSize === 0xffffffff) && e >= 20 && u32(e - 20) === ZIP64_LOCATOR) {
    const ze = u64(e - 12);
    if (ze + 56 > e || u32(ze) !== ZIP64_EOCD) corrupt(`zip64 end-of-directory record at byte ${ze} is missing`);
    count = Math.max(u64(ze + 24), u64(ze + 32));
    cdSize = u64(ze + 40);
    offset = u64(ze + 48);
    cdEnd = ze;
  }
  const most = Math.floor(len / 46); // every central directory entry takes at least 46 bytes
  if (count > most) corrupt(`directory claims ${count} entries; a ${len}-byte file holds at most ${most}`);
  if (offset > len) corrupt(`directory starts at byte ${offset} of a ${len}-byte file`);
  if (offset + cdSize > cdEnd) corrupt(`directory (bytes ${offset}..${offset + cdSize}) runs past its end record at byte ${cdEnd}`);

  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let p = offset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdEnd || u32(p) !== CENTRAL) corrupt(`directory entry ${i} of ${count} at byte ${p} is missing`);
    const flags = u16(p + 8);
    const compression = u16(p + 10);
    const crc = u32(p + 16);
    let compressedSize = u32(p + 20);
    let size = u32(p + 24);
    const nameLen = u16(p + 28);
    const extraLen = u16(p + 30);
    const commentLen = u16(p + 32);
    let headerStart = u32(p + 42);
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cdEnd) corrupt(`directory entry ${i} runs past the directory`);
    const rawName = bytes.subarray(p + 46, p + 46 + nameLen);
    const name = flags & 0x800 ? decodeUtf8(rawName) : decodeLatin1(rawName);
    const shown = JSON.stringify(name.slice(0, 100));
    if (flags & 1) throw new CheckpointError(`zip entry ${shown} is encrypted, which no checkpoint is`);
    // zip64 extended information: the 64-bit values of the fields that read 0xffffffff, in this order
    for (let x = p + 46 + nameLen, xe = x + extraLen; x + 4 <= xe; ) {
      const id = u16(x);
      const n = u16(x + 2);
      if (x + 4 + n > xe) corrupt(`extra field of entry ${shown} runs past its end`);
      if (id === 1) {
        let at = x + 4;
        const take = (): number => {
          if (at + 8 > x + 4 + n) corrupt(`zip64 field of entry ${shown} is too short`);
          const v = u64(at);
          at += 8;
          return v;
        };
        if (size === 0xffffffff) size = take();
        if (compressedSize === 0xffffffff) compressedSize = take();
        if (headerStart === 0xffffffff) headerStart = take();
      }
      x += 4 + n;
    }
    if (names.has(name)) corrupt(`two entries are named ${shown}`);
    names.add(name);
    if (headerStart + 30 > offset || u32(headerStart) !== LOCAL) corrupt(`entry ${shown}: no local header at byte ${headerStart}`);
    const dataStart = headerStart + 30 + u16(headerStart + 26) + u16(headerStart + 28);
    if (dataStart + compressedSize > offset) {
      corrupt(`entry ${shown}: data (bytes ${dataStart}..${dataStart + compressedSize}) runs past the entries, which end at byte ${offset}`);
    }
    if (compression === 0 && compressedSize !== size) corrupt(`stored entry ${shown} has two sizes (${compressedSize} and ${size})`);
    entries.push({ name, compression, compressedSize, size, crc, headerStart, dataStart });
    p = next;
  }
  // No two entries may share bytes: many entries over one compressed stream multiply what it inflates to.
  const order = entries.slice().sort((a, b) => a.headerStart - b.headerStart);
  for (let i = 1; i < order.length; i++) {
    const prev = order[i - 1]!;
    const cur = order[i]!;
    if (cur.headerStart < prev.dataStart + prev.compressedSize) {
      corrupt(`entries ${JSON.stringify(prev.name.slice(0, 100))} and ${JSON.stringify(cur.name.slice(0, 100))} overlap (bytes from ${cur.headerStart})`);
    }
  }
  return entries;
}

/**
 * The bytes of one entry: a view of the file for a stored entry, an inflated copy for a deflated one. The caller
 * has already bounded `entry.size` (see readTorchZip's budget). The CRC-32 is always checked: one flipped byte in
 * a stored weight would otherwise load as a silently wrong value.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry): Uint8Array {
  const src = bytes.subarray(entry.dataStart, entry.dataStart + entry.compressedSize);
  const shown = JSON.stringify(entry.name.slice(0, 100));
  let data: Uint8Array;
  if (entry.compression === 0) data = src;
  else if (entry.compression === 8) {
    try {
      data = inflateSync(src, { out: new Uint8Array(entry.size) });
    } catch (e) {
      throw new CheckpointError(`corrupt zip: entry ${shown} does not inflate (${String((e as Error)?.message).slice(0, 200)})`);
    }
    if (data.length !== entry.size) {
      throw new CheckpointError(`truncated zip checkpoint: entry ${shown} holds ${data.length} of its ${entry.size} bytes`);
    }
  } else {
    throw new CheckpointError(`zip entry ${shown} uses compression method ${entry.compression}; only stored (0) and deflate (8) are read`);
  }
  const found = crc32(data);
  if (found !== entry.crc) {
    throw new CheckpointError(
      `corrupt zip: entry ${shown} fails its CRC-32 check (the directory says ${hex(entry.crc)}, the bytes give ${hex(found)}): ` +
        'the file was damaged in transfer or edited; download it again',
    );
  }
  return data;
}

function hex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}
