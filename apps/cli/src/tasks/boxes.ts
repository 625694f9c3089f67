/**
 * Person boxes for top-down pose (and face boxes for landmarks) from a COCO detection results file
 * (`[{ image_id, category_id, bbox: [x, y, w, h], score }]`, as detectors and `hrnet det` write it).
 */
import { readFile } from 'node:fs/promises';
import { CliError } from '../exit-codes.js';

export interface ScoredBox {
  box: [number, number, number, number];
  score: number;
}

export class BoxSource {
  private constructor(private readonly byImage: Map<number, ScoredBox[]>) {}

  static async fromCocoResults(path: string, options: { categoryId?: number; minScore?: number } = {}): Promise<BoxSource> {
    let data: unknown;
    try {
      data = JSON.parse(await readFile(path, 'utf8'));
    } catch (e) {
      throw new CliError(`--boxes ${path}: cannot read a JSON file (${(e as Error).message})`);
    }
    if (!Array.isArray(data)) throw new CliError(`--boxes ${path}: expected a COCO detection results array, found ${typeof data}`);
    const map = new Map<number, ScoredBox[]>();
    data.forEach((d: unknown, i) => {
      const r = d as { image_id?: unknown; category_id?: unknown; bbox?: unknown; score?: unknown };
      const box = r.bbox;
      if (typeof r.image_id !== 'number' || !Array.isArray(box) || box.length !== 4 || !box.every((v) => Number.isFinite(v))) {
        throw new CliError(`--boxes ${path}: entry ${i} is not { image_id: number, bbox: [x, y, w, h], … }`);
      }
      if (options.categoryId !== undefined && r.category_id !== undefined && r.category_id !== options.categoryId) return;
      const score = typeof r.score === 'number' ? r.score : 1;
      if (score < (options.minScore ?? 0)) return;
      const list = map.get(r.image_id) ?? [];
      list.push({ box: box as [number, number, number, number], score });
      map.set(r.image_id, list);
    });
    return new BoxSource(map);
  }

  boxes(imageId: number): ScoredBox[] {
    return this.byImage.get(imageId) ?? [];
  }
}
