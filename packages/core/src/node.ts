/**
 * Node-only helpers (`@hrnetjs/core/node`): file-system wrappers around the browser-safe checkpoint I/O.
 * Kept out of the main entry so that bundlers never see `node:fs`.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { CheckpointError, typedError } from './errors.js';
import {
  type HostTensor,
  type LoadCheckpointOptions,
  type SaveSafetensorsOptions,
  type SaveTfjsWeightsOptions,
  type StateDict,
  type TfjsWeightsFiles,
  detectCheckpointFormat,
  loadCheckpoint,
  loadTfjsWeights,
  readNpy,
  saveSafetensors,
  saveTfjsWeights,
} from './io/index.js';

async function readBytes(path: string): Promise<Uint8Array> {
  let buf: Buffer;
  try {
    buf = await readFile(path);
  } catch (e) {
    // ENOENT, EISDIR, EACCES: a typed error that names the file, not a raw system error
    throw typedError(e, `could not read '${String(path).slice(0, 300)}'`);
  }
  // A Buffer is a Uint8Array; re-view it so that no Buffer-specific behaviour leaks into the readers.
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Read a checkpoint file of any supported format. For a tfjs `model.json` the shards are read from the
 * same folder (manifest paths are relative to it, and may not leave it).
 */
export async function readCheckpointFile(path: string, options: LoadCheckpointOptions = {}): Promise<StateDict> {
  try {
    return await readCheckpointFileUnguarded(path, options);
  } catch (e) {
    throw typedError(e, 'could not read the checkpoint file');
  }
}

async function readCheckpointFileUnguarded(path: string, options: LoadCheckpointOptions): Promise<StateDict> {
  if (typeof path !== 'string') throw new CheckpointError(`checkpoint path: expected a string, found ${typeof path}`);
  const bytes = await readBytes(path);
  if (detectCheckpointFormat(bytes) === 'tfjs-model-json') {
    const dir = resolve(dirname(path));
    return loadTfjsWeights(bytes, (p) => {
      const file = resolve(dir, p);
      if (!file.startsWith(dir + sep)) throw new CheckpointError(`model.json shard path '${String(p).slice(0, 200)}' leaves the model folder`);
      return readBytes(file);
    }, { rawKeys: options.rawKeys, keys: options.keys, maxTensorBytes: options.maxTensorBytes });
  }
  return loadCheckpoint(bytes, { npyName: basename(path, extname(path)), ...options });
}

/** Read one `.npy` file as a host tensor (float → Float32Array, int/bool → Int32Array). */
export async function readNpyFile(path: string): Promise<HostTensor> {
  return readNpy(await readBytes(path));
}

/** Write a state dict as a `.safetensors` file. */
export async function writeSafetensorsFile(path: string, sd: StateDict, options?: SaveSafetensorsOptions): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, saveSafetensors(sd, options));
}

/**
 * Write `model.json` (or `options.modelJsonName`) and its shards into `dir`, ready to serve to a browser.
 * Returns the written paths (model.json first) and the manifest.
 */
export async function writeTfjsWeightsFiles(
  dir: string,
  sd: StateDict,
  options: SaveTfjsWeightsOptions & { modelJsonName?: string } = {},
): Promise<{ paths: string[]; files: TfjsWeightsFiles }> {
  const files = saveTfjsWeights(sd, options);
  await mkdir(dir, { recursive: true });
  const jsonPath = join(dir, options.modelJsonName ?? 'model.json');
  await writeFile(jsonPath, JSON.stringify(files.modelJson));
  const paths = [jsonPath];
  for (const s of files.shards) {
    const p = join(dir, s.path);
    await writeFile(p, s.data);
    paths.push(p);
  }
  return { paths, files };
}
