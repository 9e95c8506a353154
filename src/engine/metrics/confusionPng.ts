import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic';
import type { MetricsReport } from './metrics';

export interface ConfusionPngOptions {
  title?: string;
  /** Show the row percentage as the main number (count underneath) instead of the count. */
  normalize?: boolean;
}

/** Where everything sits in the picture; exported so tests can probe cell colours. */
export interface ConfusionLayout {
  width: number;
  height: number;
  /** Side of one square cell, px. */
  cell: number;
  /** Top-left corner of cell (row 0, column 0). */
  gridX: number;
  gridY: number;
}

const MAX_NAME = 20;
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
// sklearn/matplotlib 'Blues' end points: light for 0 %, dark for 100 % of the row.
const LIGHT = [247, 251, 255];
const DARK = [8, 48, 107];

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function shortName(name: string): string {
  return name.length > MAX_NAME ? `${name.slice(0, MAX_NAME - 1)}…` : name;
}

function shade(value: number): string {
  const rgb = LIGHT.map((l, i) => Math.round(l + (DARK[i] - l) * value));
  return `rgb(${rgb.join(',')})`;
}

function percent(value: number): string {
  return `${(100 * value).toFixed(1)}%`;
}

export function confusionLayout(report: MetricsReport): ConfusionLayout {
  const k = report.classes.length;
  const longest = Math.max(4, ...report.classes.map((c) => shortName(c).length));
  // Wide enough for a column label written horizontally at 14 px (~8.5 px per character).
  const cell = Math.min(180, Math.max(96, Math.ceil(8.5 * longest + 20)));
  const rowLabelWidth = Math.ceil(8.5 * longest + 16);
  const gridX = 40 + rowLabelWidth; // 40 px for the rotated "True class" axis title
  const gridY = 76; // title + subtitle
  const legendWidth = 90;
  return {
    width: gridX + k * cell + legendWidth,
    height: gridY + k * cell + 64, // column labels + axis title below the grid
    cell,
    gridX,
    gridY,
  };
}

/** The confusion matrix as an SVG document: rows are true classes, columns predicted ones. */
export function confusionSvg(report: MetricsReport, opts: ConfusionPngOptions = {}): { svg: string; layout: ConfusionLayout } {
  const layout = confusionLayout(report);
  const { width, height, cell, gridX, gridY } = layout;
  const k = report.classes.length;
  const gridSize = k * cell;
  const title = opts.title ?? 'Confusion matrix';
  const parts: string[] = [];
  const text = (x: number, y: number, content: string, attrs = ''): void => {
    parts.push(`<text x="${x}" y="${y}" ${attrs}>${escapeXml(content)}</text>`);
  };

  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  text(width / 2, 28, title, 'font-size="20" font-weight="bold" text-anchor="middle"');
  text(width / 2, 52, `n = ${report.total}  ·  accuracy ${percent(report.accuracy)}  ·  macro F1 ${report.macro.f1.toFixed(3)}`,
    'font-size="13" fill="#444" text-anchor="middle" xml:space="preserve"');

  for (let i = 0; i < k; i++) {
    const row = report.confusion[i];
    const rowTotal = row.reduce((s, v) => s + v, 0);
    for (let j = 0; j < k; j++) {
      // Shade by the row-normalised value so rare classes are as readable as common ones.
      const frac = rowTotal === 0 ? 0 : row[j] / rowTotal;
      const x = gridX + j * cell;
      const y = gridY + i * cell;
      const ink = frac > 0.5 ? 'white' : '#111';
      const pct = rowTotal === 0 ? '–' : percent(frac);
      const [main, sub] = opts.normalize ? [pct, `n = ${row[j]}`] : [String(row[j]), pct];
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${shade(frac)}" stroke="#bbb" stroke-width="1"/>`);
      text(x + cell / 2, y + cell / 2 + 2, main, `font-size="22" font-weight="bold" fill="${ink}" text-anchor="middle"`);
      text(x + cell / 2, y + cell / 2 + 22, sub, `font-size="13" fill="${ink}" text-anchor="middle"`);
    }
    // Row (true class) label, right-aligned against the grid.
    text(gridX - 8, gridY + i * cell + cell / 2 + 5, shortName(report.classes[i]), 'font-size="14" text-anchor="end"');
    // Column (predicted class) label under the grid.
    text(gridX + i * cell + cell / 2, gridY + gridSize + 20, shortName(report.classes[i]), 'font-size="14" text-anchor="middle"');
  }
  parts.push(`<rect x="${gridX}" y="${gridY}" width="${gridSize}" height="${gridSize}" fill="none" stroke="#333" stroke-width="1.5"/>`);

  text(gridX + gridSize / 2, gridY + gridSize + 48, 'Predicted class', 'font-size="15" font-weight="bold" text-anchor="middle"');
  const axisY = gridY + gridSize / 2;
  text(22, axisY, 'True class', `font-size="15" font-weight="bold" text-anchor="middle" transform="rotate(-90 22 ${axisY})"`);

  // Colour scale: what a shade means (share of the true class's samples).
  const barX = gridX + gridSize + 24;
  parts.push('<defs><linearGradient id="scale" x1="0" y1="1" x2="0" y2="0">'
    + `<stop offset="0" stop-color="${shade(0)}"/><stop offset="1" stop-color="${shade(1)}"/></linearGradient></defs>`);
  parts.push(`<rect x="${barX}" y="${gridY}" width="16" height="${gridSize}" fill="url(#scale)" stroke="#333" stroke-width="1"/>`);
  text(barX + 20, gridY + 10, '100%', 'font-size="11"');
  text(barX + 20, gridY + gridSize, '0%', 'font-size="11"');
  text(barX + 20, gridY + gridSize / 2 + 4, 'of row', 'font-size="11" fill="#444"');

  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" `
    + `viewBox="0 0 ${width} ${height}" font-family="${FONT}">${parts.join('')}</svg>`;
  return { svg, layout };
}

/** Render the confusion matrix to a PNG file (written atomically). */
export async function renderConfusionPng(report: MetricsReport, file: string, opts: ConfusionPngOptions = {}): Promise<void> {
  const { svg } = confusionSvg(report, opts);
  const png = await sharp(Buffer.from(svg)).flatten({ background: '#ffffff' }).png().toBuffer();
  await writeFileAtomic(file, png);
}
