import { describe, expect, it } from 'vitest';
import { CheckpointError, type StateDict, hostTensor, normalizeStateDictKeys } from '../../src/index.js';

const t = hostTensor(Float32Array.of(1), [1]);
const sd = (...keys: string[]): StateDict => new Map(keys.map((k) => [k, t]));
const keysOf = (s: StateDict) => [...s.keys()];

describe('normalizeStateDictKeys', () => {
  it('defaults: DataParallel module., num_batches_tracked', () => {
    expect(keysOf(normalizeStateDictKeys(sd('module.conv1.weight', 'module.bn1.num_batches_tracked', 'module.bn1.weight'))))
      .toEqual(['conv1.weight', 'bn1.weight']);
    expect(keysOf(normalizeStateDictKeys(sd('bn.num_batches_tracked'), { keepNumBatchesTracked: true }))).toEqual(['bn.num_batches_tracked']);
  });

  it('defaults: segmentation FullModel only when every key is model.* or loss.*', () => {
    expect(keysOf(normalizeStateDictKeys(sd('module.model.conv1.weight', 'module.loss.criterion.weight')))).toEqual(['conv1.weight']);
    expect(keysOf(normalizeStateDictKeys(sd('model.fc.weight', 'head.weight')))).toEqual(['model.fc.weight', 'head.weight']);
  });

  it('defaults can be switched off', () => {
    expect(keysOf(normalizeStateDictKeys(sd('module.a', 'b.num_batches_tracked'), { defaults: false }))).toEqual(['module.a', 'b.num_batches_tracked']);
  });

  it('OpenMMLab-style rules: drop, strip, rename, in that order', () => {
    const out = normalizeStateDictKeys(
      sd('backbone.conv1.weight', 'keypoint_head.final_layer.weight', 'decode_head.conv_seg.weight', 'auxiliary_head.x'),
      { dropPrefix: ['auxiliary_head.'], stripPrefix: ['backbone.'], rename: [['keypoint_head.', ''], ['decode_head.conv_seg.', 'last_layer.3.']] },
    );
    expect(keysOf(out)).toEqual(['conv1.weight', 'final_layer.weight', 'last_layer.3.weight']);
    expect(out.get('conv1.weight')).toBe(t); // values shared, not copied
  });

  it('a collision names both source keys', () => {
    expect(() => normalizeStateDictKeys(sd('module.a', 'a'))).toThrow(CheckpointError);
    expect(() => normalizeStateDictKeys(sd('module.a', 'a'))).toThrow(/'module\.a' and 'a' onto 'a'/);
  });
});
