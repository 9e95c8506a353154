/** Reads VS Code theme variables (canvas drawing needs concrete colours) and reports theme switches. */

export function themeVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
    || getComputedStyle(document.body).getPropertyValue(name).trim();
  return value || fallback;
}

/** VS Code switches themes by changing body's class and the variables in html's style attribute. */
export function onThemeChange(callback: () => void): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const fire = () => { clearTimeout(timer); timer = setTimeout(callback, 50); };
  const observer = new MutationObserver(fire);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class'] });
}
