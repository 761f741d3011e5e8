// "No error before the user has had a chance": a system, volume or VM just added from the palette
// starts with empty required fields, and shouting about them before the user typed anything is
// noise. The schema's findings on such an item's fields wait until the field has been left once
// (focusout); the planner's findings (the pool is full, the device cannot go) show at once.
import type { Diagnostic } from '../../../shared/model/diagnostic';
import type { Layout } from '../../../shared/model/layout';

const ITEM_PATH = /^(systems|volumes|vms)\[(\d+)\](?:\.(.+))?$/;

/** `systems[0].user.name` -> `systems:<id of system 0>` and `user.name`; null outside an item. */
export function itemOf(layout: Layout, path: string): { item: string; field: string } | null {
  const m = ITEM_PATH.exec(path);
  if (m === null) return null;
  const [, list, index, field = ''] = m as unknown as ['', 'systems' | 'volumes' | 'vms', string];
  const id = layout[list][Number(index)]?.id;
  return id === undefined ? null : { item: `${list}:${id}`, field };
}

/** The key under which leaving the field at `path` is remembered. */
export function touchKey(layout: Layout, path: string): string | null {
  const at = itemOf(layout, path);
  return at === null ? null : `${at.item}|${at.field}`;
}

/** `diagnostics` without the schema's findings on fields of fresh items not yet left once. */
export function hideUntouched(
  diagnostics: readonly Diagnostic[],
  layout: Layout,
  fresh: ReadonlySet<string>,
  touched: ReadonlySet<string>,
): Diagnostic[] {
  return diagnostics.filter((d) => {
    if (d.code !== 'layout.invalid' || d.subject === undefined) return true;
    const at = itemOf(layout, d.subject);
    if (at === null || !fresh.has(at.item)) return true;
    return touched.has(`${at.item}|${at.field}`);
  });
}
