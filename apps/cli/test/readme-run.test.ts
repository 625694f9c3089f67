/**
 * Every Node block of every README runs (readme-blocks.test.ts only compiles them): each ```ts block is
 * written to a temporary folder inside apps/cli (so the packages resolve to their built dist/ as in a user's
 * project), given the imports of earlier blocks, and run with tsx in its own Node process. It must exit 0 and
 * an epilogue per block checks what the README says it gives (`__result(…)` → compared below).
 *
 * The user's data is bound to real files of this repo, under the names the README uses:
 * - checkpoints of real zoo networks cannot be downloaded here: each zoo name / full-size preset is rewritten
 *   to the golden SMALL network of the same family (the official code's own architecture at small widths:
 *   pose_small, face_small (300W, 68 points), seg_small (Cityscapes), det_fcos_small, cls_small, HigherHRNet
 *   small, and Lite-HRNet-18's own preset) and its weights (the golden fixtures' weights.pth; random weights,
 *   saved as safetensors, where a fixture has none), placed under the README's file name;
 * - photos are the sample photos (people_6.jpg; a 256x128 PNG made from it for the Cityscapes name);
 * - `fetch('/…/name.pth')` and the Lite-HRNet https URL are served from that folder by a fetch stand-in;
 * - COCO ground truth is a small synthetic file (one image, the poses / boxes the block finds).
 * Browser blocks (document, <img>, Vite `?url`) are listed with the test that runs them in Chromium
 * (apps/playground/test/readme-browser.e2e.test.ts, vite-recipe.e2e.test.ts); a block
 * that is only a type is compiled only. A README block without an entry here fails the test.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoImports, exportsOf, root, tsBlocks } from './readme-helpers.js';

const cli = fileURLToPath(new URL('../', import.meta.url));
const fx = (p: string): string => join(root, 'packages', p);
const run = promisify(execFile);

const POSE_W = fx('head-pose/test/fixtures/pose_small/weights.pth');
const FACE_W = fx('face-align/test/fixtures/face_small/weights.pth');
const SEG_W = fx('head-seg/test/fixtures/seg_small/weights.pth');
const DET_W = fx('head-det/test/fixtures/det_fcos_small/weights.pth');

/** How one README block runs. `has` identifies it (a string only that block contains). */
interface Entry {
  readme: string;
  has: string;
  /** 'node': run here; 'browser': run in Chromium by `by`; 'type': a type declaration, compiled only. */
  kind: 'node' | 'browser' | 'type';
  by?: string;
  /** [README text, what it is bound to]; every README text must occur in the block. */
  bind?: [string, string][];
  /** Code after the block; `__result(x)` reports x. */
  epilogue?: string;
  /** What `__result` reported, and text stdout must contain. */
  expect?: unknown;
  stdout?: RegExp;
}

const POSE = 'globalThis.POSE_SMALL_YAML';
const ENTRIES: Entry[] = [
  {
    readme: 'README.md', has: "createPoseModel('w32_256x192')", kind: 'node',
    bind: [["createPoseModel('w32_256x192')", `createPoseModel(${POSE})`]],
    epilogue: '__result(heatmaps.shape); heatmaps.dispose(); model.dispose();', expect: [1, 64, 48, 17], stdout: /using (tensorflow|wasm|cpu)/,
  },
  {
    readme: 'packages/core/README.md', has: "engineOptions: { threads: 2 }", kind: 'node',
    bind: [["'pose_hrnet_w32_coco_256x192'", POSE]], epilogue: '__result(estimator.engine); estimator.dispose();', expect: 'onnxruntime',
  },
  {
    readme: 'packages/core/README.md', has: 'new Sequential(new Conv2d(3, 8, 3', kind: 'node',
    epilogue: '__result([y.shape, block.shapes().size]); y.dispose(); block.dispose();', expect: [[1, 32, 32, 8], 6],
    stdout: /\[\s*'0\.weight',\s*'1\.weight',\s*'1\.bias',\s*'1\.running_mean',\s*'1\.running_var',\s*'1\.num_batches_tracked'\s*\]/,
  },
  { readme: 'packages/core/README.md', has: 'const choice = await selectBackend();', kind: 'node', epilogue: '__result(typeof choice.name);', expect: 'string', stdout: /using \w+/ },
  { readme: 'packages/core/README.md', has: '// main.ts', kind: 'browser', by: 'apps/playground/test/vite-recipe.e2e.test.ts (test/vite-recipe/main.ts)' },
  { readme: 'packages/core/README.md', has: '// vite.config.ts', kind: 'browser', by: 'apps/playground/test/vite-recipe.e2e.test.ts (test/vite-recipe/vite.config.ts)' },
  { readme: 'packages/core/README.md', has: 'evaluateCoco(groundTruth, detections', kind: 'node', epilogue: '__result(+result.stats[0].toFixed(3));', expect: 0.802, stdout: /^0\.802$[\s\S]*Average Precision/m },
  {
    readme: 'packages/core/README.md', has: 'new SegmentationMetric', kind: 'node', epilogue: '__result(meanIoU);', expect: 0.5,
    stdout: /\[ 0\.333\d*, 0\.666\d*, 0\.5 \] 0\.5/,
  },
  { readme: 'packages/core/README.md', has: 'saveSafetensors(sd, { float16: true })', kind: 'node', epilogue: '__result(st.byteLength > 0);', expect: true, stdout: /\[ 64, 3, 3, 3 \]/ },
  {
    readme: 'packages/core/README.md', has: 'writeTfjsWeightsFiles(', kind: 'node',
    epilogue: "__result([(await import('node:fs')).existsSync('public/models/pose_w32/model.json'), golden.shape]);", expect: [true, [1, 17, 32, 24]],
  },
  {
    readme: 'packages/face-align/README.md', has: "await sharp('face.jpg')", kind: 'node', bind: [["model: 'wflw'", 'model: globalThis.FACE_SMALL_YAML']],
    epilogue: '__result([faces.length, official!.landmarks.length, Number.isFinite(nme[0])]);', expect: [1, 68, true], stdout: /nme/,
  },
  { readme: 'packages/face-align/README.md', has: "import '@tensorflow/tfjs-backend-webgl';", kind: 'browser', by: 'apps/playground/test/readme-browser.e2e.test.ts' },
  { readme: 'packages/face-align/README.md', has: "model: 'face_hrnet_w18_wflw'", kind: 'node', bind: [["'face_hrnet_w18_wflw'", 'globalThis.FACE_SMALL_YAML'], ['weights: url', "weights: '/models/face_small.pth'"]], epilogue: '__result(aligner.engine); aligner.dispose();', expect: 'onnxruntime' },
  {
    readme: 'packages/head-det/README.md', has: "readCheckpointFile('FCOS_hrnet_w18_5l_2x.pth')", kind: 'node', bind: [["model: 'fcos_w18_5l'", 'model: globalThis.DET_SMALL_YAML']],
    epilogue: '__result([Array.isArray(detections), cocoJson.length === detections.length]);', expect: [true, true],
  },
  {
    readme: 'packages/head-det/README.md', has: 'boxes: people.map((d) => d.box)', kind: 'node',
    bind: [["model: 'fcos_w32_5l'", 'model: globalThis.DET_SMALL_YAML'], ["model: 'coco_w32_256x192'", `model: ${POSE}`]],
    epilogue: '__result(poses.length === people.length);', expect: true,
  },
  { readme: 'packages/head-det/README.md', has: 'evaluateCoco(instancesVal2017', kind: 'node', epilogue: '__result(ev.stats[0]);', expect: 1, stdout: /Average Precision/ },
  {
    readme: 'packages/head-det/README.md', has: "model: 'mmdet_fcos_hrnetv2p_w32_gn-head_4x4_1x_coco'", kind: 'node',
    bind: [["'mmdet_fcos_hrnetv2p_w32_gn-head_4x4_1x_coco'", 'globalThis.DET_SMALL_YAML'], ['weights: url', "weights: '/models/det_small.pth'"]],
    epilogue: '__result([detector.engine, Array.isArray(detections)]); detector.dispose();', expect: ['onnxruntime', true],
  },
  { readme: 'packages/head-pose/README.md', has: "backend: ['webgpu', 'webgl', 'wasm']", kind: 'browser', by: 'apps/playground/test/readme-browser.e2e.test.ts' },
  {
    readme: 'packages/head-pose/README.md', has: "jpeg.decode(await readFile('people_6.jpg')", kind: 'node', bind: [["model: 'coco_w32_256x192'", `model: ${POSE}`]],
    epilogue: '__result([poses.length, poses[0]!.keypoints.length, poses[0]!.keypoints[0]!.name]);', expect: [2, 17, 'nose'], stdout: /name: 'nose'/,
  },
  { readme: 'packages/head-pose/README.md', has: 'interface PoseShape', kind: 'type' },
  {
    readme: 'packages/head-pose/README.md', has: "model: 'mmpose_td-hm_litehrnet-18_8xb64-210e_coco-256x192'", kind: 'node',
    bind: [["model: 'mmpose_td-hm_litehrnet-18_8xb64-210e_coco-256x192'", "model: 'litehrnet_18_coco_256x192'"], ['estimatePoses(img,', 'estimatePoses(image,']],
    epilogue: '__result([poses.length, poses[0]!.keypoints.length]); estimator.dispose();', expect: [1, 17],
  },
  {
    readme: 'packages/head-pose/README.md', has: 'createMultiPoseEstimator({', kind: 'node',
    bind: [["model: 'pose_higher_hrnet_w32_512'", 'model: globalThis.HIGHER_SMALL_YAML'], ['estimatePoses(img,', 'estimatePoses(image,']],
    epilogue: '__result([Array.isArray(people), results.length === people.length]); est.dispose();', expect: [true, true], stdout: /^-?\d/m,
  },
  {
    readme: 'packages/head-pose/README.md', has: 'exportOnnx(estimator.model', kind: 'node', bind: [["'pose_hrnet_w32_coco_256x192'", POSE]],
    epilogue: '__result([estimator.engine, poses.length, onnx.byteLength > 1000]); estimator.dispose();', expect: ['onnxruntime', 1, true],
  },
  {
    readme: 'packages/head-pose/README.md', has: "toCocoResults([{ imageId: 785, poses }])", kind: 'node',
    epilogue: "__result([results.length > 0, (await import('node:fs')).existsSync('keypoints_val2017_results.json'), evaluateKeypoints(gt, results).stats[0]]);",
    expect: [true, true, 1], stdout: /Average Precision/,
  },
  {
    readme: 'packages/head-seg/README.md', has: "PNG.sync.read(await readFile('frankfurt_000000_000294_leftImg8bit.png'))", kind: 'node',
    bind: [["model: 'w48_cityscapes'", 'model: globalThis.SEG_SMALL_YAML']],
    epilogue: "__result([result.width, result.height, result.classNames[0], (await import('node:fs')).existsSync('labels.png')]);", expect: [256, 128, 'road', true],
    stdout: /using wasm \(requested\)/,
  },
  {
    readme: 'packages/head-seg/README.md', has: "model: 'seg_hrnet_w48_cityscapes'", kind: 'node',
    bind: [["'seg_hrnet_w48_cityscapes'", 'globalThis.SEG_SMALL_YAML'], ['weights: url', "weights: '/models/seg_small.pth'"], ['segment(image,', 'segment(globalThis.smallImage,']],
    epilogue: '__result([segmenter.engine, labels.length]); segmenter.dispose();', expect: ['onnxruntime', 256 * 128],
  },
  {
    readme: 'packages/hrnet-backbone/README.md', has: "createClassificationModel('w18')", kind: 'node', bind: [["createClassificationModel('w18')", 'createClassificationModel(globalThis.CLS_SMALL_YAML)']],
    epilogue: '__result(logits.shape);', expect: [1, 1000], stdout: /probability/,
  },
  {
    readme: 'packages/hrnet-backbone/README.md', has: "model: 'cls_hrnet_w18_imagenet_timm'", kind: 'node',
    bind: [["'cls_hrnet_w18_imagenet_timm'", 'globalThis.CLS_SMALL_YAML'], ['weights: url', "weights: '/models/cls_small.safetensors'"]],
    epilogue: '__result(classifier.engine); classifier.dispose();', expect: 'onnxruntime',
  },
  {
    readme: 'packages/hrnet-backbone/README.md', has: 'createClassificationModel(clsHrnetYamlText)', kind: 'node',
    epilogue: "__result(net.shapes().get('classifier.weight'));", expect: [1000, 2048],
  },
];

/** Runs before each block (imported first): the user's data and files as the READMEs name them. */
const SETUP = `
import { readFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { basename } from 'node:path';
import jpeg from 'jpeg-js';
const G = globalThis as any;
G.__result = (x: unknown) => console.log('README-RESULT ' + JSON.stringify(x));
const text = (p: string) => readFileSync(p, 'utf8');
G.POSE_SMALL_YAML = text(${JSON.stringify(fx('head-pose/test/fixtures/pose_small/config.yaml'))});
G.FACE_SMALL_YAML = text(${JSON.stringify(fx('face-align/test/fixtures/face_small/config.yaml'))});
G.SEG_SMALL_YAML = text(${JSON.stringify(fx('head-seg/test/fixtures/seg_small/config.yaml'))});
// the playground's copy of det_fcos_small's config: it states its W8 trunk under MODEL.HRNET.EXTRA, the form
// parseDetectionYaml reads (the fixture's own names HRNET-W8, which only its generator knows)
G.DET_SMALL_YAML = text(${JSON.stringify(join(root, 'apps/playground/src/configs/det_fcos_small.yaml'))});
G.CLS_SMALL_YAML = text(${JSON.stringify(fx('hrnet-backbone/test/fixtures/cls_small/config.yaml'))});
G.HIGHER_SMALL_YAML = text(${JSON.stringify(fx('head-pose/test/fixtures/higherhrnet_small/config.yaml'))});
G.clsHrnetYamlText = G.CLS_SMALL_YAML;
// the bound networks are YAML text: the sync create*Model of a rewritten block needs the parser, as after
// the README's own loadYamlSupport() (the async factories load it themselves)
await (await import('@hrnetjs/hrnet-backbone')).loadYamlSupport();
// fetch('/models/x.pth') or an https checkpoint URL: the file of that name in this folder
const realFetch = globalThis.fetch;
G.fetch = async (input: any, init?: any) => {
  const name = basename(String(input?.url ?? input));
  try {
    return new Response(readFileSync(name));
  } catch {
    return realFetch(input, init);
  }
};
const photo = jpeg.decode(readFileSync('people_6.jpg'), { useTArray: true, formatAsRGBA: false });
G.image = { data: photo.data, width: photo.width, height: photo.height, channels: 3 };
G.smallImage = JSON.parse(text('small_image.json'), (k, v) => (k === 'data' ? Uint8Array.from(v) : v));
G.url = '/models/pose_small.pth';
G.boxes = [[90, 60, 110, 250]];
G.rgbBytes = photo.data;
G.detWeights = readFileSync('det_small.pth');
G.poseWeights = readFileSync('pose_small.pth');
G.readFile = fsp.readFile;
G.writeFile = fsp.writeFile;
G.gt = JSON.parse(text('person_keypoints_val2017.json'));
G.images = [{ id: 1, detections: [{ box: [10, 20, 100, 200], score: 0.9, label: 0, className: 'person' }] }];
G.instancesVal2017 = { images: [{ id: 1 }], categories: [{ id: 1, name: 'person' }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 20, 100, 200], area: 20000, iscrowd: 0 }] };
const tsd = await import('@hrnetjs/core');
// the core README's Sequential block: a state dict of those very layers (what its .pth would hold)
// (a getter: made when the block reads it, after the block has chosen its backend)
Object.defineProperty(G, 'stateDictFromAPyTorchFile', {
  get: () => new tsd.Sequential(new tsd.Conv2d(3, 8, 3, { stride: 2, padding: 1, bias: false }), new tsd.BatchNorm2d(8), new tsd.ReLU()).stateDict(),
});
G.poses = JSON.parse(text('poses.json'));
`;

/** Deep equality, numbers to 1e-6 (an AP of 0.9999999999999998 is the README's 1). */
function expectClose(got: unknown, want: unknown, what: string): void {
  if (typeof want === 'number') expect(got as number, what).toBeCloseTo(want, 6);
  else if (Array.isArray(want)) {
    expect(Array.isArray(got) && got.length === want.length, `${what}: ${JSON.stringify(got)}`).toBe(true);
    want.forEach((w, i) => expectClose((got as unknown[])[i], w, what));
  } else expect(got, what).toEqual(want);
}

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(cli, '.readme-run-'));
  const put = (from: string, ...names: string[]): void => names.forEach((n) => copyFileSync(from, join(dir, n)));
  put(POSE_W, 'pose_small.pth', 'pose_hrnet_w32_256x192.pth');
  put(FACE_W, 'HR18-WFLW.pth', 'face_small.pth');
  put(SEG_W, 'hrnet_cs_8090_torch11.pth', 'seg_small.pth');
  put(DET_W, 'FCOS_hrnet_w18_5l_2x.pth', 'det_small.pth');
  put(fx('head-pose/test/fixtures/pose_small/output.npy'), 'output.npy');
  put(join(cli, 'test/fixtures/samples/people_6.jpg'), 'people_6.jpg', 'face.jpg');
  // networks whose golden fixture has no weights file: the bound small network's (or preset's) random weights
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  const { saveSafetensors } = await import('@hrnetjs/core');
  const { createClassificationModel, loadYamlSupport } = await import('@hrnetjs/hrnet-backbone');
  const { createPoseModel, createBottomUpPoseModel, createPoseEstimator, COCO_KEYPOINTS } = await import('@hrnetjs/head-pose');
  await loadYamlSupport();
  const save = (model: { stateDict(): Map<string, never>; dispose(): void }, ...names: string[]): void => {
    const bytes = saveSafetensors(model.stateDict());
    for (const n of names) writeFileSync(join(dir, n), bytes);
    model.dispose();
  };
  const yaml = (p: string): string => readFileSync(fx(p), 'utf8');
  save(createClassificationModel(yaml('hrnet-backbone/test/fixtures/cls_small/config.yaml')) as never, 'hrnetv2_w18_imagenet_pretrained.pth', 'cls_small.safetensors');
  save(createBottomUpPoseModel(yaml('head-pose/test/fixtures/higherhrnet_small/config.yaml')) as never, 'pose_higher_hrnet_w32_512.pth');
  save(createPoseModel('litehrnet_18_coco_256x192') as never, 'litehrnet18_coco_256x192-6bace359_20211230.pth');
  // a 256x128 image for the Cityscapes-named PNG and the multi-scale ONNX block (sharp: apps/cli's decoder)
  const sharp = (await import('sharp')).default;
  const small = await sharp(join(cli, 'test/fixtures/samples/people_6.jpg')).resize(256, 128, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  writeFileSync(join(dir, 'small_image.json'), JSON.stringify({ data: [...small], width: 256, height: 128, channels: 3 }));
  writeFileSync(join(dir, 'frankfurt_000000_000294_leftImg8bit.png'), await sharp(small, { raw: { width: 256, height: 128, channels: 3 } }).png().toBuffer());
  // poses of the bound pose network on the sample photo, and COCO ground truth that is exactly them (AP 1)
  const jpeg = (await import('jpeg-js' as string)).default as { decode(b: Buffer, o: object): { data: Uint8Array; width: number; height: number } };
  const photo = jpeg.decode(readFileSync(join(dir, 'people_6.jpg')), { useTArray: true, formatAsRGBA: false });
  const est = await createPoseEstimator({ model: yaml('head-pose/test/fixtures/pose_small/config.yaml'), weights: new Uint8Array(readFileSync(POSE_W)), backend: 'cpu' });
  const poses = await est.estimatePoses({ ...photo, channels: 3 }, { boxes: [[90, 60, 110, 250]] });
  est.dispose();
  writeFileSync(join(dir, 'poses.json'), JSON.stringify(poses));
  const kp = poses[0]!.keypoints.flatMap((k) => [k.x, k.y, 2]);
  const [bx, by, bw, bh] = poses[0]!.box;
  writeFileSync(
    join(dir, 'person_keypoints_val2017.json'),
    JSON.stringify({
      images: [{ id: 785 }],
      categories: [{ id: 1, name: 'person', keypoints: COCO_KEYPOINTS.names, skeleton: COCO_KEYPOINTS.skeleton }],
      annotations: [{ id: 1, image_id: 785, category_id: 1, bbox: [bx, by, bw, bh], area: bw * bh, iscrowd: 0, num_keypoints: 17, keypoints: kp }],
    }),
  );
  // 68 points (the bound 300W network's count) near the face box, in the README's file name
  writeFileSync(join(dir, 'face.wflw.json'), JSON.stringify(Array.from({ length: 68 }, (_, i) => [250 + (i % 10) * 10, 120 + Math.floor(i / 10) * 20])));
  writeFileSync(join(dir, 'setup.mts'), SETUP);
}, 300_000);

afterAll(() => {
  if (dir && !process.env.KEEP_README_RUN) rmSync(dir, { recursive: true, force: true });
});

describe('README code blocks run', () => {
  const blocks = tsBlocks();
  it('every ts block has exactly one entry here, and every entry one block', () => {
    for (const b of blocks) {
      const e = ENTRIES.filter((x) => x.readme === b.readme && b.code.includes(x.has));
      expect(e.length, `${b.readme} ts block ${b.index}: ${b.code.split('\n')[0]}`).toBe(1);
    }
    for (const e of ENTRIES) expect(blocks.filter((b) => b.readme === e.readme && b.code.includes(e.has)).length, `${e.readme}: ${e.has}`).toBe(1);
  });

  for (const e of ENTRIES.filter((x) => x.kind === 'node')) {
    it(`${e.readme}: ${e.has}`, async () => {
      const block = blocks.find((b) => b.readme === e.readme && b.code.includes(e.has));
      expect(block, 'the README block is gone').toBeDefined();
      let code = block!.code;
      for (const [from, to] of e.bind ?? []) {
        expect(code.includes(from), `binding text not in the block any more: ${from}`).toBe(true);
        code = code.replaceAll(from, to);
      }
      const file = join(dir, `block_${block!.readme.replace(/[/.]/g, '_')}_${block!.index}.mts`);
      writeFileSync(file, `import './setup.mts';\n${autoImports(code, block!.readme, await exportsOf())}\n${code}\n${e.epilogue ?? ''}\nexport {};\n`);
      let stdout = '';
      try {
        ({ stdout } = await run(join(root, 'node_modules/.bin/tsx'), [file], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 }));
      } catch (err) {
        const x = err as { stderr?: string; stdout?: string };
        throw new Error(`${e.readme} block ${block!.index} failed:\n${(x.stderr ?? String(err)).slice(-3000)}`);
      }
      const line = stdout.split('\n').find((l) => l.startsWith('README-RESULT '));
      expect(line, stdout.slice(-2000)).toBeDefined();
      const got = JSON.parse(line!.slice('README-RESULT '.length));
      expectClose(got, e.expect, `${e.readme} block ${block!.index}`);
      if (e.stdout) expect(stdout).toMatch(e.stdout);
    });
  }

  it('browser blocks name the test that runs them', () => {
    for (const e of ENTRIES.filter((x) => x.kind === 'browser')) expect(e.by, e.has).toBeTruthy();
    expect(existsSync(join(root, 'apps/playground/test/vite-recipe.e2e.test.ts'))).toBe(true);
  });

  it("the Vite recipe app that vite-recipe.e2e.test.ts builds and runs in Chromium holds every code line of the core README's two Vite blocks", () => {
    for (const [has, file] of [['// main.ts', 'main.ts'], ['// vite.config.ts', 'vite.config.ts']] as const) {
      const block = blocks.find((b) => b.readme === 'packages/core/README.md' && b.code.includes(has))!;
      const app = readFileSync(join(root, 'apps/playground/test/vite-recipe', file), 'utf8');
      const lines = block.code.split('\n').map((l) => l.replace(/\s*\/\/.*$/, '').trim()).filter(Boolean);
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(app, `${file} lacks the README line: ${line}`).toContain(line);
    }
  });
});
