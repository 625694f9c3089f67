import * as tf from '@tensorflow/tfjs-core';
import { BatchNorm2d, Conv2d, Module, ReLU, Sequential } from '@hrnetjs/core';

/** `MODEL.OCR` of the official configs. */
export interface OcrConfig {
  /** `MID_CHANNELS`: width of the pixel representation after `conv3x3_ocr` (512 in the official configs). */
  midChannels: number;
  /** `KEY_CHANNELS`: width of the query/key/value transforms (256). */
  keyChannels: number;
}

/** `ModuleHelper.BNReLU`: `nn.Sequential(BatchNorm2d, ReLU)`, so the BatchNorm's keys end in `.<i>.0.*`. */
class BNReLU extends Module {
  readonly bn: BatchNorm2d;

  constructor(channels: number) {
    super();
    this.bn = this.addModule('0', new BatchNorm2d(channels));
    this.addModule('1', new ReLU());
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(this.bn.forward(x));
  }
}

/**
 * The OCR blocks' `nn.Sequential(conv1x1, BNReLU, conv1x1, BNReLU, …)` (bias-free 1x1 convs), with each
 * conv→BN→ReLU pair run as one op and folded by `fuse()` (core's Sequential cannot see through the
 * nested BNReLU).
 */
class ConvBNReLUChain extends Module {
  private readonly pairs: [Conv2d, BNReLU][] = [];

  constructor(widths: number[]) {
    super();
    for (let i = 0; i + 1 < widths.length; i++) {
      const conv = this.addModule(String(2 * i), new Conv2d(widths[i]!, widths[i + 1]!, 1, { bias: false }));
      const bnRelu = this.addModule(String(2 * i + 1), new BNReLU(widths[i + 1]!));
      this.pairs.push([conv, bnRelu]);
    }
  }

  forward(x: tf.Tensor): tf.Tensor {
    let y = x;
    for (const [conv, bnRelu] of this.pairs) y = conv.forwardWith(y, bnRelu.bn, 'relu');
    return y;
  }

  override fuse(): this {
    for (const [conv, bnRelu] of this.pairs) if (!conv.isFolded) conv.foldBatchNorm(bnRelu.bn, 'relu');
    return super.fuse();
  }
}

/**
 * `_ObjectAttentionBlock` (scale 1, as every official config): pixels query the object regions.
 * `f_pixel`/`f_object` are two conv-BN-ReLU layers to `key_channels`, `f_down` one, `f_up` one back.
 */
class ObjectAttentionBlock extends Module<[tf.Tensor, tf.Tensor], tf.Tensor> {
  readonly fPixel: ConvBNReLUChain;
  readonly fObject: ConvBNReLUChain;
  readonly fDown: ConvBNReLUChain;
  readonly fUp: ConvBNReLUChain;

  constructor(
    inChannels: number,
    readonly keyChannels: number,
  ) {
    super();
    this.fPixel = this.addModule('f_pixel', new ConvBNReLUChain([inChannels, keyChannels, keyChannels]));
    this.fObject = this.addModule('f_object', new ConvBNReLUChain([inChannels, keyChannels, keyChannels]));
    this.fDown = this.addModule('f_down', new ConvBNReLUChain([inChannels, keyChannels]));
    this.fUp = this.addModule('f_up', new ConvBNReLUChain([keyChannels, inChannels]));
  }

  /** `x`: pixels `[N, H, W, C]`; `proxy`: object regions `[N, K, 1, C]` (K classes as a K x 1 map). */
  forward([x, proxy]: [tf.Tensor, tf.Tensor]): tf.Tensor {
    const [n, h, w] = x.shape as number[];
    const kc = this.keyChannels;
    const k = proxy.shape[1]!;
    const query = tf.reshape(this.fPixel.forward(x), [n!, h! * w!, kc]) as tf.Tensor3D;
    const key = tf.reshape(this.fObject.forward(proxy), [n!, k, kc]) as tf.Tensor3D;
    const value = tf.reshape(this.fDown.forward(proxy), [n!, k, kc]) as tf.Tensor3D;
    // sim_map = softmax(key_channels^-0.5 · query·keyᵀ) over the K regions
    const sim = tf.softmax(tf.mul(tf.matMul(query, key, false, true), kc ** -0.5), -1) as tf.Tensor3D;
    const context = tf.reshape(tf.matMul(sim, value), [n!, h!, w!, kc]);
    return this.fUp.forward(context);
  }
}

/** `SpatialOCR_Module`: attention context concatenated with the pixels, then conv-BN-ReLU (dropout is off in eval). */
class SpatialOCRModule extends Module<[tf.Tensor, tf.Tensor], tf.Tensor> {
  readonly objectContextBlock: ObjectAttentionBlock;
  readonly convBnDropout: ConvBNReLUChain;

  constructor(inChannels: number, keyChannels: number, outChannels: number) {
    super();
    this.objectContextBlock = this.addModule('object_context_block', new ObjectAttentionBlock(inChannels, keyChannels));
    // `conv_bn_dropout` = Sequential(conv, BNReLU, Dropout2d): the dropout (index 2) has no keys
    this.convBnDropout = this.addModule('conv_bn_dropout', new ConvBNReLUChain([2 * inChannels, outChannels]));
  }

  forward([feats, proxy]: [tf.Tensor, tf.Tensor]): tf.Tensor {
    const context = this.objectContextBlock.forward([feats, proxy]);
    return this.convBnDropout.forward(tf.concat([context, feats], 3));
  }
}

/**
 * `SpatialGather_Module` (scale 1): soft object regions. Each class's region is the softmax over all
 * pixels of its auxiliary logit; its representation is the region-weighted sum of pixel features.
 * `feats [N, H, W, C]`, `probs [N, H, W, K]` → `[N, K, 1, C]`.
 */
export function spatialGather(feats: tf.Tensor, probs: tf.Tensor): tf.Tensor4D {
  const [n, h, w, c] = feats.shape as number[];
  const k = probs.shape[3]!;
  const p = tf.softmax(tf.transpose(tf.reshape(probs, [n!, h! * w!, k]), [0, 2, 1]), -1) as tf.Tensor3D;
  const ctx = tf.matMul(p, tf.reshape(feats, [n!, h! * w!, c!]) as tf.Tensor3D);
  return tf.reshape(ctx, [n!, k, 1, c!]);
}

/**
 * The layers `seg_hrnet_ocr.HighResolutionNet` adds after the HRNetV2 concatenation, registered on the
 * network itself (official keys `conv3x3_ocr.*`, `ocr_distri_head.*`, `cls_head.*`, `aux_head.*`, in
 * that order; `ocr_gather_head` has no tensors).
 */
export class OcrHead {
  readonly conv3x3Ocr: Sequential;
  readonly ocrDistriHead: SpatialOCRModule;
  readonly clsHead: Conv2d;
  readonly auxHead: Sequential;

  constructor(
    lastInpChannels: number,
    numClasses: number,
    config: OcrConfig,
    register: <M extends Module<any, any>>(name: string, m: M) => M,
  ) {
    const c = lastInpChannels;
    const mid = config.midChannels;
    this.conv3x3Ocr = register('conv3x3_ocr', new Sequential(new Conv2d(c, mid, 3, { padding: 1 }), new BatchNorm2d(mid), new ReLU()));
    this.ocrDistriHead = register('ocr_distri_head', new SpatialOCRModule(mid, config.keyChannels, mid));
    this.clsHead = register('cls_head', new Conv2d(mid, numClasses, 1));
    this.auxHead = register(
      'aux_head',
      new Sequential(new Conv2d(c, c, 1), new BatchNorm2d(c), new ReLU(), new Conv2d(c, numClasses, 1)),
    );
  }

  /** HRNetV2 map → `[out_aux, out]`, both NHWC logits at the map's resolution. */
  forward(feats: tf.Tensor): tf.Tensor4D[] {
    const outAux = this.auxHead.forward(feats) as tf.Tensor4D;
    const pixels = this.conv3x3Ocr.forward(feats);
    const context = spatialGather(pixels, outAux);
    const objectContext = this.ocrDistriHead.forward([pixels, context]);
    const out = this.clsHead.forward(objectContext) as tf.Tensor4D;
    return [outAux, out];
  }
}
