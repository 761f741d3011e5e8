// The names "boot the new system once" may carry into the root helper (issue 16): the GRUB
// environment block it edits and the menu entry it names. Kept apart from verbs.ts so that the
// plan model, the verb and the helper's own check read one grammar.
import * as v from 'valibot';

/**
 * A grubenv under /boot: `/boot/grub/grubenv`, or `<bootPath>/grub/grubenv` for a mirrored boot
 * under /boot. Every component starts with a letter, digit or `_`, so `.` and `..` cannot occur.
 */
export const GRUBENV_FILE_RE = /^\/boot(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}){0,4}\/grub\/grubenv$/;
export const GrubEnvFileSchema = v.pipe(
  v.string(),
  v.regex(GRUBENV_FILE_RE, 'the GRUB environment block must be a grub/grubenv file under /boot'),
);

/** The `--id` Cohabit gives its chain entries (grubEntryId): nothing GRUB or a shell reads as syntax. */
export const COHABIT_ENTRY_ID_RE = /^cohabit-[a-z0-9-]{1,64}$/;
export const CohabitEntryIdSchema = v.pipe(
  v.string(),
  v.regex(COHABIT_ENTRY_ID_RE, 'a Cohabit menu entry id is cohabit- and a-z, 0-9, -'),
);

const OfferEntry = v.strictObject({
  entryId: CohabitEntryIdSchema,
  /** The menu label, for the words around the offer. */
  label: v.pipe(v.string(), v.maxLength(200)),
});

/**
 * What a plan says about booting its new systems once, computed from the inventory it was made
 * against: where GRUB's one-time choice goes, or why there is none and what to pick instead.
 */
export const BootOnceOfferSchema = v.variant('possible', [
  v.strictObject({
    possible: v.literal(true),
    envFile: GrubEnvFileSchema,
    entries: v.array(OfferEntry),
  }),
  v.strictObject({
    possible: v.literal(false),
    reason: v.pipe(v.string(), v.maxLength(1000)),
    entries: v.array(OfferEntry),
  }),
]);
export type BootOnceOffer = v.InferOutput<typeof BootOnceOfferSchema>;
