/**
 * The sample grid as one PNG: per class a block with its name, image count and sizes; a row of random images as the
 * network sees them (square, resized) and under it the same images as the preset augments them (what was drawn under
 * each); at the right the class's intensity histogram. SVG for the text and charts, the thumbnails composited by sharp.
 */
import sharp from 'sharp';
import type { SampleClass, SamplesResult } from '../../shared/samples';
import { writeFileAtomic } from '../io/atomic';

export interface Thumbnails { original: Buffer; augmented: Buffer }

const PAD = 16, GAP = 8, LABEL = 150, HIST_W = 260, TITLE_H = 34, HEADER_H = 24, CAPTION_H = 42, BLOCK_GAP = 18;
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** "299–2048 × 256–2000 px (median 1024 × 1024)". */
export function sizeText(s: SampleClass['size']): string {
  const range = (lo: number, hi: number) => (lo === hi ? `${lo}` : `${lo}–${hi}`);
  return `${range(s.minWidth, s.maxWidth)} × ${range(s.minHeight, s.maxHeight)} px (median ${s.medianWidth} × ${s.medianHeight})`;
}

/** Cut to about `chars` characters per line, at most three lines, at ", ". */
function captionLines(text: string, chars: number): string[] {
  const parts = text.split(', ');
  const lines: string[] = [];
  let line = '';
  for (const p of parts) {
    const next = line ? `${line}, ${p}` : p;
    if (line && next.length > chars) { lines.push(line); line = p; } else line = next;
  }
  if (line) lines.push(line);
  return lines.length > 3 ? [lines[0], lines[1], `${lines[2]}…`] : lines;
}

interface Layout { width: number; height: number; blockH: number; cell: number }

function layout(r: SamplesResult): Layout {
  const cell = r.thumbnail;
  const n = Math.max(1, ...r.classes.map((c) => c.samples.length));
  const blockH = HEADER_H + 2 * cell + GAP + CAPTION_H;
  return { width: PAD * 2 + LABEL + n * (cell + GAP) + HIST_W, height: PAD + TITLE_H + r.classes.length * (blockH + BLOCK_GAP) + PAD, blockH, cell };
}

export function sampleGridSvg(r: SamplesResult): string {
  const L = layout(r);
  const parts: string[] = [`<rect width="${L.width}" height="${L.height}" fill="white"/>`];
  const text = (x: number, y: number, s: string, attrs: string) => parts.push(`<text x="${x}" y="${y}" xml:space="preserve" ${attrs}>${escapeXml(s)}</text>`);
  text(PAD, PAD + 18, `${r.root} · ${r.perClass} random images per class (seed ${r.seed}) · top: as the network sees them, bottom: augmented by the ${r.preset} preset`,
    'font-size="14" font-weight="bold" fill="#111"');
  r.classes.forEach((c, k) => {
    const y0 = PAD + TITLE_H + k * (L.blockH + BLOCK_GAP);
    text(PAD, y0 + 16, `${c.className} · ${c.images} image${c.images === 1 ? '' : 's'} · ${sizeText(c.size)}`, 'font-size="14" font-weight="bold" fill="#111"');
    const rowY = [y0 + HEADER_H, y0 + HEADER_H + L.cell + GAP];
    text(PAD, rowY[0] + L.cell / 2, 'original', 'font-size="13" fill="#333"');
    text(PAD, rowY[1] + L.cell / 2, `${r.preset}`, 'font-size="13" fill="#333"');
    text(PAD, rowY[1] + L.cell / 2 + 16, 'augmented', 'font-size="13" fill="#333"');
    c.samples.forEach((s, j) => {
      const x = PAD + LABEL + j * (L.cell + GAP);
      for (const y of rowY) parts.push(`<rect x="${x - 1}" y="${y - 1}" width="${L.cell + 2}" height="${L.cell + 2}" fill="black" stroke="#999"/>`);
      captionLines(s.augmentation, Math.floor(L.cell / 6.2)).forEach((line, i) =>
        text(x + L.cell / 2, rowY[1] + L.cell + 12 + i * 12, line, 'font-size="10" fill="#555" text-anchor="middle"'));
    });
    histogramSvg(parts, c, PAD + LABEL + Math.max(1, r.perClass) * (L.cell + GAP) + 8, rowY[0], HIST_W - 16, 2 * L.cell + GAP);
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${L.width}" height="${L.height}" viewBox="0 0 ${L.width} ${L.height}" font-family="${FONT}">${parts.join('')}</svg>`;
}

function histogramSvg(parts: string[], c: SampleClass, x: number, y: number, w: number, h: number): void {
  const top = 18, bottom = 18;
  const ph = h - top - bottom;
  // The darkest and brightest bins (borders, burned-in labels) can dwarf the rest: the scale follows the inner bins, taller bars are cut.
  const inner = c.histogram.bins.slice(1, -1);
  const max = Math.max(...(inner.length ? inner : c.histogram.bins), 1e-9) * 1.1;
  const bw = w / c.histogram.bins.length;
  parts.push(`<text x="${x}" y="${y + 12}" font-size="12" fill="#333">intensity, ${c.histogram.images} images: mean ${c.histogram.mean.toFixed(0)} ± ${c.histogram.std.toFixed(0)}</text>`);
  parts.push(`<rect x="${x}" y="${y + top}" width="${w}" height="${ph}" fill="#f7f7f7" stroke="#ccc"/>`);
  c.histogram.bins.forEach((b, i) => {
    const bh = Math.min(1, b / max) * ph;
    parts.push(`<rect x="${(x + i * bw).toFixed(1)}" y="${(y + top + ph - bh).toFixed(1)}" width="${Math.max(0.5, bw - 0.5).toFixed(1)}" height="${bh.toFixed(1)}" fill="#4c78a8"/>`);
  });
  parts.push(`<text x="${x}" y="${y + h - 4}" font-size="11" fill="#555">0</text>`);
  parts.push(`<text x="${x + w}" y="${y + h - 4}" font-size="11" fill="#555" text-anchor="end">255</text>`);
}

/** Draws the grid with each sample's thumbnails (RGB, `thumbnail` px square, PNG) into `file`. */
export async function renderSampleGridPng(r: SamplesResult, thumbs: Thumbnails[][], file: string): Promise<void> {
  const L = layout(r);
  const composites = r.classes.flatMap((c, k) => {
    const y0 = PAD + TITLE_H + k * (L.blockH + BLOCK_GAP) + HEADER_H;
    return c.samples.flatMap((_, j) => {
      const left = PAD + LABEL + j * (L.cell + GAP);
      return [{ input: thumbs[k][j].original, left, top: y0 }, { input: thumbs[k][j].augmented, left, top: y0 + L.cell + GAP }];
    });
  });
  const png = await sharp(Buffer.from(sampleGridSvg(r))).flatten({ background: '#ffffff' }).composite(composites).png().toBuffer();
  await writeFileAtomic(file, png);
}
