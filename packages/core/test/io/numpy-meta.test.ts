import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CheckpointError, NumpyArray, loadCheckpoint, loadCheckpointMeta } from '../../src/index.js';
import { FIXTURES, fixture } from './helpers.js';

/**
 * Checkpoints whose `meta` holds numpy arrays, scalars and dtypes, written by torch.save exactly as mmpose 1.x's
 * publish_model.py (legacy format) and mmengine's save_checkpoint (zip) do, with `dataset_meta` made by mmpose's
 * own parse_pose_metainfo from its COCO config (generator: /work/gen/mm/pickle_meta.py, see fixtures/checkpoints/mm/README.md).
 */
type Plain =
  | { ndarray: string; shape: number[]; data: (number | boolean)[] }
  | { scalar: string; value: number | boolean }
  | { dtype: string }
  | Plain[]
  | { [k: string]: Plain }
  | string
  | number
  | boolean
  | null;

const expectedMeta = JSON.parse(readFileSync(`${FIXTURES}mm/mmengine_meta.json`, 'utf8')) as Record<string, Plain>;

/** Compares what we read with what Python wrote, recursively (numpy arrays by dtype, shape and every value). */
function expectSame(ours: unknown, py: Plain, path: string): void {
  if (py !== null && typeof py === 'object' && !Array.isArray(py)) {
    if ('ndarray' in py) {
      expect(ours, path).toBeInstanceOf(NumpyArray);
      const a = ours as NumpyArray;
      expect(a.dtype!.str, path).toBe(py.ndarray);
      expect(a.shape, path).toEqual(py.shape);
      expect(Array.from(a.data as ArrayLike<number | boolean>, (x) => (typeof x === 'bigint' ? Number(x) : x)), path).toEqual(py.data);
      return;
    }
    if ('scalar' in py) return void expect(ours, path).toBe(py.value);
    if ('dtype' in py) return void expect((ours as { str: string }).str, path).toBe(py.dtype);
    expect(Object.keys(ours as object).sort(), path).toEqual(Object.keys(py).sort());
    for (const [k, v] of Object.entries(py)) expectSame((ours as Record<string, unknown>)[k], v, `${path}.${k}`);
    return;
  }
  if (Array.isArray(py)) {
    expect(Array.isArray(ours), path).toBe(true);
    expect((ours as unknown[]).length, path).toBe(py.length);
    py.forEach((v, i) => expectSame((ours as unknown[])[i], v, `${path}[${i}]`));
    return;
  }
  if (typeof py === 'number' && !Number.isInteger(py)) expect(ours as number, path).toBeCloseTo(py, 12);
  else expect(ours, path).toEqual(py);
}

describe('checkpoint meta with numpy values (mmengine / mmpose 1.x)', () => {
  for (const file of ['mmengine_meta_legacy.pth', 'mmengine_meta_zip.pth']) {
    it(`${file}: the state dict loads, the meta is returned as data`, () => {
      const sd = loadCheckpoint(fixture(`mm/${file}`));
      expect([...sd.keys()]).toEqual(['backbone.conv1.weight', 'backbone.bn1.weight', 'head.final_layer.bias']);
      expect(sd.get('backbone.conv1.weight')!.shape).toEqual([4, 3, 3, 3]);
      const meta = loadCheckpointMeta(fixture(`mm/${file}`))!;
      expectSame(meta, expectedMeta, 'meta');
      const dm = meta.dataset_meta as Record<string, unknown>;
      expect((dm.sigmas as NumpyArray).data).toBeInstanceOf(Float32Array);
      expect((dm.keypoint_colors as NumpyArray).shape).toEqual([17, 3]);
      expect((dm.keypoint_colors as NumpyArray).data).toBeInstanceOf(Uint8Array);
    });
  }

  it('a Fortran-order array comes back in C order, a big-endian one with its values', () => {
    const hm = loadCheckpointMeta(fixture('mm/mmengine_meta_zip.pth'))!.hook_msgs as Record<string, NumpyArray>;
    expect(Array.from(hm.fortran!.data as Int16Array)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(hm.big!.dtype!.str).toBe('>i4');
    expect(Array.from(hm.big!.data as Int32Array)).toEqual([1, 2]);
  });

  it('formats without meta give undefined', () => {
    expect(loadCheckpointMeta(fixture('tensors.safetensors'))).toBeUndefined();
    expect(loadCheckpointMeta(fixture('pose_small.pth'))).toBeUndefined();
  });
});

describe('numpy objects outside the data-only subset are refused, nothing runs', () => {
  it('an object array (its items are arbitrary pickles)', () => {
    expect(() => loadCheckpoint(fixture('mm/numpy_object_array.pth'))).toThrow(CheckpointError);
    expect(() => loadCheckpoint(fixture('mm/numpy_object_array.pth'))).toThrow(/numpy dtype "O8"/);
  });

  it('an ndarray subclass (numpy.matrix) is refused by its global name', () => {
    expect(() => loadCheckpoint(fixture('mm/numpy_matrix.pth'))).toThrow(/refusing pickle global 'numpy\.matrix'/);
  });

  it('a structured dtype', () => {
    expect(() => loadCheckpoint(fixture('mm/numpy_structured.pth'))).toThrow(CheckpointError);
    expect(() => loadCheckpoint(fixture('mm/numpy_structured.pth'))).toThrow(/numpy dtype "V8"/);
  });

  it('a meta holding os.system is refused with the global named, and nothing was executed', () => {
    expect(() => loadCheckpoint(fixture('mm/meta_malicious.pth'))).toThrow(/refusing pickle global 'posix\.system'/);
    expect(() => loadCheckpointMeta(fixture('mm/meta_malicious.pth'))).toThrow(CheckpointError);
    expect(existsSync('/tmp/hrnet-pwned')).toBe(false);
  });
});
