/** Defaults of `createDetector` (the official HRNet-FCOS test settings where it has them). */
export const DETECTION_DEFAULTS = Object.freeze({
  /** The official antialiased bilinear resize (Pillow), reproduced exactly on the CPU. */
  resize: 'pil' as const,
  /** Largest image accepted; the network itself always sees at most the config's max size. */
  maxImagePixels: 100e6,
});
