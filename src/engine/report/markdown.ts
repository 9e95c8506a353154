/**
 * The report as Markdown (GitHub-flavoured tables) with its figures as PNG files in a folder beside it
 * (`<name>_files/`), for a manuscript's supplement or a repository. SVG figures are rasterised by sharp at 2×.
 */
import sharp from 'sharp';
import type { Block, Figure, ReportDocument } from './document';

/** Markdown-significant characters in table cells and text escaped; newlines in a cell become spaces. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\`*_[\]|<>#])/g, '\\$1');
}

const cell = (text: string) => escapeMarkdown(text).replace(/\r?\n/g, ' ');

export async function figurePng(f: Figure): Promise<Uint8Array> {
  if (f.kind === 'png') return f.png;
  return sharp(Buffer.from(f.svg), { density: 144 }).flatten({ background: '#ffffff' }).png().toBuffer();
}

export interface MarkdownFile { name: string; bytes: Uint8Array }

/** The Markdown text and the PNGs it links (relative to it, under `figuresDir`). */
export async function renderMarkdown(doc: ReportDocument, figuresDir: string): Promise<{ text: string; files: MarkdownFile[] }> {
  const files: MarkdownFile[] = [];
  const link = async (name: string, f: Figure, alt: string) => {
    const file = `${name}.png`;
    files.push({ name: file, bytes: await figurePng(f) });
    return `![${escapeMarkdown(alt)}](${encodeURI(`${figuresDir}/${file}`)})`;
  };
  const out: string[] = [`# ${escapeMarkdown(doc.title)}`, '', ...doc.subtitle.map((l) => `${escapeMarkdown(l)}  `), ''];
  out.push('## Contents', '', ...doc.sections.map((s, i) => `${i + 1}. [${escapeMarkdown(s.title)}](#${s.id})`), '');
  for (const s of doc.sections) {
    out.push(`<a id="${s.id}"></a>`, '', `## ${escapeMarkdown(s.title)}`, '');
    for (const b of s.blocks) out.push(...await blockMarkdown(b, link), '');
  }
  out.push('---', '', 'Written by CXR Lab.', '');
  return { text: out.join('\n'), files };
}

async function blockMarkdown(b: Block, link: (name: string, f: Figure, alt: string) => Promise<string>): Promise<string[]> {
  switch (b.kind) {
    case 'paragraph': return [b.tone === 'warning' ? `> **Warning:** ${escapeMarkdown(b.text)}` : b.tone === 'note' ? `*${escapeMarkdown(b.text)}*` : escapeMarkdown(b.text)];
    case 'subheading': return [`### ${escapeMarkdown(b.text)}`];
    case 'list': return b.items.map((i) => `- ${b.tone === 'warning' ? '**Warning:** ' : ''}${escapeMarkdown(i)}`);
    case 'table': return [
      ...(b.caption ? [`**${escapeMarkdown(b.caption)}**`, ''] : []),
      `| ${b.header.map(cell).join(' | ')} |`,
      `|${b.header.map((_, j) => (b.numeric?.[j] ? ' ---: ' : ' --- ')).join('|')}|`,
      ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
    ];
    case 'figure': return [await link(b.name, b.figure, b.alt), '', `*${escapeMarkdown(b.caption)}*`];
    case 'figures': {
      const lines: string[] = [];
      for (const f of b.items) lines.push(await link(f.name, f.figure, f.alt), '', `*${escapeMarkdown(f.caption)}*`, '');
      return lines;
    }
    case 'checklist': return [
      `| ${cell(b.idHeader ?? '#')} | Item | Status | In this report / to complete |`, '| --- | --- | --- | --- |',
      ...b.items.map((i) => `| ${cell(i.id)} | ${cell(i.item)} | ${i.status === 'filled' ? '✓ filled' : '✎ author'} | ${cell(i.value)} |`),
    ];
  }
}
