/**
 * The `hrnet` command line: argument parsing, backend selection and dispatch to the commands. `run(argv)`
 * returns the exit code; everything it prints goes to the given streams.
 */
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { type BackendName, type ZooTask, closestNames, editDistance, selectBackend } from '@hrnetjs/core';
import { CliError, EXIT } from './exit-codes.js';
import type { Context } from './context.js';
import { bench } from './commands/bench.js';
import { convert } from './commands/convert.js';
import { demo } from './commands/demo.js';
import { evaluate } from './commands/eval.js';
import { info } from './commands/info.js';
import { runInference } from './commands/infer.js';
import { zoo } from './commands/zoo.js';
import { parseInputSize } from './onnx-export.js';

export const USAGE = `hrnet — HRNet on TensorFlow.js from the command line

Inference (images, folders or globs; results as JSON, --annotate for pictures):
  hrnet pose     <inputs…> --model <zoo|yaml|folder|preset> [--weights file|url] [--boxes dets.json | --det-model m]
  hrnet pose     <inputs…> --model pose_higher_hrnet_w32_512|<HigherHRNet yaml|folder|preset>   (bottom-up: every person, no boxes)
  hrnet seg      <inputs…> --model … [--crop-size N]
  hrnet det      <inputs…> --model … [--score-threshold 0.3]
  hrnet face     <inputs…> --model … [--boxes faces.json]
  hrnet classify <inputs…> --model … [--topk 5]
    common: --out dir (default hrnet-out) --annotate --flip --keys <mapping> --image-ids gt.json --recursive
            --engine tfjs|onnxruntime (onnxruntime: the network exported to ONNX, run by onnxruntime-node)
            --threads N (onnxruntime's threads; default every core)

Checkpoints and models:
  hrnet convert <checkpoint> --to safetensors|tfjs [--float16] [--out path] [--keys mapping]
  hrnet convert <checkpoint|zoo name> --to onnx --model <zoo|preset|yaml|folder> [--input-size WxH] [--layout nhwc|nchw]
                [--task t] [--out f.onnx]   (nhwc: what --engine onnxruntime feeds; nchw: PyTorch's layout)
  hrnet info <checkpoint> [--all] [--json]
  hrnet zoo [task] | zoo show <name> | zoo path <name> | zoo download <name…>

Evaluation and speed:
  hrnet eval pose|det --results r.json --gt gt.json
  hrnet eval seg --results pred_labels/ --gt gt_labels/ --classes N [--ignore 255]
  hrnet eval face --results face_images.json --gt landmarks.json
  hrnet bench [--quick] [--only pose,seg,…] [--no-browser] [--no-torch] [--calls N] [--list]  (engines side by side)
  hrnet bench --cases [--filter regex] [--runs N] [--warmup N] [--max-ms N] [--list]  (each package's tfjs cases)
  hrnet demo [--out hrnet-demo]

Global: --backend wasm|cpu|tensorflow (default: best available; bench: wasm) --cache-dir dir --offline
        --mirror url (zoo files from <url>/<origin>/<file>) --timeout-ms N (download idle timeout) --verbose
        --help (also: hrnet <command> --help) --version
Exit codes: 0 ok, 1 error, 2 bad command line, 3 some inputs failed (the batch finished; each is listed).
`;

const OPTIONS = {
  model: { type: 'string' },
  weights: { type: 'string' },
  keys: { type: 'string' },
  out: { type: 'string', short: 'o' },
  annotate: { type: 'boolean' },
  flip: { type: 'boolean' },
  recursive: { type: 'boolean', short: 'r' },
  'image-ids': { type: 'string' },
  boxes: { type: 'string' },
  'det-model': { type: 'string' },
  'det-weights': { type: 'string' },
  'box-threshold': { type: 'string' },
  'kpt-threshold': { type: 'string' },
  'score-threshold': { type: 'string' },
  decode: { type: 'string' },
  'no-nms': { type: 'boolean' },
  'crop-size': { type: 'string' },
  topk: { type: 'string' },
  to: { type: 'string' },
  engine: { type: 'string' },
  threads: { type: 'string' },
  'input-size': { type: 'string' },
  layout: { type: 'string' },
  task: { type: 'string' },
  float16: { type: 'boolean' },
  all: { type: 'boolean' },
  json: { type: 'boolean' },
  results: { type: 'string' },
  gt: { type: 'string' },
  classes: { type: 'string' },
  ignore: { type: 'string' },
  filter: { type: 'string' },
  runs: { type: 'string' },
  warmup: { type: 'string' },
  'max-ms': { type: 'string' },
  list: { type: 'boolean' },
  cases: { type: 'boolean' },
  quick: { type: 'boolean' },
  only: { type: 'string' },
  'no-browser': { type: 'boolean' },
  'no-torch': { type: 'boolean' },
  calls: { type: 'string' },
  backend: { type: 'string' },
  'cache-dir': { type: 'string' },
  offline: { type: 'boolean' },
  'timeout-ms': { type: 'string' },
  mirror: { type: 'string' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean', short: 'V' },
} as const;

const COMMANDS = ['pose', 'seg', 'det', 'face', 'classify', 'convert', 'info', 'zoo', 'eval', 'bench', 'demo', 'help'];

/** The installed package's version: read from its package.json (one level above both src/ and dist/). */
export function cliVersion(): string {
  return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
}

/**
 * Help for one command: its lines of USAGE (with the inference tasks' common flags) and the global flags, so
 * `hrnet seg --help` shows what `seg` takes without the rest of the page.
 */
export function commandHelp(command: string): string {
  const lines = USAGE.split('\n');
  const own = lines.filter((l) => l.startsWith(`  hrnet ${command} `) || l === `  hrnet ${command}`);
  const common = INFER_TASKS.includes(command) ? lines.filter((l) => l.trimStart().startsWith('common:')) : [];
  const globalAt = lines.findIndex((l) => l.startsWith('Global:'));
  return [...own, ...common, '', ...lines.slice(globalAt)].join('\n');
}

/** " (did you mean …?)" for a mistyped command or flag; nothing when more than two edits (or a third of the letters) apart. */
function didYouMean(given: string, candidates: readonly string[], prefix = ''): string {
  const [best] = closestNames(given, candidates, 1);
  if (!best || editDistance(given, best) > Math.max(2, Math.floor(Math.max(given.length, best.length) / 3))) return '';
  return ` (did you mean '${prefix}${best}'?)`;
}

const INFER_TASKS = ['pose', 'seg', 'det', 'face', 'classify'];
const NEEDS_BACKEND = new Set([...INFER_TASKS, 'bench', 'demo']);

const ENGINES = ['tfjs', 'onnxruntime'] as const;

/** `--engine` and `--threads`, checked before any model is read. */
function engineFlags(engine: string | undefined, threads: string | undefined): { engine?: (typeof ENGINES)[number]; threads?: number } {
  if (engine !== undefined && !ENGINES.includes(engine as never)) {
    throw new CliError(`--engine: expected ${ENGINES.join(' or ')}, found '${engine}'${didYouMean(engine, ENGINES)}`, EXIT.usage);
  }
  let n: number | undefined;
  if (threads !== undefined) {
    n = Number(threads);
    if (!/^\d+$/.test(threads) || n < 1 || n > 1024) throw new CliError(`--threads: expected a positive whole number, found '${threads}'`, EXIT.usage);
    if (engine !== 'onnxruntime') throw new CliError('--threads sets onnxruntime\'s threads: use it with --engine onnxruntime', EXIT.usage);
  }
  return { engine: engine as (typeof ENGINES)[number] | undefined, threads: n };
}

function num(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new CliError(`--${name}: expected a number, found '${v}'`, EXIT.usage);
  return n;
}

export interface RunIo {
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
}

export async function run(argv: string[], io: RunIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  const err = (line: string) => stderr.write(`${line}\n`);
  let parsed: ReturnType<typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    const message = (e as Error).message;
    // node's own wording for an unknown flag is about positionals; say what happened and what was meant
    const unknown = /^Unknown option '(--?[^' ]+)'/.exec(message)?.[1];
    const hint = unknown?.startsWith('--') ? didYouMean(unknown.slice(2), Object.keys(OPTIONS), '--') : '';
    err(`hrnet: ${unknown ? `unknown flag '${unknown}'${hint}` : message}\n\nRun \`hrnet --help\` for every command and flag.`);
    return EXIT.usage;
  }
  const { values: v, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (v.version) {
    stdout.write(`${cliVersion()}\n`);
    return EXIT.ok;
  }
  if (command === 'help' && rest[0] && COMMANDS.includes(rest[0])) {
    stdout.write(`${commandHelp(rest[0])}\n`);
    return EXIT.ok;
  }
  if (v.help && command && COMMANDS.includes(command)) {
    stdout.write(`${commandHelp(command)}\n`);
    return EXIT.ok;
  }
  if (v.help || !command || command === 'help') {
    stdout.write(USAGE);
    return command || v.help ? EXIT.ok : EXIT.usage;
  }
  if (!COMMANDS.includes(command)) {
    err(`hrnet: unknown command '${command}'${didYouMean(command, COMMANDS)}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const ctx: Context = {
    out: (t) => stdout.write(t),
    log: (l) => err(l),
    err,
    stderr,
    backend: 'none',
    verbose: Boolean(v.verbose),
    fetchOptions: {
      cacheDir: v['cache-dir'],
      mirror: v.mirror ?? process.env.HRNET_MIRROR,
      offline: Boolean(v.offline),
      idleTimeoutMs: num(v['timeout-ms'], 'timeout-ms'),
      progress: stderr,
      log: (l) => err(l),
    },
  };
  try {
    const engine = INFER_TASKS.includes(command) ? engineFlags(v.engine, v.threads) : {};
    if (!INFER_TASKS.includes(command)) {
      for (const flag of ['engine', 'threads'] as const) {
        if (v[flag] !== undefined && command !== 'bench') throw new CliError(`--${flag} applies to the inference commands (${INFER_TASKS.join(', ')})`, EXIT.usage);
      }
    }
    const inputSize = parseInputSize(v['input-size']);
    if (NEEDS_BACKEND.has(command) || (command === 'convert' && v.to === 'onnx')) {
      const pref = (v.backend as BackendName | undefined) ?? (command === 'bench' ? 'wasm' : undefined);
      const choice = await selectBackend(pref);
      ctx.backend = choice.name;
      if (ctx.verbose) err(choice.reason);
    }
    if (INFER_TASKS.includes(command)) {
      if (!rest.length) throw new CliError(`hrnet ${command}: give at least one image, folder or glob`, EXIT.usage);
      // Numeric task flags travel on as strings; check them here so `--score-threshold abc` is a usage error, not NaN.
      for (const name of ['box-threshold', 'kpt-threshold', 'score-threshold', 'crop-size', 'topk'] as const) num(v[name], name);
      const { code } = await runInference(ctx, {
        task: command as ZooTask,
        inputs: rest,
        model: v.model,
        weights: v.weights,
        keys: v.keys,
        out: v.out ?? 'hrnet-out',
        annotate: Boolean(v.annotate),
        flip: v.flip,
        recursive: v.recursive,
        imageIds: v['image-ids'],
        detModel: v['det-model'],
        detWeights: v['det-weights'],
        ...engine,
        extra: {
          boxes: v.boxes,
          'box-threshold': v['box-threshold'],
          'kpt-threshold': v['kpt-threshold'],
          'score-threshold': v['score-threshold'],
          decode: v.decode,
          nms: !v['no-nms'],
          'crop-size': v['crop-size'],
          topk: v.topk,
        },
      });
      return code;
    }
    switch (command) {
      case 'convert':
        if (rest.length !== 1) throw new CliError('hrnet convert <checkpoint> --to safetensors|tfjs|onnx', EXIT.usage);
        return await convert(ctx, {
          input: rest[0]!,
          to: v.to ?? '',
          out: v.out,
          float16: Boolean(v.float16),
          keys: v.keys,
          model: v.model,
          taskName: v.task,
          inputSize,
          layout: v.layout,
        });
      case 'info':
        if (rest.length !== 1) throw new CliError('hrnet info <checkpoint>', EXIT.usage);
        return await info(ctx, rest[0]!, { json: v.json, all: v.all });
      case 'eval':
        return await evaluate(ctx, {
          task: rest[0] ?? '',
          results: v.results,
          gt: v.gt,
          classes: num(v.classes, 'classes'),
          ignore: num(v.ignore, 'ignore'),
          json: Boolean(v.json),
        });
      case 'bench':
        return await bench(ctx, {
          filter: v.filter,
          runs: num(v.runs, 'runs'),
          warmup: num(v.warmup, 'warmup'),
          maxMillis: num(v['max-ms'], 'max-ms'),
          list: Boolean(v.list),
          cases: Boolean(v.cases),
          quick: Boolean(v.quick),
          only: v.only,
          browser: !v['no-browser'],
          torch: !v['no-torch'],
          calls: num(v.calls, 'calls'),
        });
      case 'zoo':
        return await zoo(ctx, rest, Boolean(v.json));
      case 'demo':
        return await demo(ctx, v.out ?? 'hrnet-demo');
      default:
        throw new CliError(`unknown command '${command}'`, EXIT.usage);
    }
  } catch (e) {
    if (e instanceof CliError) {
      err(`hrnet ${command}: ${e.message}`);
      if (e.code === EXIT.usage) err(`\n${USAGE}`);
      return e.code;
    }
    // typed errors of our packages carry messages meant for people; anything else gets its stack
    const named = (e as Error).name;
    if (/Error$/.test(named) && named !== 'Error' && named !== 'TypeError' && named !== 'RangeError') {
      err(`hrnet ${command}: ${named}: ${(e as Error).message}`);
    } else err(`hrnet ${command}: ${(e as Error).stack ?? String(e)}`);
    return EXIT.error;
  }
}
