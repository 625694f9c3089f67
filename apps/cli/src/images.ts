/**
 * Image decoding and encoding in Node with sharp (libvips): JPEG, PNG, WebP, GIF, TIFF, AVIF in, PNG/JPEG
 * out, EXIF orientation applied, and SVG overlays composited for annotated images.
 */
import { mkdir } from 'node:fs/promises';
import { dirname, extname } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import type { PixelData } from '@hrnetjs/core';

export interface DecodedImage extends PixelData {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/** Decodes a file to RGB pixels (EXIF rotation applied, alpha dropped, gray expanded). */
export async function readImage(path: string): Promise<DecodedImage> {
  const { data, info } = await sharp(path, { failOn: 'error' })
    .rotate()
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`decoded ${info.channels} channels, expected 3`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height, channels: 3 };
}

function encoderFor(path: string, s: Sharp): Sharp {
  const ext = extname(path).toLowerCase();
  if (ext === '.jpg' || ext === '.jpeg') return s.jpeg({ quality: 90 });
  if (ext === '.webp') return s.webp({ quality: 90 });
  return s.png();
}

/** Writes RGB (or RGBA) pixels, with an optional SVG drawn on top, to `path` (format from the extension). */
export async function writeImage(
  path: string,
  pixels: { data: Uint8Array; width: number; height: number; channels: 1 | 3 | 4 },
  svg?: string,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  let s = sharp(Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength), {
    raw: { width: pixels.width, height: pixels.height, channels: pixels.channels },
  });
  if (svg) s = s.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  await encoderFor(path, s).toFile(path);
}

/** Blends `overlay` RGB over `base` RGB with weight `alpha` (mask previews). */
export function blend(base: Uint8Array, overlay: Uint8Array, alpha: number): Uint8Array {
  const out = new Uint8Array(base.length);
  for (let i = 0; i < base.length; i++) out[i] = Math.round(base[i]! * (1 - alpha) + overlay[i]! * alpha);
  return out;
}

/** Reads a label map (a single-channel PNG of class ids, as `hrnet seg` writes in labels/ and datasets ship). */
export async function readLabelImage(path: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(path).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}
