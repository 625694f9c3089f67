/** Bad input in the page: corrupt, truncated, incomplete and mismatched weights are reported there, and the app keeps working. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { act, runOnce, screenshot } from './browser.js';
import { lastRun, useApp } from './harness.js';

const POSE_WEIGHTS = fileURLToPath(new URL('../public/weights/pose_small.pth', import.meta.url));
const app = useApp();

describe('bad weights', () => {
  it('shows corrupt and mismatched files in the page and keeps working', async () => {
    const t = await app.open('?backend=cpu&task=pose&preset=small');
    const { page } = t;
    const errorText = async () => {
      expect(await page.isVisible('#error')).toBe(true);
      return (await page.textContent('#error')) ?? '';
    };
    const file = (name: string, buffer: Buffer) => act(page, () => page.setInputFiles('#weights-file', { name, mimeType: 'application/octet-stream', buffer }));

    // not a checkpoint at all
    await file('broken.pth', Buffer.from('this is not a checkpoint'));
    expect(await errorText()).toMatch(/^CheckpointError: unknown checkpoint format/);
    expect(await page.getAttribute('#weights-info', 'data-loaded')).toBe('false');

    // a zip cut in half
    const pth = readFileSync(POSE_WEIGHTS);
    await file('truncated.pth', pth.subarray(0, pth.length >> 1));
    expect(await errorText()).toMatch(/^CheckpointError: /);

    // a tfjs model.json without its shard
    const modelJson = { format: 'graph-model', weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [{ name: 'conv1.weight', shape: [64, 3, 3, 3], dtype: 'float32' }] }] };
    await file('model.json', Buffer.from(JSON.stringify(modelJson)));
    expect(await errorText()).toContain('group1-shard1of1.bin');

    // pose weights for a classification network: recognised, and the mismatch said in words
    await act(page, () => page.selectOption('#task', 'classification'));
    await act(page, () => page.setInputFiles('#weights-file', POSE_WEIGHTS));
    expect(await errorText()).toContain('These weights are for pose');
    expect(await page.textContent('#weights-info')).toContain('pose HRNet, width 8');
    // running anyway gives the strict loader's key report
    await runOnce(page);
    const mismatch = await errorText();
    expect(mismatch).toMatch(/^StateDictError: pose_small\.pth \(pose HRNet, width 8, 17 joints \(COCO\)\) does not fit classification \/ small: /);
    expect(mismatch).toMatch(/missing|unexpected/);

    // back to pose with the same weights: it runs
    await act(page, () => page.selectOption('#task', 'pose'));
    await runOnce(page);
    expect(await page.isHidden('#error')).toBe(true);
    expect((await lastRun(page)).result.kind).toBe('pose');

    // a URL that does not exist
    await page.fill('#weights-url', 'weights/does-not-exist.pth');
    await act(page, () => page.click('#weights-url-load'));
    expect(await errorText()).toMatch(/HTTP 404/);
    // and random initialisation still works after all that
    await act(page, () => page.click('#weights-clear'));
    await runOnce(page);
    expect(await page.isHidden('#error')).toBe(true);
    expect(await page.getAttribute('#model-info', 'data-random')).toBe('true');
    await screenshot(page, 'bad-weights-recovered');
    // the failed fetch is logged by the browser itself as a console error; nothing else may be
    expect(t.errors.filter((e) => !/404 \(Not Found\)/.test(e))).toEqual([]);
    await page.close();
  });
});

describe('inputs', () => {
  it('takes an image file and a dragged person box, rejects a broken image, and runs on webcam frames', async () => {
    const t = await app.open('?backend=wasm&task=pose&preset=small');
    const { page } = t;
    const size = () => page.evaluate(() => [document.querySelector<HTMLCanvasElement>('#output')!.width, document.querySelector<HTMLCanvasElement>('#output')!.height]);
    expect(await size()).toEqual([640, 480]);

    // another bundled photo through the file picker
    const photo = fileURLToPath(new URL('../public/samples/people_6.jpg', import.meta.url));
    await act(page, () => page.setInputFiles('#image-file', photo));
    expect(await size()).toEqual([500, 375]);
    await runOnce(page);
    expect(await page.isHidden('#error')).toBe(true);

    // a person box drawn by dragging on the image is the box the pose runs on
    // the side panel can be taller than the viewport (and the file picker scrolls): bring the canvas into view
    await page.locator('#output').scrollIntoViewIfNeeded();
    const bb = (await page.locator('#output').boundingBox())!;
    const k = bb.width / 500; // css pixels per image pixel
    await page.mouse.move(bb.x + 100 * k, bb.y + 50 * k);
    await page.mouse.down();
    await page.mouse.move(bb.x + 300 * k, bb.y + 350 * k, { steps: 4 });
    await page.mouse.up();
    await runOnce(page);
    const box = ((await lastRun(page)).result as { box: number[] }).box;
    for (const [i, want] of [100, 50, 200, 300].entries()) expect(Math.abs(box[i]! - want), `box ${box}`).toBeLessThan(1.5);

    // bytes that are no image: said in the page, the previous image stays
    await act(page, () => page.setInputFiles('#image-file', { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('not a jpeg') }));
    expect(await page.textContent('#error')).toContain('Could not decode photo.jpg');
    expect(await size()).toEqual([500, 375]);

    // the (synthetic) webcam: a frame is captured, a run uses a fresh frame, live mode keeps running
    await act(page, () => page.click('#webcam'));
    expect(await page.textContent('#webcam')).toBe('Stop webcam');
    expect(await size()).toEqual([640, 480]);
    await runOnce(page);
    expect(await page.isHidden('#error'), (await page.textContent('#error')) ?? '').toBe(true);
    expect((await lastRun(page)).result.kind).toBe('pose');
    const runs = Number(await page.getAttribute('body', 'data-runs'));
    await page.check('#live');
    await page.waitForFunction((n) => Number(document.body.dataset.runs) >= n + 2, runs, { timeout: 60_000 });
    await page.uncheck('#live');
    await act(page, () => page.click('#webcam'));
    expect(await page.textContent('#webcam')).toBe('Webcam');
    await screenshot(page, 'webcam-pose-wasm');
    expect(t.errors).toEqual([]);
    await page.close();
  });
});
