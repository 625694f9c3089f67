import type { CocoBoxResult } from '@hrnetjs/core';
import { InputError } from '@hrnetjs/core';
import { COCO_CATEGORY_IDS } from './coco-classes.js';
import type { Detection } from './detector.js';

/**
 * Detections of one image → COCO results JSON entries (`prepare_for_coco_detection`): `bbox` is the
 * detection's `[x, y, w, h]` with the official `+1` on width and height (`BoxList.convert('xywh')`,
 * `TO_REMOVE = 1`: the boxes the official evaluation scores), `category_id` from the class index
 * through `categoryIds` (default: the COCO-80 → COCO id table). Feed them, with every image's, to core's
 * `evaluateCoco(gt, results, { iouType: 'bbox' })`.
 */
export function toCocoResults(detections: readonly Detection[], imageId: number, categoryIds: readonly number[] = COCO_CATEGORY_IDS): CocoBoxResult[] {
  return detections.map((d) => {
    const categoryId = categoryIds[d.label];
    if (categoryId === undefined) throw new InputError(`toCocoResults: label ${d.label} has no category id (${categoryIds.length} ids given)`);
    return { image_id: imageId, category_id: categoryId, bbox: [d.box[0], d.box[1], Math.fround(d.box[2] + 1), Math.fround(d.box[3] + 1)], score: d.score };
  });
}
