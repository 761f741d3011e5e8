// Strict grammars for every name that reaches a verb: ZFS datasets, mount paths, labels, users.
// They are stricter than the tools accept, on purpose: a name that passes is safe to show, to put
// in argv, in a Nix string and in a GRUB word without surprises (no spaces, no quotes, no `$`).
import * as v from 'valibot';

/** One dataset path component: what ZFS allows, minus spaces and `:` (our safe set). */
export const DATASET_COMPONENT_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;
export const POOL_NAME_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,62}$/;
/** ZFS reserves these as pool names. */
const RESERVED_POOL_NAMES = new Set([
  'mirror',
  'raidz',
  'draid',
  'spare',
  'log',
  'cache',
  'special',
  'dedup',
]);
export const MAX_DATASET_LENGTH = 200;

export function datasetProblem(name: string): string | null {
  if (name.length > MAX_DATASET_LENGTH) return `is longer than ${MAX_DATASET_LENGTH} characters`;
  const parts = name.split('/');
  const [pool, ...rest] = parts;
  if (pool === undefined || !POOL_NAME_RE.test(pool))
    return 'must start with a pool name of letters, digits, _ . -';
  if (RESERVED_POOL_NAMES.has(pool) || /^c[0-9]/.test(pool))
    return `uses the reserved pool name ${pool}`;
  for (const part of rest) {
    if (part === '.' || part === '..') return 'may not contain . or .. components';
    if (!DATASET_COMPONENT_RE.test(part))
      return `has the component "${part}": use letters, digits, _ . - (no spaces, quotes or other symbols), starting with a letter or digit`;
  }
  return null;
}

export const DatasetNameSchema = v.pipe(
  v.string(),
  v.check(
    (s) => datasetProblem(s) === null,
    (issue) => `dataset name ${JSON.stringify(issue.input)} ${datasetProblem(issue.input) ?? ''}`,
  ),
);

/** An absolute path made of safe components (no `..`, no `.`, no doubled slashes, no spaces). */
export const SAFE_PATH_RE = /^(\/[A-Za-z0-9_][A-Za-z0-9_.+@-]*)+\/?$|^\/$/;
export function pathProblem(path: string): string | null {
  if (path.length > 4096) return 'is too long';
  if (!SAFE_PATH_RE.test(path))
    return 'must be an absolute path of letters, digits and _ . + @ - (no spaces, no .. )';
  if (path.split('/').some((p) => p === '..' || p === '.'))
    return 'may not contain . or .. components';
  return null;
}
export const SafePathSchema = v.pipe(
  v.string(),
  v.check(
    (s) => pathProblem(s) === null,
    (issue) => `path ${JSON.stringify(issue.input)} ${pathProblem(issue.input) ?? ''}`,
  ),
);

/** A GRUB menu label: printable, no control characters, no newline, bounded. Quoting is the emitter's job. */
export function labelProblem(label: string): string | null {
  if (label.trim() === '') return 'is empty';
  if (label.length > 80) return 'is longer than 80 characters';
  // eslint-disable-next-line no-control-regex -- control characters are what we refuse
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(label))
    return 'contains a control character or line break';
  return null;
}
export const MenuLabelSchema = v.pipe(
  v.string(),
  v.check(
    (s) => labelProblem(s) === null,
    (issue) => `menu label ${JSON.stringify(issue.input)} ${labelProblem(issue.input) ?? ''}`,
  ),
);

export const USER_NAME_RE = /^[a-z_][a-z0-9_-]{0,31}$/;
export const HOST_ID_RE = /^[0-9a-f]{8}$/;
/** crypt(3) hashes as NixOS hashedPassword takes them: yescrypt, SHA-512, SHA-256, bcrypt. */
export const PASSWORD_HASH_RE = /^\$(y|gy|6|5|2[aby])\$[./A-Za-z0-9$=,-]{8,200}$/;
/** A short identifier for layout elements and VM names. */
export const ID_RE = /^[a-z][a-z0-9-]{0,39}$/;
export const VM_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
