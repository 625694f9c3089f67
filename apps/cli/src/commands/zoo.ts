/** `hrnet zoo [task]`, `hrnet zoo show <name>`, `hrnet zoo download <name…>`, `hrnet zoo path <name>`. */
import { access } from 'node:fs/promises';
import { type ZooTask, findZooEntry, listZoo } from '@hrnetjs/core';
import { cacheDir, fetchZooFile, zooFilePath } from '../cache.js';
import { CliError, EXIT } from '../exit-codes.js';
import type { Context } from '../context.js';
import { ZOO, zooEntryBuilds } from '../zoo.js';

const TASKS = ['pose', 'seg', 'det', 'face', 'classify'];

export async function zoo(ctx: Context, args: string[], json: boolean): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || TASKS.includes(sub)) {
    // only entries whose network resolves (a missing preset would fail at `hrnet <task> --model <name>`)
    const entries = listZoo(ZOO, sub as ZooTask | undefined).filter((e) => zooEntryBuilds(e) === true);
    if (json) {
      ctx.out(`${JSON.stringify(entries, null, 2)}\n`);
      return EXIT.ok;
    }
    const dir = cacheDir(ctx.fetchOptions.cacheDir);
    const row = (name: string, task: string, origin: string, file: string, cached: string, metric: string) =>
      `${name.padEnd(58)} ${task.padEnd(8)} ${origin.padEnd(14)} ${file.padEnd(8)} ${cached.padEnd(6)} ${metric}`.trimEnd();
    const lines: string[] = [row('NAME', 'TASK', 'ORIGIN', 'FILE', 'CACHE', 'PUBLISHED METRIC')];
    for (const e of entries) {
      let cached = false;
      try {
        await access(zooFilePath(e, dir));
        cached = true;
      } catch {
        /* not cached */
      }
      const metric = e.metrics ? Object.entries(e.metrics).map(([k, v]) => `${k} ${v}`).join(', ') : '';
      lines.push(row(e.name, e.task, e.origin, e.file.direct ? 'download' : 'by hand', cached ? 'cached' : '', metric));
    }
    ctx.out(`${lines.join('\n')}\n${entries.length} models; cache ${dir}\n`);
    return EXIT.ok;
  }
  if (sub === 'show' || sub === 'path') {
    const e = findZooEntry(rest[0] ?? '', ZOO);
    const path = zooFilePath(e, cacheDir(ctx.fetchOptions.cacheDir));
    ctx.out(sub === 'path' ? `${path}\n` : `${JSON.stringify({ ...e, cachePath: path }, null, 2)}\n`);
    return EXIT.ok;
  }
  if (sub === 'download') {
    if (!rest.length) throw new CliError('hrnet zoo download <name…>', EXIT.usage);
    let failed = 0;
    for (const name of rest) {
      try {
        const p = await fetchZooFile(findZooEntry(name, ZOO), { ...ctx.fetchOptions, progress: ctx.stderr, log: ctx.log });
        ctx.out(`${p}\n`);
      } catch (e) {
        failed++;
        ctx.err(`${name}: ${(e as Error).message}`);
      }
    }
    return failed === 0 ? EXIT.ok : failed === rest.length ? EXIT.error : EXIT.partial;
  }
  throw new CliError(`hrnet zoo: unknown subcommand '${sub}' (expected a task, show, path or download)`, EXIT.usage);
}
