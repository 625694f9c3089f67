/**
 * Class names and colour palettes of the data sets the official HRNet-Semantic-Segmentation models were
 * trained on, as plain data. Label ids are the training ids the networks output (channel c = class c).
 *
 * Sources: Cityscapes trainId names and colours from cityscapesScripts (`labels.py`); ADE20K (150),
 * PASCAL-Context (59) and LIP (20) names and palettes as listed by MMSegmentation's dataset classes
 * (Apache-2.0), which follow the data sets' own releases.
 */

/** RGB triplets, one a class. */
export type Palette = readonly (readonly [number, number, number])[];

export interface DatasetInfo {
  /** Short id (`'cityscapes'`, `'ade20k'`, `'pascal_ctx'`, `'lip'`). */
  name: string;
  classNames: readonly string[];
  palette: Palette;
  /** Ground-truth label the official evaluation skips (`TRAIN.IGNORE_LABEL`). */
  ignoreLabel: number;
  /**
   * Channels that swap under a horizontal flip (left/right body parts). The official LIP `inference`
   * swaps 14↔15, 16↔17, 18↔19 before un-flipping; the other data sets have none.
   */
  flipPairs: readonly (readonly [number, number])[];
}

export const CITYSCAPES: DatasetInfo = {
  name: 'cityscapes',
  classNames: [
    'road', 'sidewalk', 'building', 'wall', 'fence', 'pole', 'traffic light', 'traffic sign', 'vegetation', 'terrain',
    'sky', 'person', 'rider', 'car', 'truck', 'bus', 'train', 'motorcycle', 'bicycle',
  ],
  palette: [
    [128, 64, 128], [244, 35, 232], [70, 70, 70], [102, 102, 156], [190, 153, 153], [153, 153, 153], [250, 170, 30],
    [220, 220, 0], [107, 142, 35], [152, 251, 152], [70, 130, 180], [220, 20, 60], [255, 0, 0], [0, 0, 142],
    [0, 0, 70], [0, 60, 100], [0, 80, 100], [0, 0, 230], [119, 11, 32],
  ],
  ignoreLabel: 255,
  flipPairs: [],
};

/**
 * Cityscapes label id (as in `*_gtFine_labelIds.png`) → train id (0–18, 255 = ignore): the official
 * `Cityscapes.label_mapping`, needed to score predictions against the released ground truth.
 */
export const CITYSCAPES_ID_TO_TRAIN_ID: Readonly<Record<number, number>> = {
  7: 0, 8: 1, 11: 2, 12: 3, 13: 4, 17: 5, 19: 6, 20: 7, 21: 8, 22: 9, 23: 10, 24: 11, 25: 12, 26: 13, 27: 14,
  28: 15, 31: 16, 32: 17, 33: 18,
};

/** Maps a Cityscapes label-id map to train ids (every id without a train id becomes 255), as `convert_label`. */
export function cityscapesToTrainIds(labelIds: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(labelIds.length);
  for (let i = 0; i < labelIds.length; i++) out[i] = CITYSCAPES_ID_TO_TRAIN_ID[labelIds[i]!] ?? 255;
  return out;
}

const ADE_PALETTE: Palette = [
  [120, 120, 120], [180, 120, 120], [6, 230, 230], [80, 50, 50], [4, 200, 3], [120, 120, 80], [140, 140, 140],
  [204, 5, 255], [230, 230, 230], [4, 250, 7], [224, 5, 255], [235, 255, 7], [150, 5, 61], [120, 120, 70],
  [8, 255, 51], [255, 6, 82], [143, 255, 140], [204, 255, 4], [255, 51, 7], [204, 70, 3], [0, 102, 200],
  [61, 230, 250], [255, 6, 51], [11, 102, 255], [255, 7, 71], [255, 9, 224], [9, 7, 230], [220, 220, 220],
  [255, 9, 92], [112, 9, 255], [8, 255, 214], [7, 255, 224], [255, 184, 6], [10, 255, 71], [255, 41, 10],
  [7, 255, 255], [224, 255, 8], [102, 8, 255], [255, 61, 6], [255, 194, 7], [255, 122, 8], [0, 255, 20],
  [255, 8, 41], [255, 5, 153], [6, 51, 255], [235, 12, 255], [160, 150, 20], [0, 163, 255], [140, 140, 140],
  [250, 10, 15], [20, 255, 0], [31, 255, 0], [255, 31, 0], [255, 224, 0], [153, 255, 0], [0, 0, 255],
  [255, 71, 0], [0, 235, 255], [0, 173, 255], [31, 0, 255], [11, 200, 200], [255, 82, 0], [0, 255, 245],
  [0, 61, 255], [0, 255, 112], [0, 255, 133], [255, 0, 0], [255, 163, 0], [255, 102, 0], [194, 255, 0],
  [0, 143, 255], [51, 255, 0], [0, 82, 255], [0, 255, 41], [0, 255, 173], [10, 0, 255], [173, 255, 0],
  [0, 255, 153], [255, 92, 0], [255, 0, 255], [255, 0, 245], [255, 0, 102], [255, 173, 0], [255, 0, 20],
  [255, 184, 184], [0, 31, 255], [0, 255, 61], [0, 71, 255], [255, 0, 204], [0, 255, 194], [0, 255, 82],
  [0, 10, 255], [0, 112, 255], [51, 0, 255], [0, 194, 255], [0, 122, 255], [0, 255, 163], [255, 153, 0],
  [0, 255, 10], [255, 112, 0], [143, 255, 0], [82, 0, 255], [163, 255, 0], [255, 235, 0], [8, 184, 170],
  [133, 0, 255], [0, 255, 92], [184, 0, 255], [255, 0, 31], [0, 184, 255], [0, 214, 255], [255, 0, 112],
  [92, 255, 0], [0, 224, 255], [112, 224, 255], [70, 184, 160], [163, 0, 255], [153, 0, 255], [71, 255, 0],
  [255, 0, 163], [255, 204, 0], [255, 0, 143], [0, 255, 235], [133, 255, 0], [255, 0, 235], [245, 0, 255],
  [255, 0, 122], [255, 245, 0], [10, 190, 212], [214, 255, 0], [0, 204, 255], [20, 0, 255], [255, 255, 0],
  [0, 153, 255], [0, 41, 255], [0, 255, 204], [41, 0, 255], [41, 255, 0], [173, 0, 255], [0, 245, 255],
  [71, 0, 255], [122, 0, 255], [0, 255, 184], [0, 92, 255], [184, 255, 0], [0, 133, 255], [255, 214, 0],
  [25, 194, 194], [102, 255, 0], [92, 0, 255],
];

export const ADE20K: DatasetInfo = {
  name: 'ade20k',
  classNames: [
    'wall', 'building', 'sky', 'floor', 'tree', 'ceiling', 'road', 'bed', 'windowpane', 'grass', 'cabinet',
    'sidewalk', 'person', 'earth', 'door', 'table', 'mountain', 'plant', 'curtain', 'chair', 'car', 'water',
    'painting', 'sofa', 'shelf', 'house', 'sea', 'mirror', 'rug', 'field', 'armchair', 'seat', 'fence', 'desk',
    'rock', 'wardrobe', 'lamp', 'bathtub', 'railing', 'cushion', 'base', 'box', 'column', 'signboard',
    'chest of drawers', 'counter', 'sand', 'sink', 'skyscraper', 'fireplace', 'refrigerator', 'grandstand', 'path',
    'stairs', 'runway', 'case', 'pool table', 'pillow', 'screen door', 'stairway', 'river', 'bridge', 'bookcase',
    'blind', 'coffee table', 'toilet', 'flower', 'book', 'hill', 'bench', 'countertop', 'stove', 'palm',
    'kitchen island', 'computer', 'swivel chair', 'boat', 'bar', 'arcade machine', 'hovel', 'bus', 'towel', 'light',
    'truck', 'tower', 'chandelier', 'awning', 'streetlight', 'booth', 'television receiver', 'airplane',
    'dirt track', 'apparel', 'pole', 'land', 'bannister', 'escalator', 'ottoman', 'bottle', 'buffet', 'poster',
    'stage', 'van', 'ship', 'fountain', 'conveyer belt', 'canopy', 'washer', 'plaything', 'swimming pool', 'stool',
    'barrel', 'basket', 'waterfall', 'tent', 'bag', 'minibike', 'cradle', 'oven', 'ball', 'food', 'step', 'tank',
    'trade name', 'microwave', 'pot', 'animal', 'bicycle', 'lake', 'dishwasher', 'screen', 'blanket', 'sculpture',
    'hood', 'sconce', 'vase', 'traffic light', 'tray', 'ashcan', 'fan', 'pier', 'crt screen', 'plate', 'monitor',
    'bulletin board', 'shower', 'radiator', 'glass', 'clock', 'flag',
  ],
  palette: ADE_PALETTE,
  // ADE20K's 0 ("other") is shifted to -1 by `reduce_zero_label` and then read as 255 by the uint8 label maps
  ignoreLabel: 255,
  flipPairs: [],
};

/** PASCAL-Context with 59 classes: the 60-class list without background (background is ignored, -1). */
export const PASCAL_CONTEXT_59: DatasetInfo = {
  name: 'pascal_ctx',
  classNames: [
    'aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair', 'cow', 'table', 'dog', 'horse',
    'motorbike', 'person', 'pottedplant', 'sheep', 'sofa', 'train', 'tvmonitor', 'bag', 'bed', 'bench', 'book',
    'building', 'cabinet', 'ceiling', 'cloth', 'computer', 'cup', 'door', 'fence', 'floor', 'flower', 'food', 'grass',
    'ground', 'keyboard', 'light', 'mountain', 'mouse', 'curtain', 'platform', 'sign', 'plate', 'road', 'rock',
    'shelves', 'sidewalk', 'sky', 'snow', 'bedclothes', 'track', 'tree', 'truck', 'wall', 'water', 'window', 'wood',
  ],
  palette: ADE_PALETTE.slice(1, 60),
  ignoreLabel: -1,
  flipPairs: [],
};

export const LIP: DatasetInfo = {
  name: 'lip',
  classNames: [
    'Background', 'Hat', 'Hair', 'Glove', 'Sunglasses', 'UpperClothes', 'Dress', 'Coat', 'Socks', 'Pants',
    'Jumpsuits', 'Scarf', 'Skirt', 'Face', 'Left-arm', 'Right-arm', 'Left-leg', 'Right-leg', 'Left-shoe', 'Right-shoe',
  ],
  palette: [
    [0, 0, 0], [128, 0, 0], [255, 0, 0], [0, 85, 0], [170, 0, 51], [255, 85, 0], [0, 0, 85], [0, 119, 221],
    [85, 85, 0], [0, 85, 85], [85, 51, 0], [52, 86, 128], [0, 128, 0], [0, 0, 255], [51, 170, 221], [0, 255, 255],
    [85, 255, 170], [170, 255, 85], [255, 255, 0], [255, 170, 0],
  ],
  ignoreLabel: 255,
  flipPairs: [[14, 15], [16, 17], [18, 19]],
};

/**
 * The palette the official `save_pred` writes (`get_palette`: the PASCAL VOC bit-interleaving scheme),
 * for any number of classes.
 */
export function bitPalette(n: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let j = 0; j < n; j++) {
    let lab = j;
    const c: [number, number, number] = [0, 0, 0];
    for (let i = 0; lab; i++, lab >>= 3) {
      c[0] |= ((lab >> 0) & 1) << (7 - i);
      c[1] |= ((lab >> 1) & 1) << (7 - i);
      c[2] |= ((lab >> 2) & 1) << (7 - i);
    }
    out.push(c);
  }
  return out;
}

/** Names and palette for a data set nobody named: `class 0 … class n-1` and the bit palette. */
export function genericDataset(numClasses: number): DatasetInfo {
  return {
    name: 'custom',
    classNames: Array.from({ length: numClasses }, (_, i) => `class ${i}`),
    palette: bitPalette(numClasses),
    ignoreLabel: 255,
    flipPairs: [],
  };
}

export const DATASETS: Readonly<Record<string, DatasetInfo>> = {
  cityscapes: CITYSCAPES,
  ade20k: ADE20K,
  pascal_ctx: PASCAL_CONTEXT_59,
  lip: LIP,
};
