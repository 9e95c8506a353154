/**
 * Where a new Grad-CAM view opens: beside the active editor when there is one editor group (VS Code then makes a second
 * one); with two or more, in an existing group other than the active one — the next one to the right, else the one to
 * the left — so explaining never splits the window further (a third column ~300 px wide). Pure.
 */
export function explainColumn(groupColumns: readonly number[], activeColumn: number | undefined): number | 'beside' {
  const columns = [...new Set(groupColumns)].sort((a, b) => a - b);
  if (columns.length <= 1) return 'beside';
  const i = activeColumn === undefined ? -1 : columns.indexOf(activeColumn);
  if (i < 0) return columns[columns.length - 1];
  return columns[i + 1] ?? columns[i - 1];
}
