/** Native <table> built from column specs, themed by media/webview.css; rows optionally clickable and sortable. */
import { h, onActivate } from './dom';

export interface Column<T> {
  key: string;
  header: string;
  cell: (row: T) => string;
  /** A smaller second line under the value (e.g. its 95 % interval); nothing when it returns ''. */
  sub?: (row: T) => string;
  numeric?: boolean;
  cellClass?: (row: T) => string | undefined;
  title?: (row: T) => string | undefined;
  headerTitle?: string;
}

export interface TableOptions<T> {
  id?: string;
  label: string;
  columns: Column<T>[];
  rows: T[];
  /**
   * Rows in groups instead of `rows`: each group its own tbody, opened by a header row (class `group-row` and
   * `groupClass`) whose one cell spans the columns.
   */
  groups?: { label: Node | string; rows: T[]; attrs?: Record<string, string> }[];
  groupClass?: string;
  /** Rows below a separator, e.g. macro/weighted averages. */
  footer?: T[];
  rowClass?: (row: T) => string | undefined;
  rowAttrs?: (row: T) => Record<string, string>;
  onRow?: (row: T) => void;
  rowLabel?: (row: T) => string;
  sort?: { key: string; descending: boolean; onSort: (key: string) => void };
}

export function dataTable<T>(o: TableOptions<T>): HTMLTableElement {
  const headRow = h('tr', {}, o.columns.map((c) => {
    const sorted = o.sort?.key === c.key;
    const th = h('th', {
      scope: 'col', class: [c.numeric ? 'num' : '', o.sort ? 'sortable' : ''].join(' ').trim() || undefined,
      title: c.headerTitle, 'data-key': c.key,
      'aria-sort': o.sort ? (sorted ? (o.sort.descending ? 'descending' : 'ascending') : 'none') : undefined,
    }, c.header, sorted ? (o.sort!.descending ? ' ▾' : ' ▴') : '');
    if (o.sort) onActivate(th, () => o.sort!.onSort(c.key));
    return th;
  }));
  const bodyRow = (row: T, extraClass = '') => {
    const tr = h('tr', { class: [o.rowClass?.(row) ?? '', extraClass].join(' ').trim() || undefined, 'aria-label': o.rowLabel?.(row) },
      o.columns.map((c) => {
        const sub = c.sub?.(row);
        return h('td', { class: [c.numeric ? 'num' : '', c.cellClass?.(row) ?? ''].join(' ').trim() || undefined, title: c.title?.(row) },
          c.cell(row), sub ? h('span', { class: 'cell-sub' }, sub) : null);
      }));
    for (const [k, v] of Object.entries(o.rowAttrs?.(row) ?? {})) tr.setAttribute(k, v);
    if (o.onRow) { tr.classList.add('clickable'); onActivate(tr, () => o.onRow!(row)); }
    return tr;
  };
  const groupHeader = (g: NonNullable<TableOptions<T>['groups']>[number]) => {
    const tr = h('tr', { class: ['group-row', o.groupClass ?? ''].join(' ').trim() }, h('th', { scope: 'colgroup', colspan: o.columns.length }, g.label));
    for (const [k, v] of Object.entries(g.attrs ?? {})) tr.setAttribute(k, v);
    return tr;
  };
  return h('table', { id: o.id, class: 'data-table', 'aria-label': o.label },
    h('thead', {}, headRow),
    o.groups
      ? o.groups.map((g) => h('tbody', {}, groupHeader(g), g.rows.map((r) => bodyRow(r))))
      : h('tbody', {}, o.rows.map((r) => bodyRow(r))),
    o.footer?.length ? h('tfoot', {}, o.footer.map((r) => bodyRow(r))) : null,
  );
}
