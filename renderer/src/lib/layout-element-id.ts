// DOM ids for layout elements and fields, derived from the layout path a diagnostic names
// (`systems[0].dataset`), so a diagnostic can lead the user to the field it is about.

export function elementId(path: string): string {
  return `le-${path.replace(/[^A-Za-z0-9]+/g, '-').replace(/-$/, '')}`;
}

/** The path itself and each shorter path above it: `vms[0].devices[1]`, `vms[0].devices`, `vms[0]`, `vms`. */
export function pathAncestors(path: string): string[] {
  const out: string[] = [];
  let p = path;
  while (p !== '') {
    out.push(p);
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    p = cut <= 0 ? '' : p.slice(0, cut);
  }
  return out;
}
