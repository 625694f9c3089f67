import * as tf from '@tensorflow/tfjs-core';
import type { Affine } from '@hrnetjs/core';

/**
 * The crop as `warpAffineOpenCV` computed it before it moved to the host (commit 9563654): the same fixed-point
 * indices and weights, the sampling as tfjs ops (round/clip, gather of 4 neighbours, weighted sum, floor).
 * Kept only as the reference the host version must equal bit for bit; src has one definition of the crop.
 */
export function previousWarpAffineOpenCV(image: tf.Tensor3D, imageToCrop: readonly Affine[], outSize: { width: number; height: number }): tf.Tensor4D {
  const [H, W, C] = image.shape;
  const { width: w, height: h } = outSize;
  const n = imageToCrop.length;
  const index = new Int32Array(n * h * w * 4);
  const weight = new Float32Array(n * h * w * 4);
  const outside = H * W;
  const at = (sx: number, sy: number) => (sx >= 0 && sx < W && sy >= 0 && sy < H ? sy * W + sx : outside);
  const adelta = new Int32Array(w);
  const bdelta = new Int32Array(w);
  imageToCrop.forEach((m, b) => {
    let d = m[0] * m[4] - m[1] * m[3];
    d = d !== 0 ? 1 / d : 0;
    const a11 = m[4] * d;
    const a22 = m[0] * d;
    const a12 = -m[1] * d;
    const a21 = -m[3] * d;
    const b1 = -a11 * m[2] - a12 * m[5];
    const b2 = -a21 * m[2] - a22 * m[5];
    for (let x = 0; x < w; x++) {
      adelta[x] = cvRound(a11 * x * 1024);
      bdelta[x] = cvRound(a21 * x * 1024);
    }
    for (let y = 0; y < h; y++) {
      const x0 = cvRound((a12 * y + b1) * 1024) + 16;
      const y0 = cvRound((a22 * y + b2) * 1024) + 16;
      for (let x = 0; x < w; x++) {
        const X = (x0 + adelta[x]!) >> 5;
        const Y = (y0 + bdelta[x]!) >> 5;
        const sx = X >> 5;
        const sy = Y >> 5;
        const ax = X & 31;
        const ay = Y & 31;
        const o = (((b * h + y) * w + x) << 2) >>> 0;
        index[o] = at(sx, sy);
        index[o + 1] = at(sx + 1, sy);
        index[o + 2] = at(sx, sy + 1);
        index[o + 3] = at(sx + 1, sy + 1);
        weight[o] = (32 - ay) * (32 - ax) * 32;
        weight[o + 1] = (32 - ay) * ax * 32;
        weight[o + 2] = ay * (32 - ax) * 32;
        weight[o + 3] = ay * ax * 32;
      }
    }
  });
  return tf.tidy(() => {
    const u8 = tf.clipByValue(tf.round(tf.cast(image, 'float32')), 0, 255);
    const pixels = tf.concat([tf.reshape(u8, [H * W, C]), tf.zeros([1, C])], 0);
    const gathered = tf.reshape(tf.gather(pixels, tf.tensor1d(index, 'int32')), [n * h * w, 4, C]);
    const sum = tf.sum(tf.mul(gathered, tf.tensor3d(weight, [n * h * w, 4, 1])), 1);
    return tf.reshape(tf.floor(tf.div(tf.add(sum, 16384), 32768)), [n, h, w, C]) as tf.Tensor4D;
  });
}

function cvRound(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
