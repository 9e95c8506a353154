/** A tiny element builder: no innerHTML, so file and class names from the host can never inject markup. */

type Child = Node | string | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K];
export function h(tag: string, attrs?: Attrs, ...children: (Child | Child[])[]): HTMLElement;
export function h(tag: string, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElement {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replace all children of `parent`. */
export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} missing`);
  return el as T;
}

/** Click and Enter/Space on a focusable non-button element (table rows, list items). */
export function onActivate(el: HTMLElement, handler: () => void): void {
  el.tabIndex = 0;
  el.addEventListener('click', handler);
  el.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); handler(); }
  });
}

/**
 * The states every panel shares: an empty-state line until there is something to show, the body dimmed while busy,
 * the busy line and the error line. Ids: empty-state, busy, error-message, and `body`; `busyText` is where the busy
 * message goes (the busy element itself, or a child of it).
 */
export function renderPanelStatus(o: { body: string; hasView: boolean; busy?: string; error?: string; busyText?: string }): void {
  byId('empty-state').hidden = o.hasView || !!o.busy || !!o.error;
  byId(o.body).hidden = !o.hasView;
  byId(o.body).classList.toggle('stale', !!o.busy);
  byId('busy').hidden = !o.busy;
  byId(o.busyText ?? 'busy').textContent = o.busy ?? '';
  byId('error-message').hidden = !o.error;
  byId('error-message').textContent = o.error ?? '';
}
