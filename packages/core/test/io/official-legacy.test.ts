import { describe, expect, it } from 'vitest';
import { detectCheckpointFormat, loadCheckpoint } from '../../src/io/index.js';
import { expectSameStateDict, fixture } from './helpers.js';

// The official 2019 HRNet checkpoints are legacy (pre-1.6) pickles, often saved from DataParallel. This file is
// pose_small's golden weights written that way (`torch.save(OrderedDict('module.' + k), f,
// _use_new_zipfile_serialization=False)`), so the golden pose test's network loads from both formats alike.
describe('the official legacy format of a whole HRNet state dict', () => {
  it('loads to exactly the zip checkpoint, DataParallel prefix stripped', () => {
    const legacy = fixture('pose_small_legacy_module.pth');
    expect(detectCheckpointFormat(legacy)).toBe('torch-legacy');
    const sd = loadCheckpoint(legacy);
    expect(sd.size).toBe(710 - 118); // num_batches_tracked entries dropped by the default key rules
    expect([...sd.keys()][0]).toBe('conv1.weight');
    expectSameStateDict(sd, loadCheckpoint(fixture('pose_small.pth')));
    expect(loadCheckpoint(legacy, { rawKeys: true }).has('module.conv1.weight')).toBe(true);
  });
});
