/** What both README tests (compile: readme-blocks, run: readme-run) read: the READMEs, their ts blocks, our exports. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const PACKAGES = ['core', 'hrnet-backbone', 'head-pose', 'head-seg', 'head-det', 'face-align'];

export function readmes(): string[] {
  const dirs = [root, ...['packages', 'apps'].flatMap((d) => readdirSync(join(root, d)).map((p) => join(root, d, p)))];
  return dirs.map((d) => join(d, 'README.md')).filter((f) => {
    try {
      return readFileSync(f, 'utf8').length > 0;
    } catch {
      return false;
    }
  });
}

/** Every ```ts block: its README (relative to the repo), its ordinal among that README's ts blocks, its code. */
export function tsBlocks(): { readme: string; index: number; code: string }[] {
  return readmes().flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m, index) => ({ readme: file.slice(root.length), index, code: m[1]! })));
}

/** For each exported name, the first package exporting it; and each package's own names. */
export async function exportsOf(): Promise<{ owner: Map<string, string>; ownExports: Map<string, Set<string>> }> {
  const owner = new Map<string, string>();
  const ownExports = new Map<string, Set<string>>();
  for (const p of PACKAGES) {
    const m = (await import(`@hrnetjs/${p}`)) as Record<string, unknown>;
    ownExports.set(p, new Set(Object.keys(m)));
    for (const name of Object.keys(m)) if (!owner.has(name)) owner.set(name, `@hrnetjs/${p}`);
  }
  return { owner, ownExports };
}

/**
 * The import lines a snippet needs for names it uses from our packages without importing them (the README
 * imported them in an earlier block). A name several packages export comes from the README's own package.
 */
export function autoImports(code: string, readme: string, exports: { owner: Map<string, string>; ownExports: Map<string, Set<string>> }): string {
  const imported = new Set([...code.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}/g)].flatMap((x) => x[1]!.split(',').map((s) => s.trim().split(/\s+as\s+/).pop()!.replace(/^type\s+/, ''))));
  const declared = new Set([...code.matchAll(/\b(?:const|let|function|class|interface)\s+([A-Za-z_]\w*)/g)].map((x) => x[1]!));
  const used = new Set([...code.matchAll(/\b([A-Za-z_]\w*)\b/g)].map((x) => x[1]!));
  const add = new Map<string, string[]>();
  const own = /packages\/([\w-]+)\/README/.exec(readme)?.[1];
  for (const id of used) {
    if (imported.has(id) || declared.has(id)) continue;
    const from = own && exports.ownExports.get(own)?.has(id) ? `@hrnetjs/${own}` : exports.owner.get(id);
    if (from) add.set(from, [...(add.get(from) ?? []), id]);
  }
  return [...add].map(([from, ids]) => `import { ${ids.join(', ')} } from '${from}';`).join('\n');
}
