// Geometry checks run inside the page: which interactive elements are drawn over one another.

/**
 * Pairs of visible interactive elements whose boxes overlap (neither inside the other), as
 * "A | B" descriptions. Runs in the page (page.evaluate), so it must stay self-contained.
 * Boxes are cut by every ancestor that clips (overflow other than visible), so a control scrolled
 * out of its own scroll box is not counted as covering what lies outside that box.
 */
export function findOverlaps(): string[] {
  const selector =
    'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button], [tabindex]:not([tabindex="-1"])';
  type Box = { el: Element; left: number; top: number; right: number; bottom: number };
  const boxes: Box[] = [];
  // Scrolling controls into view below moves scroll boxes too; they are put back at the end.
  const scrolled = new Map<Element, [number, number]>();
  for (const el of Array.from(document.querySelectorAll('*')))
    if (el.scrollTop !== 0 || el.scrollLeft !== 0) scrolled.set(el, [el.scrollTop, el.scrollLeft]);
  for (const el of Array.from(document.querySelectorAll(selector))) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const r = el.getBoundingClientRect();
    let box = { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    for (let p = el.parentElement; p !== null; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'visible' && s.overflowY === 'visible' && s.clipPath === 'none') continue;
      const c = p.getBoundingClientRect();
      box = {
        left: Math.max(box.left, c.left),
        top: Math.max(box.top, c.top),
        right: Math.min(box.right, c.right),
        bottom: Math.min(box.bottom, c.bottom),
      };
    }
    // Visually hidden (1px, clipped) and clipped-away controls draw nothing.
    if (box.right - box.left < 2 || box.bottom - box.top < 2) continue;
    boxes.push({ el, ...box });
  }
  const name = (el: Element) =>
    `${el.tagName.toLowerCase()} "${(el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40)}"`;
  const found: string[] = [];
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i];
      const b = boxes[j];
      if (a === undefined || b === undefined) continue;
      if (a.el.contains(b.el) || b.el.contains(a.el)) continue;
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) found.push(`${name(a.el)} | ${name(b.el)}`);
    }
  // Something else drawn on top of a control (a column spilling over another): what the page
  // paints at the control's centre and near its corners must be the control itself.
  for (const { el } of boxes) {
    el.scrollIntoView({ block: 'center', inline: 'center' });
    const r = el.getBoundingClientRect();
    const points: [number, number][] = [
      [(r.left + r.right) / 2, (r.top + r.bottom) / 2],
      [r.left + 3, r.top + 3],
      [r.right - 3, r.top + 3],
      [r.left + 3, r.bottom - 3],
      [r.right - 3, r.bottom - 3],
    ];
    for (const [x, y] of points) {
      if (x < 0 || y < 0 || x >= window.innerWidth || y >= window.innerHeight) continue;
      const top = document.elementFromPoint(x, y);
      if (top === null || el.contains(top) || top.contains(el)) continue;
      // The label of a checkbox or radio may wrap round it.
      if (top instanceof HTMLLabelElement && top.control === el) continue;
      found.push(`${name(el)} is covered by ${name(top)} at ${Math.round(x)},${Math.round(y)}`);
      break;
    }
  }
  for (const el of Array.from(document.querySelectorAll('*'))) {
    const [top, left] = scrolled.get(el) ?? [0, 0];
    if (el.scrollTop !== top) el.scrollTop = top;
    if (el.scrollLeft !== left) el.scrollLeft = left;
  }
  window.scrollTo(0, 0);
  return found;
}
