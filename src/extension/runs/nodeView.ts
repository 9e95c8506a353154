/** What one row of the Runs tree shows, as plain data; runsTree.ts turns it into a TreeItem. */
export interface NodeView {
  id: string;
  label: string;
  description?: string;
  tooltip?: string;
  /** What a screen reader says; without it VS Code reads the tooltip (a path) instead of the status. */
  accessibilityLabel: string;
  /** Space-separated tokens; package.json menus match them with `viewItem =~ /\btoken\b/`. */
  contextValue: string;
  icon: string;
  collapsible: 'none' | 'collapsed' | 'expanded';
  command?: { command: string; title: string; arguments: unknown[] };
}
