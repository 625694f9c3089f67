/** SVG overlays for annotated images (composited by sharp): boxes, keypoint skeletons, landmarks, labels. */

const PALETTE = ['#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe'];

export function colour(i: number): string {
  return PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;
}

function esc(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export class Svg {
  private readonly parts: string[] = [];
  constructor(readonly width: number, readonly height: number) {}

  private get stroke(): number {
    return Math.max(1, Math.round(Math.min(this.width, this.height) / 300));
  }

  box(x: number, y: number, w: number, h: number, col: string, label?: string): this {
    const s = this.stroke;
    this.parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${col}" stroke-width="${2 * s}"/>`);
    if (label) this.text(x + 2 * s, Math.max(12 * s, y - 3 * s), label, col);
    return this;
  }

  line(x1: number, y1: number, x2: number, y2: number, col: string): this {
    this.parts.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${col}" stroke-width="${2 * this.stroke}" stroke-linecap="round"/>`);
    return this;
  }

  point(x: number, y: number, col: string, r?: number): this {
    this.parts.push(`<circle cx="${x}" cy="${y}" r="${r ?? 2 * this.stroke + 1}" fill="${col}" stroke="black" stroke-width="${this.stroke / 2}"/>`);
    return this;
  }

  text(x: number, y: number, s: string, col = 'white'): this {
    const size = 12 * this.stroke;
    this.parts.push(
      `<text x="${x}" y="${y}" font-family="sans-serif" font-size="${size}" fill="${col}" stroke="black" stroke-width="${this.stroke / 2}" paint-order="stroke">${esc(s)}</text>`,
    );
    return this;
  }

  /** Keypoints above `minScore` and the limbs whose both ends are. */
  skeleton(points: { x: number; y: number; score: number }[], limbs: readonly (readonly [number, number])[], col: string, minScore = 0.2): this {
    for (const [a, b] of limbs) {
      const p = points[a];
      const q = points[b];
      if (p && q && p.score >= minScore && q.score >= minScore) this.line(p.x, p.y, q.x, q.y, col);
    }
    points.forEach((p) => {
      if (p.score >= minScore) this.point(p.x, p.y, col);
    });
    return this;
  }

  toString(): string {
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}">${this.parts.join('')}</svg>`;
  }
}
