import { ConfigError, type StateDict, StateDictError, getZooEntry } from '@hrnetjs/core';
import { PoseHighResolutionNet, poseNetworkPresetConfig } from './model.js';
import { PoseLiteHRNet } from './lite.js';
import { POSE_ZOO } from './zoo.js';
import { PoseHigherResolutionNet, bottomUpPresetName } from './bottom-up/model.js';
import { BOTTOM_UP_ZOO } from './bottom-up/zoo.js';

/**
 * Top-down (`PoseHighResolutionNet`, one person a box) and bottom-up (`PoseHigherResolutionNet`, HigherHRNet)
 * pose share the trunk, the zoo's task, YAML layout and checkpoint prefixes, so a mix-up would otherwise surface
 * as "unknown preset" or a list of missing keys. These checks say which kind was given and which factory takes it.
 */
export type PoseKind = 'top-down' | 'bottom-up';

const KIND = {
  'top-down': { network: 'PoseHighResolutionNet (top-down HRNet)', factory: 'createPoseEstimator', keys: 'final_layer.*' },
  'bottom-up': { network: 'PoseHigherResolutionNet (bottom-up HigherHRNet)', factory: 'createMultiPoseEstimator', keys: 'deconv_layers.*, final_layers.*' },
} as const;

const other = (k: PoseKind): PoseKind => (k === 'top-down' ? 'bottom-up' : 'top-down');

/**
 * Which pose network a checkpoint's keys are for: the bottom-up head has `final_layers.N` (one per resolution),
 * the top-down one a single `final_layer` (with or without mmpose's `backbone.` / `keypoint_head.` prefixes).
 */
export function checkpointPoseKind(keys: Iterable<string>): PoseKind | undefined {
  let topDown = false;
  for (const k of keys) {
    if (/(^|\.)final_layers\.\d+\./.test(k)) return 'bottom-up';
    if (/(^|\.)final_layer\./.test(k)) topDown = true;
  }
  return topDown ? 'top-down' : undefined;
}

/** Which pose network a zoo name or preset names, if it is one of this head's. */
function namedPoseKind(name: string): PoseKind | undefined {
  if (getZooEntry(name, BOTTOM_UP_ZOO) || bottomUpPresetName(name)) return 'bottom-up';
  if (getZooEntry(name, POSE_ZOO)) return 'top-down';
  try {
    poseNetworkPresetConfig(name);
    return 'top-down';
  } catch {
    return undefined;
  }
}

/**
 * Refuses, before anything is loaded, a `model` of the other pose kind than `want`: a built network, or a zoo
 * name / preset. (A YAML of the other kind is refused by its parser, which names the other factory.)
 */
export function refuseOtherPoseModel(model: unknown, want: PoseKind): void {
  const got = other(want);
  const isOther = got === 'top-down' ? model instanceof PoseHighResolutionNet || model instanceof PoseLiteHRNet : model instanceof PoseHigherResolutionNet;
  let what: string | undefined;
  if (isOther) what = `a built ${model instanceof PoseLiteHRNet ? 'PoseLiteHRNet (top-down Lite-HRNet)' : KIND[got].network} network`;
  else if (typeof model === 'string' && !model.includes('\n') && namedPoseKind(model) === got) what = `"${model}", a ${KIND[got].network} model`;
  if (what) {
    throw new ConfigError(`${KIND[want].factory}: model: expected a ${KIND[want].network} model, found ${what}; pass it to ${KIND[got].factory}`);
  }
}

/** The plain-words check before the strict load: a checkpoint of the other pose kind names both networks. */
export function refuseOtherPoseCheckpoint(sd: StateDict, want: PoseKind): void {
  const got = checkpointPoseKind(sd.keys());
  if (got && got !== want) {
    throw new StateDictError(
      `${KIND[want].factory}: this is a ${got} pose checkpoint (${KIND[got].network}: ${KIND[got].keys}), ` +
        `not a ${want} ${KIND[want].network} one; use ${KIND[got].factory}${got === 'top-down' ? ' with person boxes' : ''}`,
    );
  }
}
