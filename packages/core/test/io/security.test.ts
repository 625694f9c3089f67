import { describe, expect, it } from 'vitest';
import { CheckpointError, loadCheckpoint, readNpy } from '../../src/index.js';
import { fixture } from './helpers.js';

/** Run a load that must either succeed or throw CheckpointError — never another error, never hang. */
function loadOrCheckpointError(bytes: Uint8Array): 'ok' | 'refused' {
  try {
    loadCheckpoint(bytes);
    return 'ok';
  } catch (e) {
    if (!(e instanceof CheckpointError)) throw new Error(`non-CheckpointError escaped: ${String(e)}`);
    return 'refused';
  }
}

describe('restricted unpickler', () => {
  it('refuses posix.system by name and runs nothing', () => {
    expect(() => loadCheckpoint(fixture('malicious_os_system.pth'))).toThrow(CheckpointError);
    expect(() => loadCheckpoint(fixture('malicious_os_system.pth'))).toThrow(/refusing pickle global 'posix\.system'/);
  });

  it('refuses builtins.eval reached by STACK_GLOBAL inside a legacy file', () => {
    expect(() => loadCheckpoint(fixture('malicious_legacy_eval.pth'))).toThrow(/refusing pickle global 'builtins\.eval'/);
  });

  it('refuses subprocess.Popen in a zip with an unusual stem', () => {
    expect(() => loadCheckpoint(fixture('malicious_subprocess.pth'))).toThrow(/'subprocess\.Popen'/);
  });
});

describe('corrupt input ends in CheckpointError', () => {
  it('truncated legacy file', () => {
    expect(() => loadCheckpoint(fixture('truncated_legacy.pth'))).toThrow(CheckpointError);
    expect(() => loadCheckpoint(fixture('truncated_legacy.pth'))).toThrow(/truncated/);
  });

  it('truncated zip (no central directory)', () => {
    expect(() => loadCheckpoint(fixture('truncated_zip.pth'))).toThrow(CheckpointError);
  });

  it('zip whose data.pkl is cut in half', () => {
    expect(() => loadCheckpoint(fixture('truncated_pickle.pth'))).toThrow(/(truncated|corrupt) zip_other_stem\/data\.pkl/);
  });

  it('zip without a pickle', () => {
    expect(() => loadCheckpoint(fixture('no_pickle.pth'))).toThrow(/no '<stem>\/data\.pkl'.*archive\/data\/0/);
  });

  it('every prefix of small checkpoints loads or is refused with CheckpointError', () => {
    for (const name of ['legacy_module.pth', 'views_legacy.pth', 'dtypes.pth', 'tensors.safetensors', 'float32.npy']) {
      const bytes = fixture(name);
      for (let n = 0; n < bytes.length; n++) {
        const result = loadOrCheckpointError(bytes.subarray(0, n));
        // a strict prefix never holds a whole checkpoint
        expect(result, `${name}[0:${n}]`).toBe('refused');
      }
    }
  });

  it('single-byte corruptions never escape as other errors', () => {
    let seed = 12345;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (const name of ['legacy_module.pth', 'dtypes_legacy.pth', 'zip_other_stem.pth', 'tensors.safetensors']) {
      const bytes = fixture(name);
      for (let trial = 0; trial < 300; trial++) {
        const b = bytes.slice();
        const at = Math.floor(rand() * b.length);
        b[at] = Math.floor(rand() * 256);
        loadOrCheckpointError(b);
      }
    }
  });

  it('absurd declared sizes are refused before allocating', () => {
    // safetensors header length of 2^52
    const st = new Uint8Array(16);
    new DataView(st.buffer).setUint32(4, 0x100000, true);
    st[8] = 0x7b;
    expect(() => loadCheckpoint(st)).toThrow(CheckpointError);
    // a pickle BINUNICODE claiming 4 GiB inside a legacy header
    const legacy = fixture('legacy_module.pth').slice(0, 40);
    legacy.set([0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0xff], 15);
    expect(() => loadCheckpoint(legacy)).toThrow(/truncated legacy checkpoint header/);
  });

  it('npy: fortran order is refused with advice', () => {
    expect(() => readNpy(fixture('fortran.npy'))).toThrow(/Fortran order.*ascontiguousarray/);
  });

  // Issue 15 finding 5: numpy refuses these tuple literals; so must we (before: `(3,,4)` loaded as shape [3, 4]).
  it('npy: shape tuples are parsed as strictly as numpy', () => {
    const npy = (shape: string, dataBytes: number): Uint8Array => {
      let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
      while ((10 + header.length + 1) % 64 !== 0) header += ' ';
      header += '\n';
      const out = new Uint8Array(10 + header.length + dataBytes);
      out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 0xff, header.length >> 8]);
      for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
      return out;
    };
    for (const bad of ['(3,,4)', '(,3)', '(,)', '(3)', '(3, -4)', '(3, 4.0)', '(3, x)']) {
      expect(() => readNpy(npy(bad, 48)), bad).toThrow(CheckpointError);
    }
    expect(readNpy(npy('(3, 4)', 48)).shape).toEqual([3, 4]);
    expect(readNpy(npy('(3, 4,)', 48)).shape).toEqual([3, 4]);
    expect(readNpy(npy('(12,)', 48)).shape).toEqual([12]);
    expect(readNpy(npy('()', 4)).shape).toEqual([]);
  });
});

describe('allow-list', () => {
  it('admits data-only globals and names everything else', async () => {
    const { torchFindClass } = await import('../../src/io/torch.js');
    expect(() => torchFindClass('torch', 'float32')).not.toThrow();
    expect(() => torchFindClass('torch.cuda', 'HalfStorage')).not.toThrow();
    expect(() => torchFindClass('collections', 'defaultdict')).not.toThrow();
    for (const [m, n] of [['os', 'system'], ['builtins', 'exec'], ['__builtin__', 'getattr'], ['torch', 'load'], ['torch.storage', '_load_from_bytes'], ['torch', 'FloatTensor']]) {
      expect(() => torchFindClass(m!, n!)).toThrow(new RegExp(`refusing pickle global '${m!.replace('.', '\\.')}\\.${n}'`));
    }
  });
});
