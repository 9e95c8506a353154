/**
 * The CAM grid as one PNG (the reference study's figure): a header row of column titles (run id, arch · checkpoint,
 * method), one row per image with its name and true class on the left, each cell the overlay explain wrote with a
 * caption "true X · pred Y 97.3%" under it; a wrong prediction has a red frame and a red caption marked ✗.
 * gridLayout() is pure (where everything sits, the caption lines); renderGridPng() draws it with sharp.
 */
import sharp from 'sharp';
import { writeFileAtomic } from '../io/atomic';

/** What is drawn: column titles, row labels, and per cell its caption and whether the prediction is right. */
export interface GridSpec {
  columns: { title: string[] }[];
  rows: { label: string[] }[];
  /** cells[row][column]; correct null: the true class is unknown (no mark). */
  cells: { caption: string; correct: boolean | null }[][];
}

export interface GridCellBox {
  row: number;
  col: number;
  /** Top-left corner and side of the overlay (square). */
  x: number;
  y: number;
  size: number;
  /** The caption as drawn: one line when it fits the cell, else split at " · " (and cut with … if still too long). */
  captionLines: string[];
  /** A wrong prediction: red frame around the overlay, red caption with ✗. */
  wrong: boolean;
}

/** `bold`: how many of the first lines are bold (a column's run id). */
export interface GridTextBlock { x: number; y: number; width: number; lines: string[]; bold?: number }

export interface GridLayout {
  width: number;
  height: number;
  cell: number;
  headers: GridTextBlock[];
  rowLabels: GridTextBlock[];
  cells: GridCellBox[][];
  legend: GridTextBlock;
}

export const DEFAULT_GRID_CELL = 256;
const MIN_CELL = 96;
const MAX_CELL = 512;
const PAD = 16;
const GAP = 14;
/** Between a row's captions and the next row's titles of frames. */
const ROW_GAP = 22;
const HEADER_LINE = 18;
const CAPTION_SIZE = 13;
const CAPTION_LINE = 17;
const LABEL_SIZE = 13;
const LABEL_LINE = 18;
const LEGEND_SIZE = 12;
const LEGEND_LINE = 16;
const FRAME = 4;
export const WRONG_COLOUR = '#d32f2f';
export const WRONG_MARK = '✗';
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
const LEGEND = `Each cell: the overlay of the class the column's model explains (its prediction unless a class is forced); `
  + `caption: the image's true class · the predicted class and its probability; ${WRONG_MARK} and a red frame: a wrong prediction.`;

/** Estimated width of a line of text in DejaVu Sans (average advance ≈ 0.62 em; bold 0.68 em). */
export function textWidth(text: string, size: number, bold = false): number {
  return Math.ceil([...text].length * size * (bold ? 0.68 : 0.62));
}

/** The text cut with … so that it fits `width`. */
export function fitText(text: string, width: number, size: number, bold = false): string {
  if (textWidth(text, size, bold) <= width) return text;
  const chars = [...text];
  let n = chars.length;
  while (n > 1 && textWidth(chars.slice(0, n).join('') + '…', size, bold) > width) n--;
  return chars.slice(0, n).join('') + '…';
}

/** A word-less text (a file name, a run id) broken into at most `maxLines` lines of `width`, the last one cut with … if needed. */
export function breakText(text: string, width: number, size: number, maxLines: number, bold = false): string[] {
  const lines: string[] = [];
  let rest = [...text];
  while (rest.length && lines.length < maxLines - 1 && textWidth(rest.join(''), size, bold) > width) {
    let n = rest.length;
    while (n > 1 && textWidth(rest.slice(0, n).join(''), size, bold) > width) n--;
    // After a separator (-, _, .) in the second half of the line when there is one: "…-mobilenetv2-" / "seed7".
    const cut = Math.max(...['-', '_', '.'].map((c) => rest.slice(0, n).lastIndexOf(c)));
    if (cut >= n / 2 && cut < n - 1) n = cut + 1;
    lines.push(rest.slice(0, n).join(''));
    rest = rest.slice(n);
  }
  if (rest.length) lines.push(fitText(rest.join(''), width, size, bold));
  return lines;
}

/** Greedy word wrap to `width`. */
function wrap(text: string, width: number, size: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    const next = line ? `${line} ${word}` : word;
    if (line && textWidth(next, size) > width) { lines.push(line); line = word; } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** The caption's lines in a cell `width` wide; ✗ goes before "pred" when the prediction is wrong. */
export function captionLines(caption: string, wrong: boolean, width: number): string[] {
  const marked = wrong ? caption.replace(' · pred ', ` · ${WRONG_MARK} pred `) : caption;
  if (textWidth(marked, CAPTION_SIZE) <= width) return [marked];
  const cut = marked.indexOf(' · ');
  const parts = cut < 0 ? [marked] : [marked.slice(0, cut), marked.slice(cut + 3)];
  return parts.map((p) => fitKeepingTail(p, width));
}

/** Cut a caption line to `width`, keeping a trailing probability ("… 99.5%") whole: the class name gives way first. */
function fitKeepingTail(line: string, width: number): string {
  const space = line.lastIndexOf(' ');
  if (textWidth(line, CAPTION_SIZE) <= width || space < 0 || !line.endsWith('%')) return fitText(line, width, CAPTION_SIZE);
  const tail = line.slice(space);
  return fitText(line.slice(0, space), width - textWidth(tail, CAPTION_SIZE), CAPTION_SIZE) + tail;
}

export function gridLayout(spec: GridSpec, opts: { cell?: number } = {}): GridLayout {
  const nCols = spec.columns.length, nRows = spec.rows.length;
  if (nCols === 0 || nRows === 0) throw new Error('A grid needs at least one image and one column.');
  if (spec.cells.length !== nRows || spec.cells.some((r) => r.length !== nCols)) throw new Error(`The grid's cells are not ${nRows} × ${nCols}.`);
  const cell = Math.round(Math.min(MAX_CELL, Math.max(MIN_CELL, opts.cell ?? DEFAULT_GRID_CELL)));
  const labelWidth = Math.min(220, Math.max(110, ...spec.rows.flatMap((r) => r.label.map((l) => textWidth(l, LABEL_SIZE) + 8))));
  // The first title line (a run id) may take two lines, bold; the others one each.
  const titles = spec.columns.map((c) => c.title.flatMap((t, i) => (i === 0 ? breakText(t, cell, 14, 2, true) : [fitText(t, cell, 12)])));
  const boldLines = titles.map((t, col) => t.length - Math.max(0, spec.columns[col].title.length - 1));
  const headerLines = Math.max(...titles.map((t) => t.length));
  const headerHeight = headerLines * HEADER_LINE + 8;
  const captions = spec.cells.map((r) => r.map((c) => captionLines(c.caption, c.correct === false, cell)));
  const captionBand = Math.max(...captions.flat().map((l) => l.length)) * CAPTION_LINE + 8;
  const x0 = PAD + labelWidth + GAP;
  const y0 = PAD + headerHeight;
  const rowStep = cell + captionBand + ROW_GAP;
  const colStep = cell + GAP;
  const width = x0 + nCols * colStep - GAP + PAD;
  const legendLines = wrap(LEGEND, width - 2 * PAD, LEGEND_SIZE);
  const legendY = y0 + nRows * rowStep;
  return {
    width,
    height: legendY + legendLines.length * LEGEND_LINE + PAD,
    cell,
    headers: spec.columns.map((_, col) => ({
      // Bottom-aligned: columns whose id takes one line start lower, so the method lines stay level.
      x: x0 + col * colStep, y: PAD + (headerLines - titles[col].length) * HEADER_LINE, width: cell, lines: titles[col], bold: boldLines[col],
    })),
    rowLabels: spec.rows.map((r, row) => ({
      x: PAD, y: y0 + row * rowStep, width: labelWidth,
      // The first line (the file name) may take two lines; the others one each.
      lines: r.label.flatMap((l, i) => (i === 0 ? breakText(l, labelWidth - 8, LABEL_SIZE, 2) : [fitText(l, labelWidth - 8, LABEL_SIZE)])),
    })),
    cells: spec.cells.map((r, row) => r.map((c, col) => ({
      row, col, x: x0 + col * colStep, y: y0 + row * rowStep, size: cell, captionLines: captions[row][col], wrong: c.correct === false,
    }))),
    legend: { x: PAD, y: legendY, width: width - 2 * PAD, lines: legendLines },
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** Everything but the overlays: background, titles, labels, captions, red frames, legend. */
export function gridSvg(layout: GridLayout): string {
  const parts: string[] = [`<rect width="${layout.width}" height="${layout.height}" fill="white"/>`];
  const text = (x: number, y: number, content: string, attrs: string) =>
    parts.push(`<text x="${x}" y="${y}" xml:space="preserve" ${attrs}>${escapeXml(content)}</text>`);
  for (const h of layout.headers) {
    h.lines.forEach((line, i) => text(h.x + h.width / 2, h.y + 14 + i * HEADER_LINE, line,
      i < (h.bold ?? 1) ? 'font-size="14" font-weight="bold" fill="#111" text-anchor="middle"' : 'font-size="12" fill="#444" text-anchor="middle"'));
  }
  for (const r of layout.rowLabels) {
    const top = r.y + layout.cell / 2 - (r.lines.length * LABEL_LINE) / 2 + 13;
    r.lines.forEach((line, i) => text(r.x, top + i * LABEL_LINE, line, `font-size="${LABEL_SIZE}" fill="${i < r.lines.length - 1 ? '#111' : '#444'}"`));
  }
  for (const c of layout.cells.flat()) {
    parts.push(`<rect x="${c.x - 1}" y="${c.y - 1}" width="${c.size + 2}" height="${c.size + 2}" fill="black" stroke="#999" stroke-width="1"/>`);
    if (c.wrong) {
      const o = FRAME / 2 + 1;
      parts.push(`<rect x="${c.x - o}" y="${c.y - o}" width="${c.size + 2 * o}" height="${c.size + 2 * o}" fill="none" stroke="${WRONG_COLOUR}" stroke-width="${FRAME}"/>`);
    }
    c.captionLines.forEach((line, i) => text(c.x + c.size / 2, c.y + c.size + FRAME + 14 + i * CAPTION_LINE, line,
      `font-size="${CAPTION_SIZE}" text-anchor="middle" fill="${c.wrong ? WRONG_COLOUR : '#111'}"${c.wrong ? ' font-weight="bold"' : ''}`));
  }
  layout.legend.lines.forEach((line, i) => text(layout.legend.x, layout.legend.y + 12 + i * LEGEND_LINE, line, `font-size="${LEGEND_SIZE}" fill="#555"`));
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" `
    + `font-family="${FONT}">${parts.join('')}</svg>`;
}

/** Draws the grid with `overlays[row][col]` (image files, any size: fitted into the square, black bars) into `file`. */
export async function renderGridPng(layout: GridLayout, overlays: string[][], file: string): Promise<void> {
  const composites = await Promise.all(layout.cells.flat().map(async (c) => ({
    input: await sharp(overlays[c.row][c.col]).resize(c.size, c.size, { fit: 'contain', background: '#000000' }).removeAlpha().png().toBuffer(),
    left: c.x,
    top: c.y,
  })));
  const png = await sharp(Buffer.from(gridSvg(layout))).flatten({ background: '#ffffff' }).composite(composites).png().toBuffer();
  await writeFileAtomic(file, png);
}
