/** Checks of the COCO results formats (what pycocotools' loadRes accepts). */
export function checkKeypointResults(rs: unknown, numKeypoints: number): string[] {
  const errs: string[] = [];
  if (!Array.isArray(rs)) return ['not an array'];
  rs.forEach((r: Record<string, unknown>, i) => {
    if (!Number.isInteger(r.image_id)) errs.push(`${i}: image_id`);
    if (r.category_id !== 1) errs.push(`${i}: category_id`);
    const k = r.keypoints;
    if (!Array.isArray(k) || k.length !== 3 * numKeypoints || !k.every(Number.isFinite)) errs.push(`${i}: keypoints`);
    if (typeof r.score !== 'number' || !Number.isFinite(r.score)) errs.push(`${i}: score`);
  });
  return errs;
}

export function checkBoxResults(rs: unknown): string[] {
  const errs: string[] = [];
  if (!Array.isArray(rs)) return ['not an array'];
  rs.forEach((r: Record<string, unknown>, i) => {
    if (!Number.isInteger(r.image_id)) errs.push(`${i}: image_id`);
    if (!Number.isInteger(r.category_id)) errs.push(`${i}: category_id`);
    const b = r.bbox;
    if (!Array.isArray(b) || b.length !== 4 || !b.every(Number.isFinite) || (b[2] as number) < 0 || (b[3] as number) < 0) errs.push(`${i}: bbox`);
    if (typeof r.score !== 'number') errs.push(`${i}: score`);
  });
  return errs;
}
