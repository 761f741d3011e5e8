// Problems in the words of the editor: a field named as its label reads on screen, with the
// system, volume or VM it belongs to (`User name of New System`), never a schema path
// (`systems[0].user.name`), and the schema library's own phrasing ("Invalid key: Expected
// "host" but received undefined") turned into a sentence.
import type * as v from 'valibot';

const LABELS = {
  systems: {
    dataset: 'Dataset',
    label: 'Menu label',
    hostId: 'hostId',
    'hostId.value': 'New hostId',
    'hostId.policy': 'hostId',
    copyFromMain: 'Copy from the main system',
    'user.name': 'User name',
    'user.passwordHash': 'Password hash',
    'user.wheel': 'sudo (wheel)',
    stateVersion: 'stateVersion',
    id: 'Internal id',
  },
  volumes: {
    dataset: 'Dataset',
    sizeBytes: 'Size (GiB)',
    volblocksizeBytes: 'Block size',
    provisioning: 'Space',
    compression: 'Compression',
    snapshots: 'Snapshots',
    id: 'Internal id',
  },
  vms: {
    name: 'Name',
    kind: 'Kind',
    volume: 'Disk',
    vcpus: 'vCPUs',
    memoryMiB: 'Memory (MiB)',
    hugepages: 'Hugepages',
    devices: 'Devices',
    openCoreImage: 'OpenCore image',
    id: 'Internal id',
  },
} as const;

const TOP: Record<string, string> = {
  format: 'The file format',
  pool: 'The pool',
  host: 'The host section',
  'host.headless': 'Host runs headless',
  systems: 'The NixOS systems',
  volumes: 'The VM volumes',
  vms: 'The VMs',
};

/** A text field of item `i` of `list` in what may be a layout (an opened file may be anything). */
function itemText(layout: unknown, list: string, i: number, key: string): string {
  const items: unknown = (layout as Record<string, unknown> | null)?.[list];
  const item: unknown = Array.isArray(items) ? items[i] : undefined;
  const value: unknown =
    typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : `#${i + 1}`;
}

/** `systems[0].user.name` -> `User name of the system New System`; unknown paths stay as they are. */
export function fieldName(layout: unknown, path: string): string {
  const m = /^(systems|volumes|vms)\[(\d+)\](?:\.(.+))?$/.exec(path);
  if (m === null) return TOP[path] ?? path;
  const [, list, index, rest] = m as unknown as [string, keyof typeof LABELS, string, string?];
  const i = Number(index);
  const owner =
    list === 'systems'
      ? `the system ${itemText(layout, list, i, 'label')}`
      : list === 'volumes'
        ? `the volume ${itemText(layout, list, i, 'dataset')}`
        : `the VM ${itemText(layout, list, i, 'name')}`;
  if (rest === undefined) return owner.charAt(0).toUpperCase() + owner.slice(1);
  const labels: Record<string, string> = LABELS[list];
  const field = rest.replace(/\[\d+\].*$/, '');
  const label = labels[rest] ?? labels[field] ?? rest;
  return `${label} of ${owner}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  number: 'a number',
  boolean: 'yes or no',
  Array: 'a list',
  Object: 'a group of fields',
};

/** One schema issue as the end of a sentence that starts with the field's name. */
export function plainIssue(issue: v.BaseIssue<unknown>): string {
  const { message, expected, received } = issue;
  // A missing key "received undefined"; an unknown one (named by the path) "expected never".
  if (message.startsWith('Invalid key:') || expected === 'never')
    return received === 'undefined' ? 'is missing' : 'is not a field Cohabit knows here';
  if (message.startsWith('Invalid type:')) {
    const want = expected === null ? 'something else' : (TYPE_WORDS[expected] ?? expected);
    return `should be ${want}, not ${received === 'undefined' ? 'empty' : received}`;
  }
  if (message.startsWith('Invalid '))
    return expected === null
      ? 'holds a value Cohabit does not accept'
      : `should be one of ${expected.replace(/"/g, '')}`;
  // The layout schema's own messages are already plain words.
  return `: ${message}`;
}

/** `Field of owner: what is wrong.` */
export function plainProblem(layout: unknown, path: string, issue: v.BaseIssue<unknown>): string {
  const text = plainIssue(issue);
  const name = fieldName(layout, path);
  return text.startsWith(': ') ? `${name}${text}.`.replace(/\.\.$/, '.') : `${name} ${text}.`;
}
