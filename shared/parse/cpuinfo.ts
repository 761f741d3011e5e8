// Parser for /proc/cpuinfo on x86: vendor, model, topology and the flags that matter for VMs.
import { ParseError } from '../model/errors';
import type { Cpu } from '../model/inventory';

const FORMAT = '/proc/cpuinfo';
const INTERESTING_FLAGS = ['vmx', 'svm', 'ept', 'npt', 'pdpe1gb', 'hypervisor', 'x2apic'] as const;

type Block = Map<string, string>;

function splitBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').replace(/\r$/, '');
    if (line.trim() === '') {
      current = null;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon === -1)
      throw new ParseError(FORMAT, `expected "key : value", got "${line.slice(0, 40)}"`, n + 1);
    if (current === null) {
      current = new Map();
      blocks.push(current);
    }
    current.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return blocks;
}

function toVendor(vendorId: string): Cpu['vendor'] {
  if (vendorId === 'GenuineIntel') return 'intel';
  if (vendorId === 'AuthenticAMD') return 'amd';
  return 'other';
}

/**
 * /proc/cpuinfo on x86. sockets = distinct `physical id`, cores = distinct (physical id, core id)
 * pairs (fallback `cpu cores` x sockets, then one per processor), threads = `processor` blocks.
 * Blocks without `physical id` (Xen dom0, some VMs) still count, as one socket between them.
 */
export function parseCpuinfo(text: string): Cpu {
  const processors = splitBlocks(text).filter((b) => b.has('processor'));
  const first = processors[0];
  if (!first) throw new ParseError(FORMAT, 'no processor entries');

  const sockets = new Set<string>();
  const corePairs = new Set<string>();
  let anyCoreId = false;
  const flags = new Set<string>();
  for (const block of processors) {
    const physicalId = block.get('physical id') ?? '';
    sockets.add(physicalId);
    const coreId = block.get('core id');
    if (coreId !== undefined) {
      anyCoreId = true;
      corePairs.add(`${physicalId}/${coreId}`);
    }
    for (const key of ['flags', 'vmx flags']) {
      for (const flag of (block.get(key) ?? '').split(/\s+/)) if (flag !== '') flags.add(flag);
    }
  }

  let cores: number;
  const cpuCores = Number.parseInt(first.get('cpu cores') ?? '', 10);
  if (anyCoreId) cores = corePairs.size;
  else if (Number.isInteger(cpuCores) && cpuCores > 0) cores = cpuCores * sockets.size;
  else cores = processors.length;

  const vendorId = first.get('vendor_id') ?? '';
  return {
    vendor: toVendor(vendorId),
    vendorId,
    model: first.get('model name') ?? '',
    sockets: sockets.size,
    cores,
    threads: processors.length,
    virtualization: flags.has('vmx') ? 'vmx' : flags.has('svm') ? 'svm' : null,
    flags: INTERESTING_FLAGS.filter((f) => flags.has(f)),
  };
}
