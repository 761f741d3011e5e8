// A layout as the editor holds it between edits: the shape of a Layout, but with any value in its
// fields (an empty user name, a half-typed dataset), so a draft can be kept and brought back
// exactly as the user left it. Only the shape and sizes are checked; validate() judges the values.
import * as v from 'valibot';
import { COMPRESSIONS, LAYOUT_FORMAT, MAIN_CONFIGURATION_MODES, VOLBLOCKSIZES } from './layout';
import type { Layout } from './layout';

/** Longer than any field the editor has; a draft is typed by a person, not pasted megabytes. */
const Text = v.pipe(v.string(), v.maxLength(4096));
const Count = v.pipe(v.number(), v.finite());
/** More items than any real layout; keeps a draft file small. */
const list = <T extends v.GenericSchema>(item: T) => v.pipe(v.array(item), v.maxLength(64));

export const DraftLayoutSchema = v.strictObject({
  format: v.literal(LAYOUT_FORMAT),
  pool: Text,
  host: v.strictObject({
    headless: v.boolean(),
    mainConfiguration: v.optional(v.picklist(MAIN_CONFIGURATION_MODES)),
    vfioEntry: v.optional(v.picklist(['specialisation', 'default'])),
  }),
  systems: list(
    v.strictObject({
      id: Text,
      dataset: Text,
      label: Text,
      hostId: v.variant('policy', [
        v.strictObject({ policy: v.literal('reuse') }),
        v.strictObject({ policy: v.literal('new'), value: Text }),
      ]),
      copyFromMain: v.strictObject({ luks: v.boolean(), zfs: v.boolean() }),
      user: v.strictObject({ name: Text, passwordHash: Text, wheel: v.boolean() }),
      stateVersion: v.optional(Text),
    }),
  ),
  volumes: list(
    v.strictObject({
      id: Text,
      dataset: Text,
      sizeBytes: Count,
      volblocksizeBytes: v.picklist(VOLBLOCKSIZES),
      provisioning: v.picklist(['sparse', 'reserved']),
      compression: v.picklist(COMPRESSIONS),
      snapshots: v.variant('policy', [
        v.strictObject({ policy: v.literal('none') }),
        v.strictObject({
          policy: v.literal('sanoid'),
          hourly: Count,
          daily: Count,
          monthly: Count,
        }),
      ]),
    }),
  ),
  vms: list(
    v.strictObject({
      id: Text,
      name: Text,
      kind: v.picklist(['macos', 'other']),
      volume: Text,
      vcpus: Count,
      memoryMiB: Count,
      hugepages: v.boolean(),
      devices: list(Text),
      openCoreImage: v.optional(Text),
    }),
  ),
});

// The editor's Layout and a draft must stay the same shape: this fails to compile when one
// gains a field the other lacks, optional ones included (they are made required on both sides
// first: plain assignability let a Layout's new optional `host.mainConfiguration` go missing here,
// and every draft save of a "module only" layout was refused).
type DeepRequired<T> = T extends readonly (infer U)[]
  ? DeepRequired<U>[]
  : T extends object
    ? { [K in keyof T]-?: DeepRequired<T[K]> }
    : T;
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Draft = v.InferOutput<typeof DraftLayoutSchema>;
export const sameShape: Same<DeepRequired<Draft>, DeepRequired<Layout>> = true;

/**
 * A draft as it may be written to disk: every password hash left out. A crypt hash can be
 * attacked offline, and the user has it at hand (mkpasswd); it stays only in the editor's memory.
 */
export function withoutSecrets(layout: Layout): Layout {
  return {
    ...layout,
    systems: layout.systems.map((s) => ({ ...s, user: { ...s.user, passwordHash: '' } })),
  };
}
