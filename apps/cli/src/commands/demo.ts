/**
 * `hrnet demo`: the quick start. Runs every head that exists on the bundled sample photos with the bundled
 * golden-fixture weights — small networks with RANDOM weights (the official-parity test fixtures), so the
 * pictures show the pipeline working, not meaningful poses or masks — and writes annotated images + JSON.
 * Offline: everything it reads is in the repository.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ZooTask } from '@hrnetjs/core';
import { EXIT } from '../exit-codes.js';
import { runInference } from './infer.js';
import type { Context } from '../context.js';

/** The repository root, from `apps/cli/dist/*.js` or `apps/cli/src/commands/*.ts`. */
export function repoRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, here.includes(`${join('src', 'commands')}`) ? '../../../..' : '../../..');
}

export const DEMO_SAMPLES = ['people_6.jpg', 'people_7.jpg'];

interface DemoStep {
  task: ZooTask;
  fixture: string;
  /** A config to use instead of the fixture's own `config.yaml` (relative to the repository root). */
  config?: string;
  extra?: Record<string, string | boolean>;
}

const STEPS: DemoStep[] = [
  {
    task: 'det',
    fixture: 'packages/head-det/test/fixtures/det_fcos_small',
    config: 'apps/cli/demo/det_fcos_small.yaml',
    extra: { 'score-threshold': '0.05' },
  },
  { task: 'pose', fixture: 'packages/head-pose/test/fixtures/pose_small' },
  { task: 'seg', fixture: 'packages/head-seg/test/fixtures/seg_small' },
  { task: 'face', fixture: 'packages/face-align/test/fixtures/face_small' },
];

export async function demo(ctx: Context, out: string): Promise<number> {
  const root = repoRoot();
  const samples = DEMO_SAMPLES.map((s) => join(root, 'apps/cli/test/fixtures/samples', s));
  ctx.out(
    [
      'hrnet demo',
      '  NOTE: these networks are the small golden-test fixtures with RANDOM weights (official HRNet code,',
      '  deterministic random init). The outputs show the whole pipeline running, not real predictions:',
      '  for real results use a zoo model, e.g. `hrnet pose img.jpg --model pose_hrnet_w32_coco_256x192`.',
      `  backend: ${ctx.backend}`,
      `  images:  ${samples.join(', ')}`,
      `  output:  ${out}`,
      '',
    ].join('\n'),
  );
  let failed = 0;
  let ran = 0;
  for (const step of STEPS) {
    const fixture = join(root, step.fixture);
    try {
      await access(join(fixture, 'weights.pth'));
    } catch {
      ctx.out(`${step.task.padEnd(5)} skipped: no fixture at ${fixture}\n`);
      continue;
    }
    const dir = join(out, step.task);
    try {
      const extra: Record<string, string | boolean> = { ...step.extra };
      if (step.task === 'pose') {
        // person boxes from the detection step when it ran, else the whole image
        try {
          const dets = JSON.parse(await readFile(join(out, 'det', 'det.json'), 'utf8')) as { category_id: number }[];
          // the fixture detector has random weights: it may find no person (COCO category 1) at all
          if (dets.some((d) => d.category_id === 1)) extra.boxes = join(out, 'det', 'det.json');
        } catch {
          /* whole image */
        }
      }
      const { code, summary } = await runInference(ctx, {
        task: step.task,
        inputs: samples,
        model: step.config ? join(root, step.config) : fixture,
        weights: step.config ? join(fixture, 'weights.pth') : undefined,
        out: dir,
        annotate: true,
        extra,
        imageIds: undefined,
      });
      ran++;
      if (code !== EXIT.ok) failed++;
      ctx.out(`${step.task.padEnd(5)} ${summary.processed} images → ${dir}/ (${summary.outputs.length} files; ${summary.model})\n`);
    } catch (e) {
      // a head whose API or fixture cannot run yet is reported and skipped; the other tasks still run
      ctx.out(`${step.task.padEnd(5)} skipped: ${(e as Error).message.split('\n')[0]}\n`);
    }
  }
  ctx.out(`\n${ran} task${ran === 1 ? '' : 's'} ran on ${ctx.backend}; annotated images in ${out}/<task>/annotated/, results in ${out}/<task>/<task>.json\n`);
  return failed === 0 ? EXIT.ok : ran > 0 ? EXIT.partial : EXIT.error;
}
