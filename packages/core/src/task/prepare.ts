import type * as tf from '@tensorflow/tfjs-core';
import { type BackendName, ensureBackend } from '../backend.js';
import { ConfigError } from '../errors.js';
import type { StateDict } from '../io/state-dict.js';
import { loadWeights } from '../io/weights.js';
import type { Module } from '../nn/module.js';
import { isFused, releaseUnfusedWeights } from '../nn/release.js';
import { detectKeyMapping, getZooEntry, keyMapping as namedKeyMapping, suggestZooNames } from '../zoo/index.js';
import { applyZooKeyMapping } from '../zoo/keys.js';
import type { ZooEntry, ZooKeyMapping } from '../zoo/types.js';
import { describeValue } from './describe.js';
import { createRunner, validateEngine } from './engine.js';
import type { NetworkSpec, PreparedNetwork, TaskConfig } from './types.js';
import { resolveLimits, validateWorkingSizeOptions } from './working-size.js';

const BACKENDS: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu', 'tensorflow'];

/** The contract's options, checked before anything is fetched, read or allocated. */
function validateTaskConfig(config: TaskConfig<unknown>, factory: string): void {
  if (!config || typeof config !== 'object') throw new ConfigError(`${factory}: expected a config object { model, weights }, found ${describeValue(config)}`);
  if (config.model === undefined || config.model === null) throw new ConfigError(`${factory}: config.model is required (a zoo name, preset, YAML text, config or network)`);
  const backends = config.backend === undefined ? [] : typeof config.backend === 'string' ? [config.backend] : config.backend;
  if (!Array.isArray(backends) && typeof config.backend !== 'string') {
    throw new ConfigError(`${factory}: backend: expected a backend name or a list of them, found ${describeValue(config.backend)}`);
  }
  for (const b of backends) {
    if (!BACKENDS.includes(b)) throw new ConfigError(`${factory}: backend: expected one of ${BACKENDS.join(', ')}, found ${describeValue(b)}`);
  }
  if (config.fuse !== undefined && typeof config.fuse !== 'boolean') throw new ConfigError(`${factory}: fuse: expected true or false, found ${describeValue(config.fuse)}`);
  const t = config.wasmThreads;
  if (t !== undefined && !(Number.isInteger(t) && t >= 1 && t <= 1024)) throw new ConfigError(`${factory}: wasmThreads: expected a positive integer, found ${describeValue(t)}`);
  const km = config.keyMapping;
  if (km !== undefined && typeof km !== 'string' && !(typeof km === 'object' && km !== null && typeof (km as ZooKeyMapping).rules === 'object')) {
    throw new ConfigError(`${factory}: keyMapping: expected a key mapping name or { rules }, found ${describeValue(km)}`);
  }
  validateEngine(config.engine, config.engineOptions);
  validateWorkingSizeOptions(config, factory);
}

/** Resolves `keyMapping` / the zoo entry / the keys themselves to the mapping to apply, and its name. */
function chooseKeyMapping(config: TaskConfig<unknown>, entry: ZooEntry<unknown> | undefined, spec: NetworkSpec<any, any, any>, sd: StateDict): [ZooKeyMapping, string] {
  const km = config.keyMapping;
  if (typeof km === 'string') return [namedKeyMapping(km), km];
  if (km) return [km, 'custom'];
  if (entry) return [entry.keys, 'zoo'];
  const name = detectKeyMapping(spec.task, sd.keys());
  return [namedKeyMapping(name), name];
}

/**
 * The one path from a factory's config to a ready network, shared by every head: validate every option
 * before anything is read → activate the backend → read the checkpoint → build the network (from a zoo name,
 * preset, YAML or config) → map the keys → the head's plain-words `checkWeights` → strict load → fuse once →
 * release the unfused copies → the engine's runner. Whatever it made is freed again when a step fails. A
 * network the caller passed in stays the caller's: used as it is (never fused, never loaded, never freed).
 */
export async function prepareNetwork<M extends Module<tf.Tensor4D, any>, C, P>(
  config: TaskConfig<C, M>,
  spec: NetworkSpec<M, C, P>,
): Promise<PreparedNetwork<M, P>> {
  validateTaskConfig(config as TaskConfig<unknown>, spec.factory);
  const given = spec.isNetwork(config.model) ? (config.model as M) : undefined;
  if (!given && config.weights === undefined) {
    throw new ConfigError(`${spec.factory}: config.weights is required (a URL, checkpoint bytes or a state dict; null for random weights)`);
  }
  if (given && config.weights != null) {
    throw new ConfigError(`${spec.factory}: weights: a built network is used as it is; load its weights with model.loadStateDict(), or pass a zoo name, preset or config as model`);
  }
  let entry: ZooEntry<P> | undefined;
  if (!given && typeof config.model === 'string') {
    // not a zoo name: a preset or YAML for the head (its build names the closest zoo names when it is neither)
    entry = getZooEntry(config.model, spec.zoo);
  } else if (!given && (typeof config.model !== 'object' || config.model === null)) {
    throw new ConfigError(`${spec.factory}: model: expected a zoo name, preset, YAML text, config object or network, found ${describeValue(config.model)}`);
  }
  const backend = await ensureBackend(config.backend, { ...(config.wasmPaths !== undefined ? { wasmPaths: config.wasmPaths } : {}), ...(config.wasmThreads !== undefined ? { wasmThreads: config.wasmThreads } : {}) });
  const engine = validateEngine(config.engine, config.engineOptions);
  const raw = config.weights == null || given ? null : await loadWeights(config.weights, { rawKeys: true });
  let model: M | undefined = given;
  try {
    if (!model) {
      const source = entry ? (entry.model.preset as string | C) : (config.model as string | C);
      await spec.prepare?.(source);
      try {
        model = spec.build(source, entry);
      } catch (e) {
        if (typeof config.model === 'string' && !entry && e instanceof ConfigError && !config.model.includes('\n')) {
          const close = suggestZooNames(config.model, 3, spec.zoo);
          throw new ConfigError(`${e.message}${close.length ? ` (closest zoo names: ${close.join(', ')})` : ''}`);
        }
        throw e;
      }
    }
    let mappingName = 'none';
    if (raw && !given) {
      const [mapping, name] = chooseKeyMapping(config as TaskConfig<unknown>, entry as ZooEntry<unknown> | undefined, spec, raw);
      mappingName = name;
      const sd = applyZooKeyMapping(raw, mapping);
      spec.checkWeights?.(sd, model);
      model.loadStateDict(sd, { strict: true });
    }
    if (!given && (config.fuse ?? true) && !isFused(model)) {
      model.fuse();
      releaseUnfusedWeights(model); // never read again: half the weight memory
    }
    const runner = await createRunner(engine, model, config.engineOptions);
    return { model, ownsModel: !given, backend, runner, zooEntry: entry, keyMapping: mappingName, limits: resolveLimits(config, backend.name) };
  } catch (e) {
    if (model && !given) model.dispose();
    throw e;
  }
}
