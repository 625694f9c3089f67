import { InputError } from '@hrnetjs/core';
import type { Palette } from './datasets.js';

export interface ColorizeOptions {
  /** Alpha of every coloured pixel (default 255). */
  alpha?: number;
  /**
   * Colour of labels outside the palette (an ignore label, 255): RGBA, default transparent black.
   */
  unknown?: readonly [number, number, number, number];
}

/**
 * Label map → RGBA pixels (`Uint8ClampedArray`, 4 values a pixel, row-major), ready for
 * `new ImageData(rgba, width, height)` in a browser or an image encoder in Node.
 */
export function colorize(labels: ArrayLike<number>, palette: Palette, options: ColorizeOptions = {}): Uint8ClampedArray {
  if (palette.length === 0) throw new InputError('colorize: the palette is empty');
  const alpha = options.alpha ?? 255;
  const unknown = options.unknown ?? [0, 0, 0, 0];
  const out = new Uint8ClampedArray(labels.length * 4);
  for (let i = 0; i < labels.length; i++) {
    const c = palette[labels[i]!];
    if (c) {
      out[4 * i] = c[0];
      out[4 * i + 1] = c[1];
      out[4 * i + 2] = c[2];
      out[4 * i + 3] = alpha;
    } else {
      out.set(unknown, 4 * i);
    }
  }
  return out;
}
