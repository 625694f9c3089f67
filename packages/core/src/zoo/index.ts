/**
 * The generic machinery of the model zoo: entry types, file descriptions, key mappings, lookups by name with
 * "did you mean" suggestions. The entries live with the head that runs them (`POSE_ZOO` in
 * `@hrnetjs/head-pose`, `SEG_ZOO`, `DET_ZOO`, `FACE_ZOO`, `CLASSIFY_ZOO`): each head knows which network, which
 * upstream differences and which pre/post-processing its checkpoints need. Browser-safe data and pure
 * functions only; downloading and caching live in the CLI (`hrnet --model <name>`).
 */
import { ConfigError } from '../errors.js';
import { KEY_MAPPINGS } from './mappings.js';
import type { ZooEntry, ZooTask } from './types.js';

export type { ZooEntry, ZooFile, ZooKeyMapping, ZooModel, ZooOrigin, ZooTask } from './types.js';
export { byHandFile, directFile, sha256PrefixFromFileName } from './files.js';
export { KEY_MAPPINGS, mmdetFcosKeyMapping } from './mappings.js';
export { applyZooKeyMapping } from './keys.js';

/** Entries of one task (all when omitted), in the order given. */
export function listZoo<P = unknown>(entries: readonly ZooEntry<P>[], task?: ZooTask): ZooEntry<P>[] {
  return entries.filter((e) => task === undefined || e.task === task);
}

/** Levenshtein distance: insertions, deletions and substitutions that turn `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = d[0]!;
    d[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = d[j]!;
      d[j] = Math.min(d[j]! + 1, d[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return d[b.length]!;
}

/** The entry named `name` (exact, case-insensitive), or undefined. */
export function getZooEntry<P = unknown>(name: string, entries: readonly ZooEntry<P>[]): ZooEntry<P> | undefined {
  const n = name.trim().toLowerCase();
  return entries.find((e) => e.name.toLowerCase() === n);
}

/**
 * Up to `k` of `candidates` closest to `name` (substring matches first, then edit distance), for "did you mean"
 * messages: zoo names, presets, CLI commands and flags all use this one ranking.
 */
export function closestNames(name: string, candidates: readonly string[], k: number): string[] {
  const n = name.trim().toLowerCase();
  const scored = candidates.map((c) => {
    const m = c.toLowerCase();
    return { name: c, score: m.includes(n) || n.includes(m) ? -1 / m.length : editDistance(n, m) };
  });
  return scored.sort((a, b) => a.score - b.score).slice(0, k).map((s) => s.name);
}

/** Up to `k` zoo names closest to `name` (substring matches first), for "did you mean" messages. */
export function suggestZooNames(name: string, k: number, entries: readonly ZooEntry<any>[]): string[] {
  return closestNames(name, entries.map((e) => e.name), k);
}

/** Like `getZooEntry`, but throws a `ConfigError` naming the closest entries. */
export function findZooEntry<P = unknown>(name: string, entries: readonly ZooEntry<P>[]): ZooEntry<P> {
  const e = getZooEntry(name, entries);
  if (e) return e;
  throw new ConfigError(`no zoo model named "${name}"; closest: ${suggestZooNames(name, 5, entries).join(', ')} (list them all with \`hrnet zoo\`)`);
}

/**
 * Which key mapping a checkpoint's names call for, from its keys alone: OpenMMLab layouts are recognised by
 * their top-level names (`decode_head.`, `bbox_head.`/`neck.`, `keypoint_head.`/`head.final_layer`), the rest
 * is taken as official. Returns the `KEY_MAPPINGS` name.
 */
export function detectKeyMapping(task: ZooTask, keys: Iterable<string>): string {
  const all = [...keys].map((k) => (k.startsWith('module.') ? k.slice(7) : k));
  const has = (p: string) => all.some((k) => k.startsWith(p));
  if (has('decode_head.')) return 'mmseg-fcn';
  if (has('bbox_head.') && has('neck.')) return 'mmdet-fcos';
  if (has('backbone.') && has('keypoint_head.deconv_layers.')) return 'mmpose-ae';
  if (has('backbone.') && (has('keypoint_head.') || has('head.final_layer.') || has('head.conv_layers.'))) {
    return task === 'face' ? 'mmpose-face' : 'mmpose-pose';
  }
  if (task === 'seg') return 'official-seg';
  return 'official';
}

/** A `KEY_MAPPINGS` entry by name (ConfigError listing the names otherwise). */
export function keyMapping(name: string) {
  const m = KEY_MAPPINGS[name];
  if (!m) throw new ConfigError(`unknown key mapping "${name}"; expected one of ${Object.keys(KEY_MAPPINGS).join(', ')}`);
  return m;
}
