import * as tf from '@tensorflow/tfjs-core';
import { StateDictError } from '../errors.js';
import type { StateDict } from '../io/state-dict.js';
import { Parameter, type TorchLayout } from './parameter.js';

export interface LoadStateDictOptions {
  /** Throw on missing, unexpected or mis-shaped keys (default true, like PyTorch). */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missing: string[];
  unexpected: string[];
}

/** Keys PyTorch writes but inference never needs; absent from a file they are not "missing". */
const OPTIONAL_KEY = /(^|\.)num_batches_tracked$/;

/**
 * A network part in the manner of `torch.nn.Module`: children and tensors registered by name, so the
 * dotted path of every tensor is its official `state_dict` key and a checkpoint loads with no renames.
 * Subclasses create their children and tensors in the constructor and implement `forward`.
 */
export abstract class Module<In = tf.Tensor, Out = tf.Tensor> {
  private readonly childMap = new Map<string, Module<any, any> | null>();
  private readonly tensorMap = new Map<string, Parameter>();

  /** Registers a child (null keeps PyTorch's `None` slot in a ModuleList: it owns no keys). */
  protected addModule<M extends Module<any, any> | null>(name: string, module: M): M {
    this.childMap.set(name, module);
    return module;
  }

  protected addParameter(name: string, shape: number[], layout: TorchLayout, init: () => tf.Tensor): Parameter {
    const p = new Parameter(shape, layout, 'parameter', init);
    this.tensorMap.set(name, p);
    return p;
  }

  protected addBuffer(name: string, shape: number[], init: () => tf.Tensor): Parameter {
    const p = new Parameter(shape, 'plain', 'buffer', init);
    this.tensorMap.set(name, p);
    return p;
  }

  protected addCounter(name: string): Parameter {
    const p = new Parameter([], 'plain', 'counter');
    this.tensorMap.set(name, p);
    return p;
  }

  abstract forward(input: In): Out;

  /** `forward` inside `tf.tidy`: every intermediate tensor is freed, only the outputs stay. */
  predict(input: In): Out {
    return tf.tidy(() => this.forward(input) as unknown as tf.TensorContainer) as unknown as Out;
  }

  /** Direct children by name (null slots skipped). */
  *children(): IterableIterator<[string, Module<any, any>]> {
    for (const [name, child] of this.childMap) if (child) yield [name, child];
  }

  /** This module and every descendant, with dotted names (`''` for this one), depth first. */
  *namedModules(prefix = ''): IterableIterator<[string, Module<any, any>]> {
    yield [prefix, this];
    for (const [name, child] of this.children()) yield* child.namedModules(prefix ? `${prefix}.${name}` : name);
  }

  /** Every tensor in PyTorch `state_dict` order: own tensors first, then each child's. */
  *namedTensors(prefix = ''): IterableIterator<[string, Parameter]> {
    for (const [name, p] of this.tensorMap) yield [prefix ? `${prefix}.${name}` : name, p];
    for (const [name, child] of this.children()) yield* child.namedTensors(prefix ? `${prefix}.${name}` : name);
  }

  /** Number of learnable parameter values (buffers excluded), as `sum(p.numel() for p in parameters())`. */
  numParameters(): number {
    let n = 0;
    for (const [, p] of this.namedTensors()) if (p.kind === 'parameter') n += p.size;
    return n;
  }

  /** PyTorch-layout copy of every tensor, keyed as the official checkpoints. */
  stateDict(): StateDict {
    this.assertNotReleased('stateDict');
    const sd: StateDict = new Map();
    for (const [key, p] of this.namedTensors()) sd.set(key, p.toHost());
    return sd;
  }

  /** Key → PyTorch shape of every tensor (what a checkpoint must provide). */
  shapes(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [key, p] of this.namedTensors()) out.set(key, [...p.torchShape]);
    return out;
  }

  /**
   * Copies a state dict in. Every key and shape is checked before anything is assigned, so a failed
   * strict load leaves the model unchanged.
   */
  loadStateDict(sd: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    this.assertNotReleased('loadStateDict');
    const strict = options.strict ?? true;
    const own = new Map(this.namedTensors());
    const missing = [...own.keys()].filter((k) => !sd.has(k) && !OPTIONAL_KEY.test(k));
    const unexpected = [...sd.keys()].filter((k) => !own.has(k));
    const mismatched: { key: string; expected: number[]; found: number[] }[] = [];
    for (const [key, value] of sd) {
      const p = own.get(key);
      if (p && (p.torchShape.length !== value.shape.length || p.torchShape.some((d, i) => d !== value.shape[i]))) {
        mismatched.push({ key, expected: [...p.torchShape], found: [...value.shape] });
      }
    }
    if (mismatched.length > 0 || (strict && (missing.length > 0 || unexpected.length > 0))) {
      throw new StateDictError(describeMismatch(missing, unexpected, mismatched), missing, unexpected, mismatched);
    }
    for (const [key, value] of sd) own.get(key)?.assign(value, key);
    return { missing, unexpected };
  }

  /**
   * Folds BatchNorm into the preceding convolution and fuses activations, for inference. Modules whose
   * forward pairs a conv with a BatchNorm override this; the default recurses into children.
   */
  fuse(): this {
    for (const [, child] of this.children()) child.fuse();
    return this;
  }

  private assertNotReleased(what: string): void {
    for (const [key, p] of this.namedTensors()) {
      if (p.released) {
        throw new StateDictError(
          `${what}: this model was fused for inference and its unfused weights released (first: ${key}); ` +
            'build a new model to read or load a state dict',
        );
      }
    }
  }

  /** Frees every tensor of this module and its children. */
  dispose(): void {
    for (const [, p] of this.tensorMap) p.dispose();
    for (const [, child] of this.children()) child.dispose();
  }
}

function list(keys: string[], max = 20): string {
  const shown = keys.slice(0, max).join(', ');
  return keys.length > max ? `${shown}, … (${keys.length} in all)` : shown;
}

function describeMismatch(
  missing: string[],
  unexpected: string[],
  mismatched: { key: string; expected: number[]; found: number[] }[],
): string {
  const parts: string[] = [];
  if (missing.length) parts.push(`missing keys (${missing.length}): ${list(missing)}`);
  if (unexpected.length) parts.push(`unexpected keys (${unexpected.length}): ${list(unexpected)}`);
  if (mismatched.length) {
    parts.push(
      `shape mismatch (${mismatched.length}): ` +
        mismatched
          .slice(0, 20)
          .map((m) => `${m.key} expected [${m.expected.join(', ')}] found [${m.found.join(', ')}]`)
          .join('; '),
    );
  }
  return `state dict does not fit the model: ${parts.join('; ')}`;
}
