/**
 * The LR finder's plot as fastai draws it (Recorder.plot_lr_find): smoothed loss against the learning rate on a log
 * axis, the last 5 points left out, each suggestion marked — as an SVG (lrFindSvg, pure) rendered to PNG with sharp.
 */
import sharp from 'sharp';
import type { LrFindFile } from '../../shared/runFiles';
import { formatLr } from '../../shared/format';
import { writeFileAtomic } from '../io/atomic';

const W = 720, H = 440;
const M = { left: 70, right: 24, top: 44, bottom: 56 };
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';
export const SUGGESTION_COLOURS = { valley: '#d62728', steep: '#ff7f0e' } as const;

/** fastai's plot_lr_find skip_end. */
const SKIP_END = 5;

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** About five round values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw)!;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

export function lrFindSvg(f: LrFindFile): string {
  const shown = f.points.length > SKIP_END + 1 ? f.points.slice(0, -SKIP_END) : f.points;
  const finite = shown.filter((p) => Number.isFinite(p.smooth));
  const parts: string[] = [`<rect width="${W}" height="${H}" fill="white"/>`];
  const text = (x: number, y: number, s: string, attrs = '') => parts.push(`<text x="${x}" y="${y}" ${attrs}>${escapeXml(s)}</text>`);
  const title = `LR finder · ${f.config.arch} · ${f.points.length} batches of ${f.config.batchSize}${f.stoppedBy === 'diverged' ? ' (stopped: the loss diverged)' : ''}`;
  text(M.left, 26, title, 'font-size="15" font-weight="bold" fill="#111"');
  if (finite.length < 2) {
    text(W / 2, H / 2, 'Too few batches to plot.', 'font-size="14" fill="#555" text-anchor="middle"');
    return svg(parts);
  }
  const lx0 = Math.log10(finite[0].lr), lx1 = Math.log10(finite[finite.length - 1].lr);
  const ys = finite.map((p) => p.smooth);
  const y0 = Math.min(...ys), y1 = Math.max(...ys);
  const pad = (y1 - y0) * 0.05 || Math.abs(y0) * 0.05 || 1;
  const ylo = y0 - pad, yhi = y1 + pad;
  const px = (lr: number) => M.left + ((Math.log10(lr) - lx0) / (lx1 - lx0 || 1)) * (W - M.left - M.right);
  const py = (v: number) => H - M.bottom - ((v - ylo) / (yhi - ylo)) * (H - M.top - M.bottom);
  // axes, grid, ticks
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#888"/>`);
  for (let e = Math.ceil(lx0); e <= Math.floor(lx1); e++) {
    const x = px(Math.pow(10, e));
    parts.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="#e4e4e4"/>`);
    text(x, H - M.bottom + 18, `1e${e}`, 'font-size="12" fill="#444" text-anchor="middle"');
  }
  for (const v of niceTicks(ylo, yhi)) {
    const y = py(v);
    parts.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#e4e4e4"/>`);
    text(M.left - 8, y + 4, String(Number(v.toPrecision(3))), 'font-size="12" fill="#444" text-anchor="end"');
  }
  text((M.left + W - M.right) / 2, H - 14, 'learning rate (log scale)', 'font-size="13" fill="#222" text-anchor="middle"');
  text(18, (M.top + H - M.bottom) / 2, 'loss (smoothed)', `font-size="13" fill="#222" text-anchor="middle" transform="rotate(-90 18 ${(M.top + H - M.bottom) / 2})"`);
  const line = finite.map((p, i) => `${i ? 'L' : 'M'}${px(p.lr).toFixed(1)},${py(p.smooth).toFixed(1)}`).join('');
  parts.push(`<path d="${line}" fill="none" stroke="#1f77b4" stroke-width="2"/>`);
  // suggestions, with a legend
  let ly = M.top + 18;
  for (const name of ['valley', 'steep'] as const) {
    const s = f.suggestions?.[name];
    if (!s) continue;
    const colour = SUGGESTION_COLOURS[name];
    if (s.lr >= finite[0].lr && s.lr <= finite[finite.length - 1].lr) parts.push(`<circle cx="${px(s.lr)}" cy="${py(s.loss)}" r="6" fill="${colour}" stroke="white" stroke-width="1.5"/>`);
    parts.push(`<circle cx="${W - M.right - 150}" cy="${ly - 4}" r="5" fill="${colour}"/>`);
    text(W - M.right - 140, ly, `${name} ${formatLr(s.lr)}`, 'font-size="13" fill="#111"');
    ly += 20;
  }
  return svg(parts);
}

function svg(parts: string[]): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT}">${parts.join('')}</svg>`;
}

export async function renderLrFindPng(f: LrFindFile, file: string): Promise<void> {
  await writeFileAtomic(file, await sharp(Buffer.from(lrFindSvg(f))).png().toBuffer());
}
