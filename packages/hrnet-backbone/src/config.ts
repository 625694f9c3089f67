import { ConfigError } from '@hrnetjs/core';

export type BlockType = 'BASIC' | 'BOTTLENECK';

/** One stage of `MODEL.EXTRA` in the official YAMLs (`STAGE1` … `STAGE4`). */
export interface StageConfig {
  numModules: number;
  numBranches: number;
  block: BlockType;
  /** Blocks per branch. */
  numBlocks: number[];
  /** Channels per branch, before the block's expansion. */
  numChannels: number[];
}

/**
 * How fuse layers bring a lower-resolution branch up to a higher one. The official pose and classification
 * code uses `nn.Upsample(scale_factor=2**(j-i), mode='nearest')`; segmentation and face use
 * `F.interpolate(size=…, mode='bilinear', align_corners=…)`. Checkpoints were trained with one of them,
 * so it is part of the config, not a choice at run time.
 */
export type FuseUpsample = { mode: 'nearest' } | { mode: 'bilinear'; alignCorners: boolean };

export interface HRNetConfig {
  /** Stage 1 (a single branch after the stem). Pose code hard-codes 4 Bottlenecks of 64. */
  stage1: StageConfig;
  stage2: StageConfig;
  stage3: StageConfig;
  stage4: StageConfig;
  fuseUpsample: FuseUpsample;
  /**
   * Whether the last module of stage 4 outputs every branch. The official pose net keeps only the
   * highest-resolution output (so its last module has a single fuse row); the other tasks keep all four.
   */
  multiScaleOutput: boolean;
}

/** The stage 1 the official pose code hard-codes (`_make_layer(Bottleneck, 64, 4)`). */
export const POSE_STAGE1: StageConfig = { numModules: 1, numBranches: 1, block: 'BOTTLENECK', numBlocks: [4], numChannels: [64] };

function stages(width: number, modules: [number, number, number], blocks = 4): Pick<HRNetConfig, 'stage2' | 'stage3' | 'stage4'> {
  const w = [width, width * 2, width * 4, width * 8];
  const stage = (n: number, numModules: number): StageConfig => ({
    numModules,
    numBranches: n,
    block: 'BASIC',
    numBlocks: new Array<number>(n).fill(blocks),
    numChannels: w.slice(0, n),
  });
  return { stage2: stage(2, modules[0]), stage3: stage(3, modules[1]), stage4: stage(4, modules[2]) };
}

/** Trunk presets by width; the official YAMLs of every task use these stage layouts. */
export const BACKBONE_PRESETS = {
  w18: { stage1: POSE_STAGE1, ...stages(18, [1, 4, 3]) },
  w30: { stage1: POSE_STAGE1, ...stages(30, [1, 4, 3]) },
  w32: { stage1: POSE_STAGE1, ...stages(32, [1, 4, 3]) },
  w40: { stage1: POSE_STAGE1, ...stages(40, [1, 4, 3]) },
  w44: { stage1: POSE_STAGE1, ...stages(44, [1, 4, 3]) },
  w48: { stage1: POSE_STAGE1, ...stages(48, [1, 4, 3]) },
  w64: { stage1: POSE_STAGE1, ...stages(64, [1, 4, 3]) },
  'w18-small-v1': {
    stage1: { ...POSE_STAGE1, numBlocks: [1], numChannels: [32] },
    stage2: { numModules: 1, numBranches: 2, block: 'BASIC', numBlocks: [2, 2], numChannels: [16, 32] },
    stage3: { numModules: 1, numBranches: 3, block: 'BASIC', numBlocks: [2, 2, 2], numChannels: [16, 32, 64] },
    stage4: { numModules: 1, numBranches: 4, block: 'BASIC', numBlocks: [2, 2, 2, 2], numChannels: [16, 32, 64, 128] },
  },
  'w18-small-v2': {
    stage1: { ...POSE_STAGE1, numBlocks: [2], numChannels: [64] },
    ...stages(18, [1, 3, 2], 2),
  },
} satisfies Record<string, Omit<HRNetConfig, 'fuseUpsample' | 'multiScaleOutput'>>;

export type BackbonePreset = keyof typeof BACKBONE_PRESETS;

/** A trunk config from a preset name; task packages add their fuse mode and output policy. */
export function backbonePreset(
  name: string,
  extra: Pick<HRNetConfig, 'fuseUpsample' | 'multiScaleOutput'>,
): HRNetConfig {
  const preset = (BACKBONE_PRESETS as Record<string, Omit<HRNetConfig, 'fuseUpsample' | 'multiScaleOutput'>>)[name];
  if (!preset) {
    throw new ConfigError(`unknown backbone preset "${name}"; expected one of ${Object.keys(BACKBONE_PRESETS).join(', ')}`);
  }
  return structuredClone({ ...preset, ...extra });
}

/**
 * The YAML parser, once `loadYamlSupport()` has loaded it. It is not imported statically: the `yaml` package
 * is ~94 KB of a browser bundle that most apps never use (they name a preset or a zoo entry), so it is loaded
 * with a dynamic `import()` only when a config is YAML text.
 */
let yamlParse: ((text: string) => unknown) | undefined;
let yamlLoading: Promise<void> | undefined;

/**
 * Loads the YAML parser that `create*Model(yamlText)` and the other sync YAML readers need. The async
 * factories (`createPoseEstimator`, `createSegmenter`, …) call it themselves when `model` is YAML text;
 * call it once yourself before building a network from YAML with a sync `create*Model`. Idempotent.
 */
export function loadYamlSupport(): Promise<void> {
  yamlLoading ??= import('yaml').then(
    (m) => {
      yamlParse = m.parse;
    },
    (e: unknown) => {
      yamlLoading = undefined; // a failed load (a bundler's chunk not found) may be retried
      throw new ConfigError(`could not load the YAML parser (package yaml): ${(e as Error).message}`);
    },
  );
  return yamlLoading;
}

/** Whether `loadYamlSupport()` has finished, so the sync YAML readers work. */
export function isYamlSupportLoaded(): boolean {
  return yamlParse !== undefined;
}

/**
 * Whether a `model`/`config` string is YAML text rather than a preset or zoo name (names have neither a
 * newline nor a colon). Every factory tells the two apart with this one rule.
 */
export function isYamlText(value: unknown): value is string {
  return typeof value === 'string' && (value.includes('\n') || value.includes(':'));
}

/** `loadYamlSupport()` when `model` is YAML text, else nothing: the async factories' `prepare` step. */
export async function loadYamlSupportFor(model: unknown): Promise<void> {
  if (isYamlText(model)) await loadYamlSupport();
}

/** Parses YAML text, turning syntax errors into `ConfigError`. Needs `loadYamlSupport()` first. */
export function parseYaml(text: string): Record<string, unknown> {
  if (!yamlParse) {
    throw new ConfigError(
      'a YAML config needs the YAML parser, which is loaded on demand: call `await loadYamlSupport()` (from @hrnetjs/hrnet-backbone) once before create*Model(yamlText), or pass the YAML as `model` to an async factory (createPoseEstimator, createSegmenter, …), which loads it itself',
    );
  }
  let doc: unknown;
  try {
    doc = yamlParse(text);
  } catch (e) {
    throw new ConfigError(`malformed YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new ConfigError(`expected a YAML mapping (an official experiment config), found ${doc === null ? 'nothing' : typeof doc}`);
  }
  return doc as Record<string, unknown>;
}

/** Reads `obj[key]` as a mapping, or throws a ConfigError naming the path. */
export function section(obj: Record<string, unknown>, key: string, path: string): Record<string, unknown> {
  const v = obj[key];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${path}${key}: expected a mapping, found ${describe(v)}`);
  return v as Record<string, unknown>;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing (missing)';
  if (Array.isArray(v)) return `a list [${v.join(', ')}]`;
  return `${typeof v} ${JSON.stringify(v)}`;
}

function positiveInt(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError(`${path}: expected a positive integer, found ${describe(v)}`);
  return v;
}

function intList(v: unknown, length: number, path: string): number[] {
  if (!Array.isArray(v) || v.length !== length) {
    throw new ConfigError(`${path}: expected a list of ${length} positive integers (one a branch), found ${describe(v)}`);
  }
  return v.map((x, i) => positiveInt(x, `${path}[${i}]`));
}

/** One `STAGEn` mapping → StageConfig. Tolerates the official `NUM_RANCHES` typo (classification YAMLs). */
export function parseStage(raw: Record<string, unknown>, path: string): StageConfig {
  const numBranches = positiveInt(raw.NUM_BRANCHES ?? raw.NUM_RANCHES, `${path}.NUM_BRANCHES`);
  const block = raw.BLOCK;
  if (block !== 'BASIC' && block !== 'BOTTLENECK') throw new ConfigError(`${path}.BLOCK: expected BASIC or BOTTLENECK, found ${describe(block)}`);
  if (raw.FUSE_METHOD !== undefined && raw.FUSE_METHOD !== 'SUM') {
    throw new ConfigError(`${path}.FUSE_METHOD: only SUM exists in the official code, found ${describe(raw.FUSE_METHOD)}`);
  }
  return {
    numModules: positiveInt(raw.NUM_MODULES, `${path}.NUM_MODULES`),
    numBranches,
    block,
    numBlocks: intList(raw.NUM_BLOCKS, numBranches, `${path}.NUM_BLOCKS`),
    numChannels: intList(raw.NUM_CHANNELS, numBranches, `${path}.NUM_CHANNELS`),
  };
}

/**
 * The trunk of an official experiment YAML (`MODEL.EXTRA.STAGE1…4`). Pose YAMLs have no STAGE1 (the code
 * hard-codes it), so `POSE_STAGE1` fills in. The fuse mode and output policy belong to the task.
 */
export function parseBackboneYaml(
  text: string,
  extra: Pick<HRNetConfig, 'fuseUpsample' | 'multiScaleOutput'>,
): { config: HRNetConfig; model: Record<string, unknown>; doc: Record<string, unknown> } {
  const doc = parseYaml(text);
  const model = section(doc, 'MODEL', '');
  const ex = section(model, 'EXTRA', 'MODEL.');
  const stage = (n: number): StageConfig => parseStage(section(ex, `STAGE${n}`, 'MODEL.EXTRA.'), `MODEL.EXTRA.STAGE${n}`);
  const config: HRNetConfig = {
    stage1: ex.STAGE1 === undefined ? structuredClone(POSE_STAGE1) : stage(1),
    stage2: stage(2),
    stage3: stage(3),
    stage4: stage(4),
    ...extra,
  };
  validateConfig(config);
  return { config, model, doc };
}

/** Checks the relations between stages that the official builders assume. */
export function validateConfig(c: HRNetConfig): void {
  if (c.stage1.numBranches !== 1) throw new ConfigError(`STAGE1.NUM_BRANCHES: expected 1, found ${c.stage1.numBranches}`);
  const all = [c.stage1, c.stage2, c.stage3, c.stage4];
  all.forEach((s, i) => {
    if (s.numBlocks.length !== s.numBranches || s.numChannels.length !== s.numBranches) {
      throw new ConfigError(`STAGE${i + 1}: NUM_BLOCKS and NUM_CHANNELS need ${s.numBranches} entries (NUM_BRANCHES)`);
    }
    if (i > 0 && s.numBranches < all[i - 1]!.numBranches) {
      throw new ConfigError(`STAGE${i + 1}: NUM_BRANCHES ${s.numBranches} is fewer than the previous stage's ${all[i - 1]!.numBranches}`);
    }
  });
}
