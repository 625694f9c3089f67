/**
 * COCO keypoint AP of a results file, no Python needed:
 *   npx tsx examples/evaluate.ts person_keypoints_val2017.json keypoints_results.json
 */
import { readFile } from 'node:fs/promises';
import { formatCocoStats } from '@hrnetjs/core';
import { evaluateKeypoints } from '@hrnetjs/head-pose';

const [gtPath, resultsPath] = process.argv.slice(2);
if (!gtPath || !resultsPath) throw new Error('usage: evaluate.ts <ground truth json> <results json>');
const gt = JSON.parse(await readFile(gtPath, 'utf8'));
const results = JSON.parse(await readFile(resultsPath, 'utf8'));
console.log(formatCocoStats(evaluateKeypoints(gt, results)));
