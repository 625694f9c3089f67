// Copies what `hrnet demo` reads into dist/demo/, so the demo runs from an npm install exactly as from the
// repository: the photos and det config in apps/cli/demo/, and the golden-test networks (small, random
// weights, made by the official code) that live with each head's tests. Run by `pnpm build` after tsup.
import { cpSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(cli, 'dist', 'demo');
mkdirSync(out, { recursive: true });
cpSync(join(cli, 'demo'), out, { recursive: true });
const NETWORKS = {
  det: 'packages/head-det/test/fixtures/det_fcos_small',
  pose: 'packages/head-pose/test/fixtures/pose_small',
  seg: 'packages/head-seg/test/fixtures/seg_small',
  face: 'packages/face-align/test/fixtures/face_small',
};
for (const [task, fixture] of Object.entries(NETWORKS)) {
  const from = join(cli, '..', '..', fixture);
  mkdirSync(join(out, task), { recursive: true });
  for (const file of ['weights.pth', 'config.yaml']) cpSync(join(from, file), join(out, task, file));
}
