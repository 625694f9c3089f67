/**
 * `hrnet demo`: the quick start. Runs every head that exists on the bundled sample photos with the bundled
 * golden-fixture weights — small networks with RANDOM weights (the official-parity test fixtures), so the
 * pictures show the pipeline working, not meaningful poses or masks — and writes annotated images + JSON.
 * Offline: everything it reads ships in this package's `dist/demo/`.
 */
import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ZooTask } from '@hrnetjs/core';
import { EXIT } from '../exit-codes.js';
import { runInference } from './infer.js';
import type { Context } from '../context.js';

/**
 * Where the demo's photos, det config and networks are: `dist/demo/` of this package, filled by the build
 * (`scripts/demo-assets.mjs`), so an npm install runs the demo exactly as the repository does. Found from
 * `dist/*.js` or, under the tests, from `src/commands/*.ts`.
 */
export function demoAssets(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return join(here, here.includes(join('src', 'commands')) ? '../../dist/demo' : 'demo');
}

export const DEMO_SAMPLES = ['soccer.jpg', 'pedestrians.jpg', 'basketball.png'];

interface DemoStep {
  task: ZooTask;
  /** A config to use instead of the network's own `config.yaml` (a file in the demo assets). */
  config?: string;
  extra?: Record<string, string | boolean>;
}

const STEPS: DemoStep[] = [
  { task: 'det', config: 'det_fcos_small.yaml', extra: { 'score-threshold': '0.05' } },
  { task: 'pose' },
  { task: 'seg' },
  { task: 'face' },
];

export async function demo(ctx: Context, out: string): Promise<number> {
  const assets = demoAssets();
  const samples = DEMO_SAMPLES.map((s) => join(assets, 'samples', s));
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
    const network = join(assets, step.task);
    try {
      await access(join(network, 'weights.pth'));
    } catch {
      // a broken install, not a choice: say so and count it as failed
      ctx.out(`${step.task.padEnd(5)} FAILED: no network at ${network} (reinstall @hrnetjs/cli, or run pnpm build)\n`);
      failed++;
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
        model: step.config ? join(assets, step.config) : network,
        weights: step.config ? join(network, 'weights.pth') : undefined,
        out: dir,
        annotate: true,
        extra,
        imageIds: undefined,
      });
      ran++;
      if (code !== EXIT.ok) failed++;
      ctx.out(`${step.task.padEnd(5)} ${summary.processed} images → ${dir}/ (${summary.outputs.length} files; ${summary.model})\n`);
    } catch (e) {
      // the other tasks still run, but the demo fails: a newcomer must not take a broken head for a working one
      ctx.out(`${step.task.padEnd(5)} FAILED: ${(e as Error).message.split('\n')[0]}\n`);
      failed++;
    }
  }
  if (ran === 0) ctx.err('hrnet demo: no task ran (see the lines above)');
  ctx.out(`\n${ran} task${ran === 1 ? '' : 's'} ran on ${ctx.backend}; annotated images in ${out}/<task>/annotated/, results in ${out}/<task>/<task>.json\n`);
  return failed === 0 ? EXIT.ok : ran > 0 ? EXIT.partial : EXIT.error;
}
