/**
 * `--model` and `--weights` → a model config (preset name or YAML text) and a state dict with our key
 * names. `--model` is a zoo name, a YAML file, a folder with `config.yaml` (+ `weights.pth`), or a preset
 * name of the task's factory; `--weights` a checkpoint file (any format core reads) or an http(s) URL.
 */
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type StateDict,
  type ZooEntry,
  type ZooTask,
  applyZooKeyMapping,
  detectKeyMapping,
  getZooEntry,
  keyMapping,
  suggestZooNames,
} from '@hrnetjs/core';
import { readCheckpointFile } from '@hrnetjs/core/node';
import { loadYamlSupportFor } from '@hrnetjs/hrnet-backbone';
import { type FetchOptions, fetchUrl, fetchZooFile } from './cache.js';
import { CliError } from './exit-codes.js';
import { ZOO } from './zoo.js';

export interface ModelSource {
  task: ZooTask;
  /** Preset name or YAML text, as the task factory takes it. */
  config: string;
  /** For messages: where the config came from. */
  configLabel: string;
  zoo: ZooEntry | null;
  stateDict: StateDict;
  weightsLabel: string;
  /** The key mapping applied (a `KEY_MAPPINGS` name, or the zoo entry's). */
  keyMapping: string;
}

export interface ResolveOptions extends FetchOptions {
  /** Force a key mapping by name (`--keys mmpose-pose`); default: the zoo entry's, else detected. */
  keys?: string;
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Reads a checkpoint from a path or URL. */
export async function loadWeights(weights: string, options: FetchOptions = {}): Promise<{ sd: StateDict; path: string }> {
  const path = /^https?:\/\//.test(weights) ? await fetchUrl(weights, options) : weights;
  if (!(await isFile(path))) throw new CliError(`weights '${weights}': no such file`);
  try {
    return { sd: await readCheckpointFile(path), path };
  } catch (e) {
    throw new CliError(`weights '${weights}': ${(e as Error).message}`);
  }
}

export async function resolveModel(task: ZooTask, model: string | undefined, weights: string | undefined, options: ResolveOptions = {}): Promise<ModelSource> {
  if (!model) throw new CliError(`--model is required: a zoo name (see \`hrnet zoo ${task}\`), a YAML config, or a preset`);
  let config: string;
  let configLabel: string;
  let zoo: ZooEntry | null = null;
  let weightsPath = weights;
  if (await isDir(model)) {
    const yaml = join(model, 'config.yaml');
    if (!(await isFile(yaml))) throw new CliError(`--model ${model}: the folder has no config.yaml`);
    config = await readFile(yaml, 'utf8');
    configLabel = yaml;
    if (!weightsPath && (await isFile(join(model, 'weights.pth')))) weightsPath = join(model, 'weights.pth');
  } else if (/\.ya?ml$/i.test(model)) {
    if (!(await isFile(model))) throw new CliError(`--model ${model}: no such YAML file`);
    config = await readFile(model, 'utf8');
    configLabel = model;
  } else if (getZooEntry(model, ZOO)) {
    zoo = getZooEntry(model, ZOO)!;
    if (zoo.task !== task) throw new CliError(`zoo model '${zoo.name}' is a ${zoo.task} model, not ${task}: run \`hrnet ${zoo.task} … --model ${zoo.name}\``);
    config = zoo.name; // the heads build a zoo name's exact network (preset + upstream differences)
    configLabel = `zoo ${zoo.name} (preset ${zoo.model.preset})`;
  } else {
    config = model;
    configLabel = `preset ${model}`;
  }
  // the commands build networks with the sync create*Model, which needs the parser loaded for YAML text
  await loadYamlSupportFor(config);
  let sd: StateDict;
  let weightsLabel: string;
  if (weightsPath) {
    const r = await loadWeights(weightsPath, options);
    sd = r.sd;
    weightsLabel = r.path;
  } else if (zoo) {
    const path = await fetchZooFile(zoo, options);
    try {
      sd = await readCheckpointFile(path);
    } catch (e) {
      throw new CliError(`${path}: ${(e as Error).message}`);
    }
    weightsLabel = path;
  } else {
    const close = suggestZooNames(model, 3, ZOO).join(', ');
    throw new CliError(`--model '${model}' is not a zoo name, so --weights is needed (closest zoo names: ${close})`);
  }
  const mappingName = options.keys ?? (zoo && !weights ? null : detectKeyMapping(task, sd.keys()));
  const mapping = mappingName ? keyMapping(mappingName) : zoo!.keys;
  try {
    sd = applyZooKeyMapping(sd, mapping);
  } catch (e) {
    throw new CliError(`weights ${weightsLabel}: ${(e as Error).message}`);
  }
  return { task, config, configLabel, zoo, stateDict: sd, weightsLabel, keyMapping: mappingName ?? `zoo ${zoo!.origin}` };
}
