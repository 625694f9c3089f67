import { Writable } from 'node:stream';
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
