/**
 * Landmark schemes as data: names, the points the official evaluation normalises by, flip pairs and
 * connections for drawing. Indices are 0-based everywhere (the official `MATCHED_PARTS` are 1-based for
 * 300W, COFW and AFLW and 0-based for WFLW; they are converted here once).
 *
 * "left"/"right" in names are the SUBJECT's (the iBUG/WFLW convention): `right_eye_*` appears on the image's left.
 */

export type FaceDataset = '300w' | 'wflw' | 'cofw' | 'aflw';

/** How the official `compute_nme` normalises the mean point-to-point error of one face. */
export type NmeNormalization =
  /** Distance between two ground-truth landmarks (the indices of `lib/core/evaluation.py`). */
  | { kind: 'interocular'; indices: [number, number]; description: string }
  /** A per-face size given with the annotation (AFLW: `box_size` of the CSV). */
  | { kind: 'box'; description: string };

export interface LandmarkScheme {
  dataset: FaceDataset;
  numLandmarks: number;
  /** One name per landmark. */
  names: readonly string[];
  normalization: NmeNormalization;
  /** Pairs swapped by a horizontal flip (flip test, flip augmentation). */
  flipPairs: readonly (readonly [number, number])[];
  /** Segments to draw (index pairs). */
  connections: readonly (readonly [number, number])[];
}

function seq(prefix: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}_${i}`);
}

/** Consecutive segments along `from..to` (inclusive), closed into a loop when asked. */
function chain(from: number, to: number, closed = false): [number, number][] {
  const out: [number, number][] = [];
  for (let i = from; i < to; i++) out.push([i, i + 1]);
  if (closed) out.push([to, from]);
  return out;
}

const oneBased = (pairs: [number, number][]): [number, number][] => pairs.map(([a, b]) => [a - 1, b - 1]);

/** iBUG 68 (300W): jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67. */
const SCHEME_300W: LandmarkScheme = {
  dataset: '300w',
  numLandmarks: 68,
  names: [
    ...seq('jaw', 17),
    ...seq('right_eyebrow', 5),
    ...seq('left_eyebrow', 5),
    ...seq('nose_bridge', 4),
    ...seq('nostril', 5),
    ...seq('right_eye', 6),
    ...seq('left_eye', 6),
    ...seq('outer_lip', 12),
    ...seq('inner_lip', 8),
  ],
  // evaluation.py: np.linalg.norm(pts_gt[36] - pts_gt[45]) — the outer eye corners
  normalization: { kind: 'interocular', indices: [36, 45], description: 'outer eye corners (right_eye_0, left_eye_3)' },
  flipPairs: oneBased([
    [1, 17], [2, 16], [3, 15], [4, 14], [5, 13], [6, 12], [7, 11], [8, 10],
    [18, 27], [19, 26], [20, 25], [21, 24], [22, 23],
    [32, 36], [33, 35],
    [37, 46], [38, 45], [39, 44], [40, 43], [41, 48], [42, 47],
    [49, 55], [50, 54], [51, 53], [62, 64], [61, 65], [68, 66], [59, 57], [60, 56],
  ]),
  connections: [
    ...chain(0, 16), ...chain(17, 21), ...chain(22, 26), ...chain(27, 30), ...chain(31, 35),
    ...chain(36, 41, true), ...chain(42, 47, true), ...chain(48, 59, true), ...chain(60, 67, true),
  ],
};

/** WFLW 98: contour 0–32, brows 33–50, nose 51–59, eyes 60–75, mouth 76–95, pupils 96–97. */
const SCHEME_WFLW: LandmarkScheme = {
  dataset: 'wflw',
  numLandmarks: 98,
  names: [
    ...seq('contour', 33),
    ...seq('right_eyebrow', 9),
    ...seq('left_eyebrow', 9),
    ...seq('nose_bridge', 4),
    ...seq('nostril', 5),
    ...seq('right_eye', 8),
    ...seq('left_eye', 8),
    ...seq('outer_lip', 12),
    ...seq('inner_lip', 8),
    'right_pupil',
    'left_pupil',
  ],
  // evaluation.py: pts_gt[60] - pts_gt[72] — the outer eye corners (the WFLW "inter-ocular" convention)
  normalization: { kind: 'interocular', indices: [60, 72], description: 'outer eye corners (right_eye_0, left_eye_4)' },
  // already 0-based in the official table
  flipPairs: [
    [0, 32], [1, 31], [2, 30], [3, 29], [4, 28], [5, 27], [6, 26], [7, 25], [8, 24], [9, 23], [10, 22],
    [11, 21], [12, 20], [13, 19], [14, 18], [15, 17],
    [33, 46], [34, 45], [35, 44], [36, 43], [37, 42], [38, 50], [39, 49], [40, 48], [41, 47],
    [60, 72], [61, 71], [62, 70], [63, 69], [64, 68], [65, 75], [66, 74], [67, 73],
    [55, 59], [56, 58],
    [76, 82], [77, 81], [78, 80], [87, 83], [86, 84],
    [88, 92], [89, 91], [95, 93], [96, 97],
  ],
  connections: [
    ...chain(0, 32), ...chain(33, 41, true), ...chain(42, 50, true), ...chain(51, 54), ...chain(55, 59),
    ...chain(60, 67, true), ...chain(68, 75, true), ...chain(76, 87, true), ...chain(88, 95, true),
  ],
};

/**
 * COFW 29 (RCPR): eyebrows 0–7, eyes 8–15, pupils 16–17, nose 18–21, mouth 22–27, chin 28. Names are by
 * region only: the official code does not name the points, and the flip pairs fix only their symmetry.
 */
const SCHEME_COFW: LandmarkScheme = {
  dataset: 'cofw',
  numLandmarks: 29,
  names: [...seq('eyebrow', 8), ...seq('eye', 8), 'pupil_0', 'pupil_1', ...seq('nose', 4), ...seq('mouth', 6), 'chin'],
  // evaluation.py: pts_gt[8] - pts_gt[9]
  normalization: { kind: 'interocular', indices: [8, 9], description: 'eye_0 and eye_1 (indices 8 and 9 of compute_nme)' },
  flipPairs: oneBased([
    [1, 2], [5, 7], [3, 4], [6, 8], [9, 10], [11, 12], [13, 15], [17, 18], [14, 16], [19, 20], [23, 24],
  ]),
  // the official code draws nothing and names no point, so no segments are guessed
  connections: [],
};

/** AFLW 19 (AFLW's 21 points without the ear lobes): brows 0–5, eyes 6–11, nose 12–14, mouth 15–17, chin 18. */
const SCHEME_AFLW: LandmarkScheme = {
  dataset: 'aflw',
  numLandmarks: 19,
  names: [
    'left_brow_left_corner', 'left_brow_center', 'left_brow_right_corner',
    'right_brow_left_corner', 'right_brow_center', 'right_brow_right_corner',
    'left_eye_left_corner', 'left_eye_center', 'left_eye_right_corner',
    'right_eye_left_corner', 'right_eye_center', 'right_eye_right_corner',
    'nose_left', 'nose_center', 'nose_right',
    'mouth_left_corner', 'mouth_center', 'mouth_right_corner',
    'chin_center',
  ],
  // evaluation.py: interocular = meta['box_size'][i] (the face box size of the AFLW CSV)
  normalization: { kind: 'box', description: 'face box size (box_size column of the official AFLW CSV)' },
  flipPairs: oneBased([[1, 6], [2, 5], [3, 4], [7, 12], [8, 11], [9, 10], [13, 15], [16, 18]]),
  connections: [[0, 1], [1, 2], [3, 4], [4, 5], [6, 7], [7, 8], [9, 10], [10, 11], [12, 13], [13, 14], [15, 16], [16, 17]],
};

export const SCHEMES: Readonly<Record<FaceDataset, LandmarkScheme>> = {
  '300w': SCHEME_300W,
  wflw: SCHEME_WFLW,
  cofw: SCHEME_COFW,
  aflw: SCHEME_AFLW,
};

/** The scheme of a dataset, or of a landmark count the official evaluation knows (68, 98, 29, 19). */
export function schemeFor(datasetOrCount: FaceDataset | number): LandmarkScheme | null {
  if (typeof datasetOrCount === 'string') return SCHEMES[datasetOrCount] ?? null;
  return Object.values(SCHEMES).find((s) => s.numLandmarks === datasetOrCount) ?? null;
}

/** Indices by name (e.g. `landmarkIndex('300w', 'left_eye_3') === 45`); -1 when the name is unknown. */
export function landmarkIndex(dataset: FaceDataset, name: string): number {
  return SCHEMES[dataset].names.indexOf(name);
}
