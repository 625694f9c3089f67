/**
 * The OpenMMLab reference checkpoints (made by the OpenMMLab code itself, see each head's fixtures/mmpose|mmseg|mmdet README.md)
 * through the CLI: `hrnet info` names exactly the zoo entries a file fits, `hrnet zoo` lists only entries that
 * build, and bad input (numpy objects outside the data-only subset, a meta holding a malicious global, a zoo
 * name that does not exist) ends in a typed error naming the problem, with nothing executed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ZOO, zooEntryBuilds } from '../src/zoo.js';
import { REPO, hrnet, tempDir } from './helpers.js';

const P = join(REPO, 'packages');
const REFS = {
  pose: join(P, 'head-pose/test/fixtures/mmpose/mmpose_coco_w32/weights.pth.gz.gz'),
  seg: join(P, 'head-seg/test/fixtures/mmseg/mmseg_fcn_hr18s_cityscapes/weights.pth.gz.gz'),
  det: join(P, 'head-det/test/fixtures/mmdet/mmdet_fcos_w18/weights.pth.gz.gz'),
};
const BAD = join(P, 'core/test/fixtures/checkpoints/mm');

async function unpacked(file: string): Promise<string> {
  const out = join(await tempDir(), 'weights.pth');
  await writeFile(out, gunzipSync(gunzipSync(readFileSync(file))));
  return out;
}

async function fits(file: string): Promise<string[]> {
  const r = await hrnet(['info', await unpacked(file), '--json'], { timeoutMs: 120_000 });
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { architecture: { zooMatches: string[] } }).architecture.zooMatches;
}

describe('hrnet info names the zoo entries an OpenMMLab checkpoint fits', () => {
  it('the mmpose 1.x COCO W32 file: the four mmpose W32 COCO entries (plain and DARK, both sizes), not the official ones nor MPII', async () => {
    expect((await fits(REFS.pose)).sort()).toEqual(
      [
        'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192',
        'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-384x288',
        'mmpose_td-hm_hrnet-w32_dark-8xb64-210e_coco-256x192',
        'mmpose_td-hm_hrnet-w32_dark-8xb64-210e_coco-384x288',
      ].sort(),
    );
  }, 120_000);

  it('the mmseg hr18s Cityscapes file: the three hr18s Cityscapes schedules', async () => {
    expect((await fits(REFS.seg)).sort()).toEqual(
      ['mmseg_fcn_hr18s_4xb2-40k_cityscapes-512x1024', 'mmseg_fcn_hr18s_4xb2-80k_cityscapes-512x1024', 'mmseg_fcn_hr18s_4xb2-160k_cityscapes-512x1024'].sort(),
    );
  }, 120_000);

  it('the mmdet FCOS W18 file: the three mmdet W18 entries', async () => {
    expect((await fits(REFS.det)).sort()).toEqual(
      ['mmdet_fcos_hrnetv2p_w18_gn-head_4x4_1x_coco', 'mmdet_fcos_hrnetv2p_w18_gn-head_4x4_2x_coco', 'mmdet_fcos_hrnetv2p_w18_gn-head_mstrain_640-800_4x4_2x_coco'].sort(),
    );
  }, 120_000);
});

describe('hrnet zoo', () => {
  it('lists exactly the entries that build (every entry of the zoo builds)', async () => {
    const r = await hrnet(['zoo', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const listed = (JSON.parse(r.stdout) as { name: string }[]).map((e) => e.name);
    const building = ZOO.filter((e) => zooEntryBuilds(e) === true).map((e) => e.name);
    expect(listed).toEqual(building);
    expect(building.length).toBe(ZOO.length);
  });
});

describe('bad input ends in a typed error, nothing executed', () => {
  it('numpy object arrays in the meta (outside the data-only subset) are refused by name', async () => {
    const r = await hrnet(['info', join(BAD, 'numpy_object_array.pth')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing numpy dtype "O8": only plain number dtypes/);
  });

  it('a meta holding os.system is refused with the global named, and the command never ran', async () => {
    const marker = '/tmp/hrnet-pwned'; // what the pickled os.system call would write
    await rm(marker, { force: true });
    const r = await hrnet(['info', join(BAD, 'meta_malicious.pth')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refusing pickle global 'posix\.system'/);
    expect(existsSync(marker)).toBe(false);
  });

  it('a zoo name that does not exist suggests the closest names', async () => {
    const r = await hrnet(['zoo', 'show', 'mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x19']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no zoo model named .*closest: mmpose_td-hm_hrnet-w32_8xb64-210e_coco-256x192/);
  });
});
