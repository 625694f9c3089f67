import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { run } from '../src/main.js';
import { EXIT } from '../src/exit-codes.js';

function sink() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } });
  return { stream, text: () => text };
}

describe('numeric task flags', () => {
  for (const [task, flag] of [['det', 'score-threshold'], ['pose', 'kpt-threshold'], ['seg', 'crop-size'], ['classify', 'topk']]) {
    it(`hrnet ${task} --${flag} abc is a usage error`, async () => {
      const out = sink();
      const errs = sink();
      const code = await run([task, 'nothing.jpg', `--${flag}`, 'abc', '--backend', 'cpu'], { stdout: out.stream, stderr: errs.stream });
      expect(code).toBe(EXIT.usage);
      expect(errs.text()).toContain(`--${flag}: expected a number, found 'abc'`);
    });
  }
});

describe('version, help and suggestions', () => {
  async function call(args: string[]) {
    const out = sink();
    const errs = sink();
    const code = await run(args, { stdout: out.stream, stderr: errs.stream });
    return { code, out: out.text(), err: errs.text() };
  }

  it('--version prints the version in apps/cli/package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await call([flag]);
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toBe(`${version}\n`);
    }
  });

  it('per-command help shows that command and the global flags only', async () => {
    const r = await call(['seg', '--help']);
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('hrnet seg ');
    expect(r.out).toContain('common: --out dir');
    expect(r.out).toContain('Global: --backend');
    expect(r.out).not.toContain('hrnet pose ');
    expect((await call(['help', 'convert'])).out).toContain('hrnet convert <checkpoint>');
  });

  it('a mistyped command is a usage error with the closest command', async () => {
    const r = await call(['psoe', 'a.jpg']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("unknown command 'psoe' (did you mean 'pose'?)");
    // nothing close: no suggestion
    expect((await call(['frobnicate'])).err).not.toContain('did you mean');
  });

  it('a mistyped flag is a usage error with the closest flag', async () => {
    const r = await call(['pose', 'a.jpg', '--modle', 'x']);
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toContain("(did you mean '--model'?)");
  });
});
