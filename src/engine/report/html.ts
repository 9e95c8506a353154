/**
 * The report as ONE self-contained HTML file: inline CSS, figures inline (SVG elements, PNGs as data: URIs), no script,
 * no link to anything — it opens offline, mailed or archived, and its Content-Security-Policy forbids any fetch.
 */
import { escapeHtml } from '../../shared/format';
import type { Block, Figure, ReportDocument } from './document';

export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";


/**
 * An SVG document as an element inside HTML: no XML namespace attribute (the HTML parser puts <svg> in the SVG namespace
 * itself) and its ids prefixed, so several figures' gradients never collide.
 */
export function inlineSvg(svg: string, prefix: string): string {
  return svg
    .replace(/^<\?xml[^>]*>\s*/, '')
    .replace(/\s+xmlns(:\w+)?="[^"]*"/g, '')
    .replace(/\bid="([^"]+)"/g, (_m, id: string) => `id="${prefix}-${id}"`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${prefix}-${id})`)
    .replace(/href="#([^"]+)"/g, (_m, id: string) => `href="#${prefix}-${id}"`)
    .replace(/^<svg\b/, '<svg role="img" style="max-width:100%;height:auto"');
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function figureHtml(f: Figure, name: string, alt: string): string {
  const width = f.displayWidth ? `width:${f.displayWidth}px;` : '';
  if (f.kind === 'svg') return inlineSvg(f.svg, name).replace(/^<svg\b/, `<svg aria-label="${escapeHtml(alt)}"`).replace('style="max-width:100%;height:auto"', `style="${width}max-width:100%;height:auto"`);
  return `<img alt="${escapeHtml(alt)}" width="${f.width}" height="${f.height}"${width ? ` style="${width}"` : ''} src="data:image/png;base64,${base64(f.png)}">`;
}

const cls = (tone?: string) => (tone ? ` class="${tone}"` : '');

function blockHtml(b: Block): string {
  switch (b.kind) {
    case 'paragraph': return `<p${cls(b.tone)}>${escapeHtml(b.text)}</p>`;
    case 'subheading': return `<h3>${escapeHtml(b.text)}</h3>`;
    case 'list': return `<ul${cls(b.tone)}>${b.items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const num = (j: number) => (b.numeric?.[j] ? ' class="num"' : '');
      return `${b.caption ? `<p class="caption">${escapeHtml(b.caption)}</p>` : ''}<div class="table-wrap"><table${b.id ? ` id="${escapeHtml(b.id)}"` : ''}>` +
        `<thead><tr>${b.header.map((h, j) => `<th${num(j)}>${escapeHtml(h)}</th>`).join('')}</tr></thead>` +
        `<tbody>${b.rows.map((r) => `<tr>${r.map((c, j) => `<td${num(j)}>${escapeHtml(c)}</td>`).join('')}</tr>`).join('')}</tbody></table></div>`;
    }
    case 'figure':
      return `<figure>${figureHtml(b.figure, b.name, b.alt)}<figcaption>${escapeHtml(b.caption)}</figcaption></figure>`;
    case 'figures':
      // Each figure as wide as its drawing, so a long caption wraps under it and figures sit side by side.
      return `<div class="figures">${b.items.map((f) => `<figure style="max-width:${f.figure.displayWidth ?? f.figure.width}px">${figureHtml(f.figure, f.name, f.alt)}<figcaption>${escapeHtml(f.caption)}</figcaption></figure>`).join('')}</div>`;
    case 'checklist':
      return `<div class="table-wrap"><table class="checklist"><thead><tr><th>${escapeHtml(b.idHeader ?? '#')}</th><th>Item</th><th>Status</th><th>In this report / to complete</th></tr></thead><tbody>${
        b.items.map((i) => `<tr class="${i.status}"><td>${escapeHtml(i.id)}</td><td>${escapeHtml(i.item)}</td><td>${i.status === 'filled' ? '✓ filled' : '✎ author'}</td><td>${escapeHtml(i.value)}</td></tr>`).join('')
      }</tbody></table></div>`;
  }
}

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.5 -apple-system, "Segoe UI", "DejaVu Sans", Roboto, Arial, sans-serif; color: #1b1b1b; background: #fff; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 32px 64px; }
h1 { font-size: 1.8em; margin: 0.2em 0; }
h2 { font-size: 1.35em; margin: 1.8em 0 0.5em; padding-bottom: 4px; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.08em; margin: 1.3em 0 0.4em; }
.subtitle { color: #555; margin: 0; }
nav ol { columns: 2; margin: 0.6em 0; padding-left: 1.4em; }
nav a { color: #0b5cad; text-decoration: none; }
.table-wrap { overflow-x: auto; margin: 0.3em 0 1em; }
table { border-collapse: collapse; font-size: 0.9em; }
p.caption { font-weight: 600; margin: 1em 0 0.2em; }
td:first-child { white-space: nowrap; }
th, td { border: 1px solid #d0d7de; padding: 4px 8px; vertical-align: top; text-align: left; overflow-wrap: break-word; }
th { background: #f3f5f7; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.warning { background: #fff4e5; border-left: 4px solid #d97706; padding: 6px 12px; }
ul.warning { padding-left: 32px; }
.note { color: #444; font-size: 0.92em; }
figure { margin: 1em 0; }
figcaption { color: #444; font-size: 0.9em; margin-top: 4px; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; }
.figures figure { flex: 0 1 auto; margin: 0; max-width: 100%; }
img { max-width: 100%; height: auto; }
table.checklist tr.author td:nth-child(3) { color: #9a3412; font-weight: 600; white-space: nowrap; }
table.checklist tr.filled td:nth-child(3) { color: #166534; white-space: nowrap; }
footer { margin-top: 3em; color: #666; font-size: 0.85em; }
@media print { main { max-width: none; padding: 0; } h2 { break-after: avoid; } figure, table { break-inside: avoid; } }
`;

export function renderHtml(doc: ReportDocument): string {
  const toc = `<nav aria-label="Contents"><ol>${doc.sections.map((s) => `<li><a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a></li>`).join('')}</ol></nav>`;
  const sections = doc.sections.map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.blocks.map(blockHtml).join('\n')}</section>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="CXR Lab">
<title>${escapeHtml(doc.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<header><h1>${escapeHtml(doc.title)}</h1>${doc.subtitle.map((l) => `<p class="subtitle">${escapeHtml(l)}</p>`).join('')}</header>
${toc}
${sections}
<footer>Written by CXR Lab. Self-contained: every figure is inside this file; it reads nothing from the network or the disk.</footer>
</main>
</body>
</html>
`;
}
