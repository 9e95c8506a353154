/** The confusion matrix as a heatmap <table>: rows true classes, columns predicted, cells `.cm-cell[data-row][data-col]`. */
import type { EvaluationView } from '../../shared/webviewProtocol';
import { blend, mostReadable, parseColor, withAlpha } from '../common/color';
import { h, onActivate } from '../common/dom';
import { themeVar } from '../common/theme';
import { columnTotals, matrixCells, rowTotals, shadeAlpha, type MatrixMode } from './matrixModel';

export interface MatrixViewOptions {
  view: EvaluationView;
  mode: MatrixMode;
  selected?: { row: number; col: number };
  onCell: (row: number, col: number) => void;
}

export function matrixTable(o: MatrixViewOptions): HTMLTableElement {
  const { view } = o;
  const fg = themeVar('--vscode-foreground', '#cccccc');
  const bg = themeVar('--vscode-editor-background', '#1e1e1e');
  const bgRgba = parseColor(bg) ?? { r: 30, g: 30, b: 30, a: 1 };
  const hue = { right: themeVar('--vscode-charts-blue', '#3794ff'), wrong: themeVar('--vscode-charts-red', '#f14c4c') };
  const cells = matrixCells(view.confusion, view.classes, o.mode);
  const rows = rowTotals(view.confusion);
  const cols = columnTotals(view.confusion);

  const header = h('tr', {},
    h('th', { class: 'cm-corner', scope: 'col' }, h('span', { class: 'axis-true' }, 'True ↓'), h('span', { class: 'axis-pred' }, 'Predicted →')),
    view.classes.map((c, i) => h('th', { scope: 'col', class: 'cm-col-header', 'data-col': i, title: c }, c)),
    h('th', { scope: 'col', class: 'cm-total-header' }, 'Total'));

  const body = cells.map((row, r) => h('tr', {},
    h('th', { scope: 'row', class: 'cm-row-header', 'data-row': r, title: view.classes[r] }, view.classes[r] ?? `class ${r}`),
    row.map((cell) => {
      const color = withAlpha(cell.diagonal ? hue.right : hue.wrong, shadeAlpha(cell.shade));
      const fill = parseColor(color);
      const text = fill ? mostReadable(blend(fill, bgRgba), [fg, bg]) : fg;
      const selected = o.selected?.row === cell.row && o.selected?.col === cell.col;
      const td = h('td', {
        class: `cm-cell${cell.diagonal ? ' diagonal' : ''}${selected ? ' selected' : ''}${cell.count === 0 ? ' empty' : ''}`,
        'data-row': cell.row, 'data-col': cell.col, 'data-count': cell.count,
        'aria-label': cell.label, title: cell.label, 'aria-pressed': selected ? 'true' : 'false', role: 'button',
      }, cell.text);
      td.style.background = color;
      td.style.color = text;
      onActivate(td, () => o.onCell(cell.row, cell.col));
      return td;
    }),
    h('td', { class: 'cm-total num' }, String(rows[r]))));

  return h('table', { id: 'confusion-matrix', class: `confusion-matrix mode-${o.mode}`, 'aria-label': 'Confusion matrix, rows true class, columns predicted class' },
    h('thead', {}, header),
    h('tbody', {}, body),
    h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', class: 'cm-row-header' }, 'Total'),
      cols.map((v) => h('td', { class: 'cm-total num' }, String(v))),
      h('td', { class: 'cm-total num' }, String(view.total)))));
}
