/**
 * The report as a document of plain blocks — headings, paragraphs, lists, tables, figures, checklists — built once from
 * the runs (report/content.ts) and written by two renderers: one self-contained HTML file (html.ts) and Markdown with
 * its figures as PNGs beside it (markdown.ts). Text is plain: each renderer escapes it.
 */

/** A figure: an SVG drawn here (charts, confusion matrices) or a PNG the engine composed (the CAM grid). */
export type Figure = (
  | { kind: 'svg'; svg: string; width: number; height: number }
  | { kind: 'png'; png: Uint8Array; width: number; height: number }
) & {
  /** CSS pixels wide in the HTML report (its natural width otherwise): big drawings shown smaller. */
  displayWidth?: number;
};

export interface ChecklistItem {
  /** "7", "Model details". */
  id: string;
  item: string;
  /** Filled by the tool (the value says what, or where in the report), or left to the author. */
  status: 'filled' | 'author';
  value: string;
}

export type Block =
  | { kind: 'paragraph'; text: string; tone?: 'warning' | 'note' }
  | { kind: 'list'; items: string[]; tone?: 'warning' | 'note' }
  | { kind: 'table'; caption?: string; header: string[]; rows: string[][]; numeric?: boolean[]; id?: string }
  | { kind: 'figure'; name: string; caption: string; alt: string; figure: Figure }
  | { kind: 'figures'; items: { name: string; caption: string; alt: string; figure: Figure }[] }
  | { kind: 'subheading'; text: string }
  | { kind: 'checklist'; items: ChecklistItem[]; idHeader?: string };

export interface Section { id: string; title: string; blocks: Block[] }

export interface ReportDocument {
  title: string;
  /** Lines under the title: what was compared, when, by which version. */
  subtitle: string[];
  sections: Section[];
}

/** A file-name-safe figure name ("confusion-resnet18"). */
export function figureName(...parts: string[]): string {
  return parts.join('-').toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
}
