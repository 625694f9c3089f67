/**
 * Turns the command line's `<images, folders or globs>` into image files, keeping a reason for every
 * input that yields nothing (missing path, empty folder, glob with no match): those are reported per
 * input and make the exit code say so, but never stop the batch.
 */
import { readdir, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic'];

export interface InputProblem {
  input: string;
  message: string;
}

export interface ExpandedInputs {
  files: string[];
  problems: InputProblem[];
}

function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

const GLOB_CHARS = /[*?[{]/;

/** `**` any folders, `*` any name part, `?` one char, `[abc]`, `{a,b}` — the usual shell globs. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more folders
        const slash = glob[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += `[${glob.slice(i + 1, end).replace(/^!/, '^')}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map((s) => s.replace(/[.+^$()|\\]/g, '\\$&').replace(/\*/g, '[^/]*'))
          .join('|')})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function walk(dir: string, recursive: boolean, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (recursive) await walk(p, true, out);
    } else out.push(p);
  }
}

/** Expands every input, in command-line order, without duplicates. */
export async function expandInputs(inputs: string[], options: { recursive?: boolean } = {}): Promise<ExpandedInputs> {
  const files: string[] = [];
  const seen = new Set<string>();
  const problems: InputProblem[] = [];
  const add = (f: string) => {
    const abs = resolve(f);
    if (!seen.has(abs)) {
      seen.add(abs);
      files.push(f);
    }
  };
  for (const input of inputs) {
    if (GLOB_CHARS.test(input)) {
      const norm = input.split(sep).join('/');
      const parts = norm.split('/');
      const firstGlob = parts.findIndex((p) => GLOB_CHARS.test(p));
      const base = parts.slice(0, firstGlob).join('/') || '.';
      const re = globToRegExp(norm.startsWith('./') ? norm.slice(2) : norm);
      const all: string[] = [];
      try {
        await walk(base, parts.slice(firstGlob).some((p) => p === '**') || parts.length - firstGlob > 1, all);
      } catch {
        problems.push({ input, message: `folder '${base}' of the glob does not exist` });
        continue;
      }
      const matched = all.filter((f) => re.test(f.split(sep).join('/').replace(/^\.\//, '')) && isImageName(f));
      if (!matched.length) problems.push({ input, message: 'the glob matched no image files' });
      matched.forEach(add);
      continue;
    }
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(input);
    } catch {
      problems.push({ input, message: 'no such file or folder' });
      continue;
    }
    if (s.isDirectory()) {
      const all: string[] = [];
      await walk(input, options.recursive ?? false, all);
      const images = all.filter(isImageName);
      if (!images.length) {
        problems.push({ input, message: `folder holds no image files (looked for ${IMAGE_EXTENSIONS.join(' ')})` });
      }
      images.forEach(add);
    } else add(input);
  }
  return { files, problems };
}
