/**
 * Every zoo entry the CLI knows: each head's own list (the head knows its networks and upstream processing),
 * gathered here because only the CLI serves every task.
 */
import { type ZooEntry, keyMapping } from '@hrnetjs/core';
import { FACE_ZOO, faceZooConfig } from '@hrnetjs/face-align';
import { DET_ZOO, type DetZooProcessing, detectionZooConfig } from '@hrnetjs/head-det';
import { BOTTOM_UP_ZOO, POSE_ZOO, bottomUpZooConfig, poseNetworkPresetConfig } from '@hrnetjs/head-pose';
import { SEG_ZOO, segmentationZooConfig } from '@hrnetjs/head-seg';
import { CLASSIFY_ZOO, backbonePreset, normalizePresetName } from '@hrnetjs/hrnet-backbone';

export const ZOO: readonly ZooEntry[] = Object.freeze([...POSE_ZOO, ...BOTTOM_UP_ZOO, ...SEG_ZOO, ...DET_ZOO, ...FACE_ZOO, ...CLASSIFY_ZOO] as ZooEntry[]);

/**
 * Whether an entry's network resolves (true) or the reason it does not: its config is worked out exactly as
 * `create<Task>Model(name)` does, without allocating any weights (the every-entry test builds them all).
 */
export function zooEntryBuilds(e: ZooEntry): true | string {
  try {
    if (BOTTOM_UP_ZOO.includes(e)) bottomUpZooConfig(e);
    else if (e.task === 'pose') poseNetworkPresetConfig(e.model.preset);
    else if (e.task === 'seg') segmentationZooConfig(e);
    else if (e.task === 'det') detectionZooConfig(e as ZooEntry<DetZooProcessing>);
    else if (e.task === 'face') faceZooConfig(e);
    else backbonePreset(normalizePresetName(e.model.preset), { fuseUpsample: { mode: 'nearest' }, multiScaleOutput: true });
    return true;
  } catch (err) {
    return (err as Error).message;
  }
}

/**
 * The head size an entry's network has (joints, landmarks or classes), worked out as `zooEntryBuilds` does;
 * undefined when the entry does not build.
 */
export function zooHeadSize(e: ZooEntry): number | undefined {
  try {
    if (BOTTOM_UP_ZOO.includes(e)) return bottomUpZooConfig(e).numJoints;
    if (e.task === 'pose') return poseNetworkPresetConfig(e.model.preset).numJoints;
    if (e.task === 'seg') return segmentationZooConfig(e).numClasses;
    if (e.task === 'det') return detectionZooConfig(e as ZooEntry<DetZooProcessing>).fcos.numClasses;
    if (e.task === 'face') return faceZooConfig(e).numLandmarks;
    return 1000;
  } catch {
    return undefined;
  }
}

/** Whether an entry's key mapping is the named `KEY_MAPPINGS` one (same rules, zero biases, scalars). */
export function zooUsesMapping(e: ZooEntry, name: string): boolean {
  return JSON.stringify(e.keys) === JSON.stringify(keyMapping(name));
}
