// Lexical path arithmetic for sysfs links (which are relative and full of `..`), with no I/O.

export function splitPath(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

export function parentOf(path: string): string {
  const parts = splitPath(path);
  parts.pop();
  return '/' + parts.join('/');
}

/** Joins a link target to the directory holding the link, resolving `..` lexically. */
export function joinPath(base: string, target: string): string {
  const parts = target.startsWith('/') ? [] : splitPath(base);
  for (const part of splitPath(target)) {
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return '/' + parts.join('/');
}
