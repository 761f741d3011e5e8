// When the control that has focus disappears (its card removed, a device taken off a VM, a notice
// dismissed), the browser drops focus to <body> and a keyboard or screen-reader user is thrown
// back to the top of the page. This Svelte action watches a region and puts focus somewhere
// sensible instead: the item that took the removed one's place, else the one before it, else the
// nearest surviving card, group or section, else the view's heading.

const ITEM = 'article, li, section, [role="group"], [role="status"], [role="alert"]';
const CONTAINER = 'article, section, [role="group"]';

function focusable(el: HTMLElement): HTMLElement {
  if (el.tabIndex < 0 && !el.hasAttribute('tabindex')) el.setAttribute('tabindex', '-1');
  return el;
}

/** Where focus goes once `chain` (the focused element and its ancestors, as they were) lost a link. */
export function focusTarget(
  chain: readonly { el: Element; parent: Element | null; index: number }[],
  root: HTMLElement,
): HTMLElement | null {
  const cut = chain.findIndex((link) => !link.el.isConnected);
  if (cut < 0) return null;
  // The outermost removed element, and the parent it was removed from.
  let i = cut;
  while (i + 1 < chain.length && chain[i + 1]?.el.isConnected === false) i++;
  const removed = chain[i];
  if (removed === undefined || removed.parent === null || !removed.parent.isConnected) return null;
  const siblings = Array.from(removed.parent.children).filter(
    (c) => c.tagName === removed.el.tagName && c.matches(ITEM),
  );
  const after = Array.from(removed.parent.children)
    .slice(removed.index)
    .find((c) => siblings.includes(c));
  const sibling = after ?? siblings.at(-1);
  if (sibling instanceof HTMLElement) return focusable(sibling);
  const container = removed.parent.closest(CONTAINER);
  if (container instanceof HTMLElement && root.contains(container)) return focusable(container);
  const heading = root.querySelector('h1');
  return heading instanceof HTMLElement ? focusable(heading) : null;
}

export function focusAfterRemoval(root: HTMLElement): { destroy: () => void } {
  let chain: { el: Element; parent: Element | null; index: number }[] = [];
  const record = (target: Element | null) => {
    chain = [];
    for (let el = target; el !== null && el !== root; el = el.parentElement) {
      const parent = el.parentElement;
      chain.push({ el, parent, index: parent ? Array.from(parent.children).indexOf(el) : -1 });
    }
  };
  const onFocusIn = (e: FocusEvent) => record(e.target as Element | null);
  const observer = new MutationObserver(() => {
    const first = chain[0];
    if (first === undefined) return;
    // Still there: the items around it may have moved, so its place is taken again.
    if (first.el.isConnected) return record(first.el);
    const active = document.activeElement;
    if (active !== null && active !== document.body) return;
    const target = focusTarget(chain, root);
    chain = [];
    target?.focus();
  });
  root.addEventListener('focusin', onFocusIn);
  observer.observe(root, { childList: true, subtree: true });
  return {
    destroy() {
      root.removeEventListener('focusin', onFocusIn);
      observer.disconnect();
    },
  };
}
