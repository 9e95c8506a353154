/**
 * Colour arithmetic on the CSS colours VS Code puts in its theme variables (#rgb, #rrggbb, #rrggbbaa, rgb(), rgba()).
 * Pure, so heatmap shading and text contrast are tested under node.
 */
export interface Rgba { r: number; g: number; b: number; a: number }

export function parseColor(css: string): Rgba | null {
  const s = css.trim().toLowerCase();
  const hex = /^#([0-9a-f]{3,8})$/.exec(s);
  if (hex) {
    let h = hex[1];
    if (h.length === 3 || h.length === 4) h = [...h].map((c) => c + c).join('');
    if (h.length !== 6 && h.length !== 8) return null;
    const n = (i: number) => parseInt(h.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? n(6) / 255 : 1 };
  }
  const fn = /^rgba?\(\s*([^)]*)\)$/.exec(s);
  if (fn) {
    const tokens = fn[1].split(/[\s,/]+/).filter(Boolean);
    // Channels: 0..255 or a percentage of 255; alpha: 0..1 or a percentage of 1.
    const num = (t: string, full: number) => (t.endsWith('%') ? (parseFloat(t) / 100) * full : parseFloat(t));
    const [r, g, b] = tokens.slice(0, 3).map((t) => num(t, 255));
    const a = tokens.length > 3 ? num(tokens[3], 1) : 1;
    if (tokens.length < 3 || ![r, g, b, a].every(Number.isFinite)) return null;
    return { r, g, b, a: Math.min(1, Math.max(0, a)) };
  }
  return null;
}

export function toCss({ r, g, b, a }: Rgba): string {
  const c = (v: number) => Math.round(Math.min(255, Math.max(0, v)));
  return `rgba(${c(r)}, ${c(g)}, ${c(b)}, ${Number(Math.min(1, Math.max(0, a)).toFixed(3))})`;
}

/** The colour with its alpha scaled by `alpha` (0..1); falls back to CSS color-mix for colours we cannot parse. */
export function withAlpha(css: string, alpha: number): string {
  const a = Math.min(1, Math.max(0, Number.isFinite(alpha) ? alpha : 0));
  const rgba = parseColor(css);
  if (!rgba) return `color-mix(in srgb, ${css} ${Math.round(a * 100)}%, transparent)`;
  return toCss({ ...rgba, a: rgba.a * a });
}

/** `top` painted over an opaque `bottom` with `top`'s alpha. */
export function blend(top: Rgba, bottom: Rgba): Rgba {
  const a = top.a;
  return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 };
}

/** WCAG relative luminance. */
export function luminance({ r, g, b }: Rgba): number {
  const lin = (v: number) => { const c = v / 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

export function contrastRatio(a: Rgba, b: Rgba): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The candidate (e.g. the theme's foreground and background) that reads best on `background`. */
export function mostReadable(background: Rgba, candidates: readonly string[]): string {
  let best = candidates[0] ?? '#000000';
  let bestRatio = -1;
  for (const c of candidates) {
    const rgba = parseColor(c);
    if (!rgba) continue;
    const ratio = contrastRatio(blend(rgba, background), background);
    if (ratio > bestRatio) { bestRatio = ratio; best = c; }
  }
  return best;
}
