import { ConfigError } from '@hrnetjs/core';

/**
 * Reads the top-level assignments of an OpenMMLab-style Python config file (`configs/top_down/lite_hrnet/*.py`):
 * the literal subset those files use — `dict(k=v, …)`, `{'k': v}`, lists, tuples, numbers, strings, `True` /
 * `False` / `None`, adjacent strings, names of earlier assignments, subscripts (`channel_cfg['num_output_channels']`) and
 * `list(range(n))`. It executes nothing. Only the names asked for (and what they reference) must be readable: the
 * other statements (pipelines, f-strings, …) are skipped, so a whole official config file can be passed.
 */
export function readPythonConfig(text: string, names: readonly string[]): Record<string, unknown> {
  const statements = topLevelAssignments(text);
  const done = new Map<string, unknown>();
  const busy = new Set<string>();
  const lookup = (name: string): unknown => {
    if (done.has(name)) return done.get(name);
    const src = statements.get(name);
    if (src === undefined) throw new ConfigError(`Python config: '${name}' is not assigned at the top level of the file`);
    if (busy.has(name)) throw new ConfigError(`Python config: '${name}' refers to itself`);
    busy.add(name);
    const value = new PyParser(src, name, lookup).parseAll();
    busy.delete(name);
    done.set(name, value);
    return value;
  };
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = lookup(n);
  return out;
}

/** `name = <expression>` statements at column 0, each running until its brackets close. */
function topLevelAssignments(text: string): Map<string, string> {
  const out = new Map<string, string>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^([A-Za-z_]\w*)\s*=(?!=)(.*)$/.exec(lines[i]!);
    if (!m) continue;
    let src = m[2]!;
    let depth = bracketDepth(src);
    while (depth > 0 && i + 1 < lines.length) {
      src += `\n${lines[++i]!}`;
      depth = bracketDepth(src);
    }
    out.set(m[1]!, src);
  }
  return out;
}

/** Open brackets left in `src`, ignoring strings and comments. */
function bracketDepth(src: string): number {
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c === '#') {
      while (i < src.length && src[i] !== '\n') i++;
    } else if (c === "'" || c === '"') {
      i = skipString(src, i);
    } else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
  }
  return depth;
}

function skipString(src: string, i: number): number {
  const q = src[i]!;
  for (let j = i + 1; j < src.length; j++) {
    if (src[j] === '\\') j++;
    else if (src[j] === q) return j;
  }
  return src.length;
}

class PyParser {
  private pos = 0;

  constructor(
    private readonly src: string,
    private readonly name: string,
    private readonly lookup: (name: string) => unknown,
  ) {}

  parseAll(): unknown {
    const v = this.expr();
    this.space();
    if (this.pos < this.src.length) this.fail(`unexpected '${this.src.slice(this.pos, this.pos + 12)}'`);
    return v;
  }

  private fail(what: string): never {
    throw new ConfigError(`Python config: cannot read '${this.name}' (${what}); only literals, dict(), names and subscripts are read`);
  }

  private space(): void {
    for (;;) {
      while (this.pos < this.src.length && /\s/.test(this.src[this.pos]!)) this.pos++;
      if (this.src[this.pos] !== '#') return;
      while (this.pos < this.src.length && this.src[this.pos] !== '\n') this.pos++;
    }
  }

  private eat(c: string): boolean {
    this.space();
    if (this.src[this.pos] === c) {
      this.pos++;
      return true;
    }
    return false;
  }

  private expect(c: string): void {
    if (!this.eat(c)) this.fail(`expected '${c}'`);
  }

  /** Comma-separated items up to `close` (a trailing comma allowed). */
  private items<T>(close: string, item: () => T): T[] {
    const out: T[] = [];
    while (!this.eat(close)) {
      out.push(item());
      if (!this.eat(',')) {
        this.expect(close);
        break;
      }
    }
    return out;
  }

  private expr(): unknown {
    let v = this.atom();
    // subscripts: name['key'], name[0]
    while (this.eat('[')) {
      const key = this.expr();
      this.expect(']');
      if (Array.isArray(v) && typeof key === 'number') v = v[key < 0 ? v.length + key : key];
      else if (v && typeof v === 'object' && typeof key === 'string' && key in v) v = (v as Record<string, unknown>)[key];
      else this.fail(`no item ${JSON.stringify(key)}`);
    }
    return v;
  }

  private atom(): unknown {
    this.space();
    const s = this.src;
    const c = s[this.pos];
    if (c === undefined) this.fail('unexpected end');
    if (c === "'" || c === '"') {
      // adjacent literals concatenate ('a' 'b'), as Python's do
      let out = '';
      do {
        const end = skipString(s, this.pos);
        out += s.slice(this.pos + 1, end).replace(/\\(.)/g, '$1');
        this.pos = end + 1;
        this.space();
      } while (s[this.pos] === "'" || s[this.pos] === '"');
      return out;
    }
    if (c === '[') {
      this.pos++;
      return this.items(']', () => this.expr());
    }
    if (c === '(') {
      this.pos++;
      // a tuple (or a parenthesised value: `(x)` without a comma)
      const start = this.pos;
      const vs = this.items(')', () => this.expr());
      const inner = s.slice(start, this.pos - 1).trim();
      return vs.length === 1 && !inner.endsWith(',') ? vs[0] : vs;
    }
    if (c === '{') {
      this.pos++;
      const entries = this.items('}', () => {
        const k = this.expr();
        this.expect(':');
        return [String(k), this.expr()] as const;
      });
      return Object.fromEntries(entries);
    }
    const num = /^-?(\d+\.?\d*(e[-+]?\d+)?|\.\d+(e[-+]?\d+)?)/i.exec(s.slice(this.pos));
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    const id = /^[A-Za-z_]\w*/.exec(s.slice(this.pos));
    if (!id) this.fail(`unexpected '${c}'`);
    this.pos += id[0].length;
    const word = id[0];
    if (word === 'True') return true;
    if (word === 'False') return false;
    if (word === 'None') return null;
    if (this.eat('(')) return this.call(word);
    return this.lookup(word);
  }

  private call(fn: string): unknown {
    if (fn === 'dict') {
      const entries = this.items(')', () => {
        this.space();
        const key = /^[A-Za-z_]\w*/.exec(this.src.slice(this.pos));
        if (!key) this.fail('dict() takes keyword arguments only');
        this.pos += key[0].length;
        this.expect('=');
        return [key[0], this.expr()] as const;
      });
      return Object.fromEntries(entries);
    }
    if (fn === 'range' || fn === 'list' || fn === 'tuple') {
      const args = this.items(')', () => this.expr());
      if (fn === 'range') {
        const [a, b, step = 1] = (args.length === 1 ? [0, args[0], 1] : args) as number[];
        if (![a, b, step].every((n) => Number.isInteger(n)) || step === 0) this.fail('range() of integers');
        const out: number[] = [];
        for (let i = a!; step > 0 ? i < b! : i > b!; i += step) out.push(i);
        return out;
      }
      if (args.length !== 1 || !Array.isArray(args[0])) this.fail(`${fn}() of a list`);
      return [...(args[0] as unknown[])];
    }
    return this.fail(`call of ${fn}()`);
  }
}
