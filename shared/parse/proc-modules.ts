// Parser for /proc/modules: which kernel modules are loaded (vfio_pci, kvm_amd, nvidia, ...).
import { ParseError } from '../model/errors';

const NAME_RE = /^[A-Za-z0-9_-]+$/;

/** /proc/modules: names of loaded modules (first field), in file order. */
export function parseProcModules(text: string): string[] {
  const names: string[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').trim();
    if (line === '') continue;
    const name = line.split(/\s+/)[0] ?? '';
    if (!NAME_RE.test(name))
      throw new ParseError('/proc/modules', `invalid module name "${name.slice(0, 40)}"`, n + 1);
    names.push(name);
  }
  return names;
}
