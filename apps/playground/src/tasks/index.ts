import { classificationTask } from './classification.js';
import { detectionTask } from './detection.js';
import { faceTask } from './face.js';
import { multiPoseTask } from './multipose.js';
import { poseTask } from './pose.js';
import { segmentationTask } from './segmentation.js';
import type { TaskDefinition, TaskId } from './types.js';

export type * from './types.js';

/** Every task the playground offers, in menu order. */
export const TASKS: readonly TaskDefinition[] = [poseTask, multiPoseTask, segmentationTask, detectionTask, faceTask, classificationTask];

export function taskById(id: TaskId): TaskDefinition {
  const t = TASKS.find((x) => x.id === id);
  if (!t) throw new Error(`unknown task "${id}"; expected one of ${TASKS.map((x) => x.id).join(', ')}`);
  return t;
}
