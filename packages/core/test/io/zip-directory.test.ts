import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint } from '../../src/index.js';

/**
 * Issue 15 finding 2: a zip64 end-of-directory record whose entry count is corrupt (3,212,431,825) made the
 * unzip loop walk phantom directory entries for minutes. Build such a file from a tiny real zip.
 */
function zip64WithCount(count: number): Uint8Array {
  const zip = zipSync({ 'a/data.pkl': new Uint8Array([0x80, 0x02, 0x7d, 0x71, 0x00, 0x2e]) }, { level: 0 });
  const eocd = zip.length - 22; // zipSync writes no comment
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.length);
  expect(dv.getUint32(eocd, true)).toBe(0x06054b50);
  const cdSize = dv.getUint32(eocd + 12, true);
  const cdOffset = dv.getUint32(eocd + 16, true);
  const out = new Uint8Array(eocd + 56 + 20 + 22);
  out.set(zip.subarray(0, eocd));
  const o = new DataView(out.buffer);
  const z = eocd; // zip64 end of central directory record
  o.setUint32(z, 0x06064b50, true);
  o.setBigUint64(z + 4, 44n, true);
  o.setUint16(z + 12, 45, true);
  o.setUint16(z + 14, 45, true);
  o.setBigUint64(z + 24, BigInt(count), true);
  o.setBigUint64(z + 32, BigInt(count), true);
  o.setBigUint64(z + 40, BigInt(cdSize), true);
  o.setBigUint64(z + 48, BigInt(cdOffset), true);
  const l = z + 56; // zip64 locator
  o.setUint32(l, 0x07064b50, true);
  o.setBigUint64(l + 8, BigInt(z), true);
  o.setUint32(l + 16, 1, true);
  const e = l + 20; // classic record saying "see zip64"
  o.setUint32(e, 0x06054b50, true);
  o.setUint16(e + 8, 0xffff, true);
  o.setUint16(e + 10, 0xffff, true);
  o.setUint32(e + 12, 0xffffffff, true);
  o.setUint32(e + 16, 0xffffffff, true);
  return out;
}

describe('zip directory is checked against the file size', () => {
  it('refuses a zip64 entry count the file cannot hold, quickly and typed', () => {
    const bytes = zip64WithCount(3_212_431_825);
    expect(() => loadCheckpoint(bytes)).toThrow(CheckpointError);
    expect(() => loadCheckpoint(bytes)).toThrow(/claims 3212431825 entries.*at most \d+/);
  }, 10_000);

  it('still loads the same file with its true count', () => {
    // One entry: the zip64 path itself is fine; the pickle is an empty dict, which is refused for holding no tensors.
    expect(() => loadCheckpoint(zip64WithCount(1))).not.toThrow(/entries/);
  });
});
