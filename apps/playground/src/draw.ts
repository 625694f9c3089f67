import type { DetectionResult, FaceResult, MultiPoseResult, PoseResult, SegmentationResult, TaskResult } from './tasks/types.js';

/** What the overlays look like; the e2e test checks drawn pixels against these colours. */
export const STYLE = {
  keypoint: '#ff2d95',
  limb: '#00e5ff',
  box: '#ffd400',
  landmark: '#39ff14',
  /** Joints below this score are drawn hollow (the official visibility threshold is 0.2). */
  visibleScore: 0.2,
};

export interface DrawOptions {
  /** Pose: -1 none, -2 all joints (max over joints), or one joint's heatmap. */
  heatmapJoint: number;
  /** Segmentation mask opacity 0–1. */
  maskOpacity: number;
}

/** Pixels per image pixel so lines stay visible on big photos. */
function lineScale(ctx: CanvasRenderingContext2D): number {
  return Math.max(1, Math.min(ctx.canvas.width, ctx.canvas.height) / 300);
}

/** A colour map for heat: transparent blue → red, alpha grows with the value. */
function heatColour(v: number): [number, number, number, number] {
  const t = Math.min(1, Math.max(0, v));
  return [Math.round(255 * t), Math.round(64 * (1 - Math.abs(t - 0.5) * 2)), Math.round(255 * (1 - t)), Math.round(200 * t)];
}

function drawHeatmap(ctx: CanvasRenderingContext2D, r: PoseResult, joint: number): void {
  const { width: w, height: h, joints: k, data, toImage } = r.heatmaps;
  const plane = new Float32Array(w * h);
  for (let i = 0; i < w * h; i++) {
    if (joint >= 0) plane[i] = data[i * k + joint]!;
    else {
      let m = -Infinity;
      for (let j = 0; j < k; j++) m = Math.max(m, data[i * k + j]!);
      plane[i] = m;
    }
  }
  let hi = 0;
  for (const v of plane) hi = Math.max(hi, v);
  if (!(hi > 0)) return;
  const img = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) img.data.set(heatColour(plane[i]! / hi), i * 4);
  const small = new OffscreenCanvas(w, h);
  small.getContext('2d')!.putImageData(img, 0, 0);
  ctx.save();
  // heatmap pixel (x, y) → image: x' = a·x + b·y + c, y' = d·x + e·y + f; canvas wants (a, d, b, e, c, f)
  const [a, b, c, d, e, f] = toImage;
  ctx.transform(a, d, b, e, c, f);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(small, -0.5, -0.5, w, h); // pixel centres at integer heatmap coordinates
  ctx.restore();
}

/** The person or face box a pose or landmark result was computed in. */
function drawDashedBox(ctx: CanvasRenderingContext2D, box: [number, number, number, number], s: number): void {
  ctx.strokeStyle = STYLE.box;
  ctx.lineWidth = s;
  ctx.setLineDash([4 * s, 3 * s]);
  ctx.strokeRect(...box);
  ctx.setLineDash([]);
}

function drawPose(ctx: CanvasRenderingContext2D, r: Pick<PoseResult, 'box' | 'keypoints' | 'skeleton'> & { heatmaps?: PoseResult['heatmaps'] }, o: DrawOptions): void {
  if (r.heatmaps && o.heatmapJoint !== -1) drawHeatmap(ctx, r as PoseResult, o.heatmapJoint);
  const s = lineScale(ctx);
  drawDashedBox(ctx, r.box, s);
  ctx.strokeStyle = STYLE.limb;
  ctx.lineWidth = 2 * s;
  for (const [i, j] of r.skeleton) {
    const p = r.keypoints[i]!;
    const q = r.keypoints[j]!;
    ctx.beginPath();
    ctx.moveTo(p.x, p.y);
    ctx.lineTo(q.x, q.y);
    ctx.stroke();
  }
  for (const p of r.keypoints) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, 3.5 * s, 0, Math.PI * 2);
    if (p.score >= STYLE.visibleScore) {
      ctx.fillStyle = STYLE.keypoint;
      ctx.fill();
    } else {
      ctx.strokeStyle = STYLE.keypoint;
      ctx.lineWidth = s;
      ctx.stroke();
    }
  }
}

/** Every person bottom-up found: the box around its keypoints, limbs and joints as for one top-down pose. */
function drawMultiPose(ctx: CanvasRenderingContext2D, r: MultiPoseResult, o: DrawOptions): void {
  for (const p of r.people) drawPose(ctx, { box: p.box, keypoints: p.keypoints, skeleton: r.skeleton }, o);
}

function drawSegmentation(ctx: CanvasRenderingContext2D, r: SegmentationResult, o: DrawOptions): void {
  const img = new ImageData(r.width, r.height);
  const alpha = Math.round(255 * o.maskOpacity);
  for (let i = 0; i < r.labels.length; i++) {
    const c = r.palette[r.labels[i]!] ?? [0, 0, 0];
    img.data[i * 4] = c[0];
    img.data[i * 4 + 1] = c[1];
    img.data[i * 4 + 2] = c[2];
    img.data[i * 4 + 3] = alpha;
  }
  const small = new OffscreenCanvas(r.width, r.height);
  small.getContext('2d')!.putImageData(img, 0, 0);
  ctx.imageSmoothingEnabled = false; // labels are categories: no blending between classes
  ctx.drawImage(small, 0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.imageSmoothingEnabled = true;
}

function drawDetection(ctx: CanvasRenderingContext2D, r: DetectionResult): void {
  const s = lineScale(ctx);
  ctx.font = `${Math.round(11 * s)}px sans-serif`;
  ctx.textBaseline = 'bottom';
  for (const b of r.boxes) {
    ctx.strokeStyle = STYLE.box;
    ctx.lineWidth = 2 * s;
    ctx.strokeRect(b.x, b.y, b.width, b.height);
    const text = `${b.label} ${(b.score * 100).toFixed(0)}%`;
    const tw = ctx.measureText(text).width + 4 * s;
    ctx.fillStyle = STYLE.box;
    ctx.fillRect(b.x, b.y - 14 * s, tw, 14 * s);
    ctx.fillStyle = '#000';
    ctx.fillText(text, b.x + 2 * s, b.y);
  }
}

function drawFace(ctx: CanvasRenderingContext2D, r: FaceResult): void {
  const s = lineScale(ctx);
  drawDashedBox(ctx, r.box, s);
  ctx.fillStyle = STYLE.landmark;
  for (const p of r.landmarks) {
    ctx.beginPath();
    ctx.arc(p.x, p.y, 2.5 * s, 0, Math.PI * 2);
    ctx.fill();
  }
}

/** Draws the image, then the task's result over it. Classification draws nothing over the image. */
export function drawResult(ctx: CanvasRenderingContext2D, image: CanvasImageSource, result: TaskResult | null, o: DrawOptions): void {
  ctx.drawImage(image, 0, 0, ctx.canvas.width, ctx.canvas.height);
  if (!result) return;
  switch (result.kind) {
    case 'pose':
      drawPose(ctx, result, o);
      return;
    case 'multipose':
      drawMultiPose(ctx, result, o);
      return;
    case 'segmentation':
      drawSegmentation(ctx, result, o);
      return;
    case 'detection':
      drawDetection(ctx, result);
      return;
    case 'face':
      drawFace(ctx, result);
      return;
    case 'classification':
      return;
  }
}
