import { describe, expect, it } from 'vitest';
import { CheckpointError, detectCheckpointFormat, loadCheckpoint } from '../../src/index.js';
import { expectStateDict, expectTensor, expectedCheckpoint, fixture } from './helpers.js';

describe('loadCheckpoint: PyTorch files', () => {
  const cases: [file: string, format: 'torch-zip' | 'torch-legacy'][] = [
    ['legacy_module.pth', 'torch-legacy'],
    ['legacy_cuda.pth', 'torch-legacy'],
    ['zip_other_stem.pth', 'torch-zip'],
    ['zip_deflated.pth', 'torch-zip'],
    ['dtypes.pth', 'torch-zip'],
    ['dtypes_legacy.pth', 'torch-legacy'],
    ['views.pth', 'torch-zip'],
    ['views_legacy.pth', 'torch-legacy'],
    ['wrapped_state_dict.pth', 'torch-zip'],
    ['wrapped_model_fcos.pth', 'torch-legacy'],
    ['wrapped_model_state_dict.pth', 'torch-zip'],
    ['seg_fullmodel_legacy.pth', 'torch-legacy'],
  ];
  for (const [file, format] of cases) {
    it(`${file}: exact keys, shapes and values`, () => {
      const bytes = fixture(file);
      expect(detectCheckpointFormat(bytes)).toBe(format);
      expectStateDict(loadCheckpoint(bytes), expectedCheckpoint(file));
    });
  }

  it('rawKeys keeps the stored names (module. prefix, num_batches_tracked)', () => {
    const sd = loadCheckpoint(fixture('legacy_module.pth'), { rawKeys: true });
    expect([...sd.keys()]).toEqual(expectedCheckpoint('legacy_module.pth').raw_keys);
    expect(sd.get('module.bn1.num_batches_tracked')).toEqual({ dtype: 'int32', shape: [], data: Int32Array.of(7) });
  });

  it('segmentation FullModel: loss.* dropped and model. stripped by default', () => {
    const raw = loadCheckpoint(fixture('seg_fullmodel_legacy.pth'), { rawKeys: true });
    expect(raw.has('loss.criterion.weight')).toBe(true);
    const sd = loadCheckpoint(fixture('seg_fullmodel_legacy.pth'));
    expect([...sd.keys()].some((k) => k.startsWith('loss.') || k.startsWith('model.'))).toBe(false);
    expect(sd.has('conv1.weight')).toBe(true);
  });

  it('FCOS-style {model: {module.…}} unwraps, then extra key rules apply', () => {
    const sd = loadCheckpoint(fixture('wrapped_model_fcos.pth'), { keys: { stripPrefix: ['backbone.body.'] } });
    expect([...sd.keys()]).toEqual(expectedCheckpoint('wrapped_model_fcos.pth').keys.map((k) => k.replace('backbone.body.', '')));
  });

  it('dtypes land as float32 / int32 with exact values', () => {
    const sd = loadCheckpoint(fixture('dtypes.pth'));
    const e = expectedCheckpoint('dtypes.pth').tensors;
    for (const k of ['f16', 'bf16', 'f64', 'f32', 'scalar']) expectTensor(sd.get(k), e[k]!, false);
    for (const k of ['i64', 'i32', 'u8', 'b']) expectTensor(sd.get(k), e[k]!, true);
    expect(sd.get('scalar')!.shape).toEqual([]);
  });

  it('views are materialised in C order (transposed, strided slice, stride-0 expand, permute)', () => {
    const sd = loadCheckpoint(fixture('views.pth'));
    const base = sd.get('base')!.data;
    const t = sd.get('transposed')!;
    expect(t.shape).toEqual([6, 4]);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 4; j++) expect(t.data[i * 4 + j]).toBe(base[j * 6 + i]);
    expect(Array.from(sd.get('expanded')!.data)).toEqual([1.5, 1.5, 1.5, 1.5, -2, -2, -2, -2, 3.25, 3.25, 3.25, 3.25]);
  });

  it('wrapperKey picks a named entry', () => {
    const sd = loadCheckpoint(fixture('nested_unknown.pth'), { wrapperKey: 'decoder' });
    expect(sd.has('conv1.weight')).toBe(true);
    expect(() => loadCheckpoint(fixture('nested_unknown.pth'), { wrapperKey: 'nope' })).toThrow(/no key 'nope'.*'encoder'/);
  });

  it('accepts an ArrayBuffer and a Uint8Array at an offset inside a larger buffer', () => {
    const bytes = fixture('zip_other_stem.pth');
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    const e = expectedCheckpoint('zip_other_stem.pth');
    expectStateDict(loadCheckpoint(padded.subarray(3)), e);
    expectStateDict(loadCheckpoint(bytes.slice().buffer), e);
  });
});

describe('loadCheckpoint: official golden weights', () => {
  for (const name of ['pose_small.pth', 'det_fcos_small.pth']) {
    it(`${name}: key count, shapes and exact values`, () => {
      const e = expectedCheckpoint(name) as unknown as {
        raw_count: number; count: number; first: string; last: string;
        probes: Record<string, { shape: number[]; head: number[]; tail: number[] }>;
      };
      const raw = loadCheckpoint(fixture(name), { rawKeys: true });
      expect(raw.size).toBe(e.raw_count);
      const sd = loadCheckpoint(fixture(name));
      expect(sd.size).toBe(e.count);
      expect([...sd.keys()][0]).toBe(e.first);
      expect([...sd.keys()].at(-1)).toBe(e.last);
      for (const [k, p] of Object.entries(e.probes)) {
        const t = sd.get(k)!;
        expect(t.shape, k).toEqual(p.shape);
        expect(Array.from(t.data.subarray(0, 4)), k).toEqual(p.head);
        expect(Array.from(t.data.subarray(-2)), k).toEqual(p.tail);
      }
    });
  }

  it('pose_small: conv1.weight is [64, 3, 3, 3] and final_layer maps 8 → 17 channels', () => {
    const sd = loadCheckpoint(fixture('pose_small.pth'));
    expect(sd.get('conv1.weight')!.shape).toEqual([64, 3, 3, 3]);
    expect(sd.get('final_layer.weight')!.shape).toEqual([17, 8, 1, 1]);
    expect([...sd.keys()].some((k) => k.endsWith('num_batches_tracked'))).toBe(false);
  });
});

describe('loadCheckpoint: refuses what it cannot read', () => {
  it('nested dicts of tensors under unknown names list the top-level keys', () => {
    expect(() => loadCheckpoint(fixture('nested_unknown.pth'))).toThrow(CheckpointError);
    expect(() => loadCheckpoint(fixture('nested_unknown.pth'))).toThrow(/'encoder'.*'decoder'.*top-level keys: \['encoder', 'decoder', 'step'\]/);
  });

  it('unknown bytes, empty input', () => {
    expect(() => loadCheckpoint(new Uint8Array([1, 2, 3, 4]))).toThrow(/unknown checkpoint format/);
    expect(() => loadCheckpoint(new Uint8Array(0))).toThrow(CheckpointError);
  });
});
