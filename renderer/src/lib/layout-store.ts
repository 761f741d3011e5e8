// The Layout editor's state: the layout being drawn, its undo/redo history, and every edit as a
// pure function (Layout in, new Layout out), so the view only wires events and the specs test it all.
import * as v from 'valibot';
import type {
  Layout,
  MainConfigurationMode,
  NixosSystem,
  Vm,
  VmVolume,
} from '../../../shared/model/layout';
import { LAYOUT_FORMAT, LayoutSchema, emptyLayout, issuePath } from '../../../shared/model/layout';
import { PASSWORD_HASH_RE } from '../../../shared/model/names';
import { plainProblem } from './field-names';

/** Enough to walk back through a long session; each state is a small JSON object. */
export const HISTORY_LIMIT = 100;

export interface LayoutHistory {
  past: Layout[];
  present: Layout;
  future: Layout[];
  /** Edits with the same key in a row (typing in one field) make one undo step. */
  lastKey: string | null;
}

export function startHistory(layout: Layout): LayoutHistory {
  return { past: [], present: layout, future: [], lastKey: null };
}

const same = (a: Layout, b: Layout) => JSON.stringify(a) === JSON.stringify(b);

/** Records `next` as the current layout. An edit that changes nothing leaves the history alone. */
export function commit(
  history: LayoutHistory,
  next: Layout,
  key: string | null = null,
): LayoutHistory {
  if (same(history.present, next)) return history;
  if (key !== null && key === history.lastKey && history.past.length > 0)
    return { ...history, present: next, future: [] };
  const past = [...history.past, history.present].slice(-HISTORY_LIMIT);
  return { past, present: next, future: [], lastKey: key };
}

export function undo(history: LayoutHistory): LayoutHistory {
  const previous = history.past.at(-1);
  if (previous === undefined) return history;
  return {
    past: history.past.slice(0, -1),
    present: previous,
    future: [history.present, ...history.future],
    lastKey: null,
  };
}

export function redo(history: LayoutHistory): LayoutHistory {
  const [next, ...rest] = history.future;
  if (next === undefined) return history;
  return { past: [...history.past, history.present], present: next, future: rest, lastKey: null };
}

/** The first of `base`, `base-2`, `base-3`… that `taken` does not hold. */
export function freeName(base: string, taken: Iterable<string>, sep = '-'): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}${sep}${n}`)) return `${base}${sep}${n}`;
}

const allIds = (layout: Layout) => [
  ...layout.systems.map((s) => s.id),
  ...layout.volumes.map((x) => x.id),
  ...layout.vms.map((x) => x.id),
];

export function addSystem(layout: Layout): Layout {
  const id = freeName('new-system', allIds(layout));
  const system: NixosSystem = {
    id,
    dataset: freeName(
      `${layout.pool}/new-system`,
      layout.systems.map((s) => s.dataset),
    ),
    label: freeName(
      'New System',
      layout.systems.map((s) => s.label),
      ' ',
    ),
    // Reusing the main system's hostId is the default: both systems are one machine (DESIGN 5).
    hostId: { policy: 'reuse' },
    copyFromMain: { luks: true, zfs: true },
    // Left empty on purpose: validation asks for them, and there is no safe default password.
    user: { name: '', passwordHash: '', wheel: true },
  };
  return { ...layout, systems: [...layout.systems, system] };
}

const GIB = 2 ** 30;

/** A new VM disk; `parent` is the filesystem dataset it goes under (e.g. zroot/vm). */
export function addVolume(layout: Layout, parent: string = layout.pool): Layout {
  const id = freeName('vm-disk', allIds(layout));
  const volume: VmVolume = {
    id,
    dataset: freeName(
      `${parent}/${id}`,
      layout.volumes.map((x) => x.dataset),
    ),
    sizeBytes: 128 * GIB,
    // OpenZFS 2.2's default; a fair trade between compression and read-modify-write.
    volblocksizeBytes: 16384,
    provisioning: 'reserved',
    compression: 'lz4',
    snapshots: { policy: 'none' },
  };
  return { ...layout, volumes: [...layout.volumes, volume] };
}

export function addVm(layout: Layout): Layout {
  const id = freeName('vm', allIds(layout));
  const used = new Set(layout.vms.map((x) => x.volume));
  const vm: Vm = {
    id,
    name: freeName(
      'vm',
      layout.vms.map((x) => x.name),
    ),
    kind: 'other',
    volume: layout.volumes.find((x) => !used.has(x.id))?.id ?? '',
    vcpus: 4,
    memoryMiB: 8192,
    hugepages: false,
    devices: [],
  };
  return { ...layout, vms: [...layout.vms, vm] };
}

type ListKey = 'systems' | 'volumes' | 'vms';
type Item<K extends ListKey> = Layout[K][number];

export function updateItem<K extends ListKey>(
  layout: Layout,
  list: K,
  index: number,
  patch: Partial<Item<K>>,
): Layout {
  const items = layout[list] as Item<K>[];
  if (index < 0 || index >= items.length) return layout;
  return {
    ...layout,
    [list]: items.map((item, i) => (i === index ? { ...item, ...patch } : item)),
  };
}

export function removeItem(layout: Layout, list: ListKey, index: number): Layout {
  const items = layout[list] as unknown[];
  if (index < 0 || index >= items.length) return layout;
  return { ...layout, [list]: items.filter((_, i) => i !== index) };
}

export function setHeadless(layout: Layout, headless: boolean): Layout {
  return { ...layout, host: { ...layout.host, headless } };
}

/** `edit` is the default and leaves the field out, so a layout that never chose keeps its hash. */
export function setMainConfiguration(layout: Layout, mode: MainConfigurationMode): Layout {
  const { mainConfiguration: _previous, ...host } = layout.host;
  return { ...layout, host: mode === 'edit' ? host : { ...host, mainConfiguration: mode } };
}

/**
 * Binds the VFIO devices in the default boot entry (true) or in an entry of their own (false,
 * written as the field's absence, so such a layout is the same file as before the field existed).
 */
export function setVfioInDefaultEntry(layout: Layout, inDefault: boolean): Layout {
  const { vfioEntry: _previous, ...host } = layout.host;
  return { ...layout, host: inDefault ? { ...host, vfioEntry: 'default' } : host };
}

/** Gives a PCI device to a VM (once; it leaves any other VM that had it). */
export function assignDevice(layout: Layout, vmIndex: number, address: string): Layout {
  if (vmIndex < 0 || vmIndex >= layout.vms.length) return layout;
  return {
    ...layout,
    vms: layout.vms.map((vm, i) =>
      i === vmIndex
        ? vm.devices.includes(address)
          ? vm
          : { ...vm, devices: [...vm.devices, address] }
        : { ...vm, devices: vm.devices.filter((a) => a !== address) },
    ),
  };
}

export function unassignDevice(layout: Layout, vmIndex: number, address: string): Layout {
  return updateItem(layout, 'vms', vmIndex, {
    devices: (layout.vms[vmIndex]?.devices ?? []).filter((a) => a !== address),
  });
}

/**
 * The layout as the file the user saves. A password field that does not hold a crypt hash may hold
 * a password typed by mistake: it is left out of the file rather than written down in clear.
 */
export function exportLayout(layout: Layout): string {
  const safe: Layout = {
    ...layout,
    systems: layout.systems.map((s) =>
      PASSWORD_HASH_RE.test(s.user.passwordHash)
        ? s
        : { ...s, user: { ...s.user, passwordHash: '' } },
    ),
  };
  return `${JSON.stringify(safe, null, 2)}\n`;
}

export type ImportResult = { ok: true; layout: Layout } | { ok: false; message: string };

/**
 * Reads a layout file the user opened. Anything wrong gives one plain message and no layout, so
 * the caller keeps what the user had.
 */
export function importLayout(text: string, pool: string): ImportResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    return { ok: false, message: `This file is not JSON (${why}), so it is not a layout.` };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return { ok: false, message: 'This file holds JSON but not a layout (no format field).' };
  const format = (json as Record<string, unknown>).format;
  if (format !== LAYOUT_FORMAT)
    return {
      ok: false,
      message:
        typeof format === 'string'
          ? `This layout is in the format ${format}; this version of Cohabit reads ${LAYOUT_FORMAT}.`
          : `This file is not a Cohabit layout (no ${LAYOUT_FORMAT} format field).`,
    };
  const parsed = v.safeParse(LayoutSchema, json);
  if (!parsed.success) {
    const problems = parsed.issues
      .slice(0, 3)
      .map((issue) => plainProblem(json, issuePath(issue) || 'layout', issue).replace(/\.$/, ''));
    const more = parsed.issues.length > 3 ? ` (and ${parsed.issues.length - 3} more)` : '';
    return {
      ok: false,
      message: `This layout does not read cleanly: ${problems.join('; ')}${more}.`,
    };
  }
  if (parsed.output.pool !== pool)
    return {
      ok: false,
      message: `This layout is for the pool ${parsed.output.pool}, but this machine's layout is for ${pool}.`,
    };
  return { ok: true, layout: parsed.output };
}

/** Where a new layout starts: empty, for the pool the main system lives on. */
export function initialLayout(pool: string): Layout {
  return emptyLayout(pool);
}
