import { OFFICIAL_BOX_MARGIN } from './transforms.js';

/** Defaults of `createFaceAligner` / `estimateLandmarks`. */
export const FACE_DEFAULTS = Object.freeze({
  /** Sub-pixel decoding (`'official'` = `decode_preds`, truncation included; see the README). */
  decode: 'subpixel' as const,
  /** Margin on a box's larger side: the official loaders' `scale *= 1.25`. */
  boxMargin: OFFICIAL_BOX_MARGIN,
});
