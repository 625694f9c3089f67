import { type Pose, type PoseEstimator, createPoseEstimator, toCocoResults } from '@hrnetjs/head-pose';
import { CliError } from '../exit-codes.js';
import { Svg, colour } from '../draw.js';
import { BoxSource, type ScoredBox } from './boxes.js';
import type { ImageOutcome, RunnerOptions, TaskRunner } from './types.js';

export interface PoseBoxProvider {
  describe: string;
  boxes(image: import('../images.js').DecodedImage, imageId: number): Promise<ScoredBox[]>;
}

/**
 * Top-down pose with head-pose's estimator (official crops, flip test, decoding, rescoring). Person boxes
 * come from `--boxes` (COCO detections), a detector (`--det-model`), or else the whole image.
 */
export async function createPoseRunner(o: RunnerOptions, detector?: PoseBoxProvider): Promise<TaskRunner> {
  let estimator: PoseEstimator;
  try {
    estimator = await createPoseEstimator({
      model: o.source.config,
      weights: o.source.stateDict,
      keyMapping: 'official', // model-source mapped the keys already
      engine: o.engine,
      engineOptions: o.engineOptions,
      flipTest: o.flipTest ?? true,
      // unset: the zoo entry's upstream decode (DARK for mmpose's dark models), else the official one
      decode: o.args.decode as 'official' | 'dark' | 'argmax' | undefined,
    });
  } catch (e) {
    throw new CliError(`cannot build the pose model from ${o.source.configLabel} with ${o.source.weightsLabel}: ${(e as Error).message}`);
  }
  const minScore = Number(o.args['box-threshold'] ?? 0);
  const boxFile = o.args.boxes as string | undefined;
  const fromFile = boxFile ? await BoxSource.fromCocoResults(boxFile, { categoryId: 1, minScore }) : null;
  const boxSource = fromFile ? `boxes from ${boxFile}` : detector ? detector.describe : 'the whole image as one person box (no --boxes / --det-model)';
  const perImage: { imageId: number; poses: Pose[] }[] = [];
  const skeleton = estimator.keypointSet.skeleton;
  return {
    description: `pose ${o.source.configLabel}, weights ${o.source.weightsLabel}, ${boxSource}`,
    async process(image, ctx): Promise<ImageOutcome> {
      let boxes: ScoredBox[];
      if (fromFile) boxes = fromFile.boxes(ctx.imageId);
      else if (detector) boxes = await detector.boxes(image, ctx.imageId);
      else boxes = [{ box: [0, 0, image.width, image.height], score: 1 }];
      const poses = await estimator.estimatePoses(image, { boxes: boxes.map((b) => b.box), boxScores: boxes.map((b) => b.score) });
      perImage.push({ imageId: ctx.imageId, poses });
      const svg = new Svg(image.width, image.height);
      poses.forEach((p, i) => {
        svg.box(p.box[0], p.box[1], p.box[2], p.box[3], colour(i), `person ${p.score.toFixed(2)}`);
        svg.skeleton(p.keypoints, skeleton, colour(i), Number(o.args['kpt-threshold'] ?? 0.2));
      });
      return {
        summary: `${poses.length} person${poses.length === 1 ? '' : 's'}`,
        record: { file: ctx.file, image_id: ctx.imageId, poses },
        svg: svg.toString(),
      };
    },
    // COCO keypoint results, with the official per-image OKS-NMS
    results: () => toCocoResults(perImage, { nms: o.args.nms !== false }),
    dispose: () => estimator.dispose(),
  };
}
