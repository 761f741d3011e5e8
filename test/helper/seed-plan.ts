// A plan shaped like the seed recipe (a new NixOS system on a dataset with a fake ESP on a zvol,
// the host's config importing cohabit.nix, a VM volume and its libvirt domain), built from verbs.
// Synthetic by nature: it is what the planner would produce, written out by hand for the executor.
import { shellQuote } from '../../shared/emit/shell-quote';
import { PLAN_FORMAT } from '../../shared/model/plan';
import type { Plan, Step } from '../../shared/model/plan';
import { fileChangeDiff } from '../../shared/ops/file-preview';
import { specOf } from '../../shared/ops/verbs';
import type { VerbCall } from '../../shared/ops/verbs';
import { createHash } from 'node:crypto';

export const SEED_PLAN_ID = '0123456789abcdef';

export const HOST_CONFIGURATION = `{ config, pkgs, ... }:
{
  imports = [ ./hardware-configuration.nix ];
  networking.hostId = "8425e349";
  system.stateVersion = "25.05";
}
`;

/** The current content a write replaces: the seed plan replaces only the host's configuration. */
function previousOf(args: { previousSha256: string | null }): string | null {
  if (args.previousSha256 === null) return null;
  const host = createHash('sha256').update(HOST_CONFIGURATION).digest('hex');
  return args.previousSha256 === host ? HOST_CONFIGURATION : '';
}

export function makeStep(
  index: number,
  call: VerbCall,
  planId = SEED_PLAN_ID,
  title?: string,
): Step {
  const spec = specOf(call, planId);
  const args = call.args as never;
  const argv = spec.argv(args);
  const undo = spec.undo(args);
  return {
    id: `s${String(index).padStart(2, '0')}`,
    call,
    title: title ?? `${call.verb} ${JSON.stringify(call.args).slice(0, 60)}`,
    why: { element: 'systems[0]', text: 'the seed recipe' },
    risk: spec.risk(args),
    preview:
      argv === null && call.verb === 'file.write'
        ? {
            kind: 'file',
            path: call.args.path,
            diff: fileChangeDiff(call.args.path, previousOf(call.args), call.args.content),
            content: call.args.content,
            previous: previousOf(call.args),
          }
        : { kind: 'command', argv: argv ?? [], shell: argv === null ? '' : shellQuote(argv) },
    undo: { text: undo.text, argv: undo.argv, shell: undo.argv.map((a) => shellQuote(a)) },
  };
}

export function planOf(calls: VerbCall[], planId = SEED_PLAN_ID, pool = 'zroot'): Plan {
  return {
    format: PLAN_FORMAT,
    id: planId,
    createdAt: '2025-01-01T00:00:00Z',
    pool,
    layoutSha256: '0'.repeat(64),
    steps: calls.map((c, i) => makeStep(i + 1, c, planId)),
    diagnostics: [],
    nextSteps: ['Reboot and choose "NixOS new" in GRUB.'],
  };
}

const ESP = '/dev/zvol/zroot/vms/new-efi';
const MNT = '/mnt/cohabit/new';

export function seedCalls(): VerbCall[] {
  const withImport = HOST_CONFIGURATION.replace(
    '[ ./hardware-configuration.nix ]',
    '[ ./hardware-configuration.nix ./cohabit.nix ]',
  );
  return [
    {
      verb: 'zfs.createDataset',
      args: { dataset: 'zroot/nixos/new', role: 'system', system: 'new' },
    },
    {
      verb: 'zfs.createVolume',
      args: {
        dataset: 'zroot/vms/new-efi',
        sizeBytes: 512 * 1024 * 1024,
        volblocksizeBytes: 16384,
        sparse: false,
        compression: 'lz4',
        role: 'system-esp',
        system: 'new',
      },
    },
    { verb: 'disk.partitionEsp', args: { device: ESP } },
    { verb: 'disk.waitForDevice', args: { path: `${ESP}-part1`, timeoutSeconds: 10 } },
    { verb: 'disk.mkfsFat', args: { device: `${ESP}-part1`, label: 'NEWESP' } },
    { verb: 'fs.mkdir', args: { path: MNT, mode: 0o755 } },
    {
      verb: 'fs.mount',
      args: { source: 'zroot/nixos/new', target: MNT, fstype: 'zfs', options: [] },
    },
    { verb: 'fs.mkdir', args: { path: `${MNT}/boot`, mode: 0o755 } },
    {
      verb: 'fs.mount',
      args: {
        source: `${ESP}-part1`,
        target: `${MNT}/boot`,
        fstype: 'vfat',
        options: ['umask=077'],
      },
    },
    { verb: 'nixos.generateConfig', args: { root: MNT } },
    {
      verb: 'file.write',
      args: {
        path: `${MNT}/etc/nixos/configuration.nix`,
        content: '{ imports = [ ./hardware-configuration.nix ./cohabit.nix ]; }\n',
        mode: 0o644,
        previousSha256: null,
      },
    },
    {
      verb: 'file.write',
      args: {
        path: `${MNT}/etc/nixos/cohabit.nix`,
        content: '{ networking.hostName = "new"; }\n',
        mode: 0o644,
        previousSha256: null,
      },
    },
    { verb: 'nixos.install', args: { root: MNT } },
    {
      verb: 'fs.unmount',
      args: {
        target: `${MNT}/boot`,
        source: `${ESP}-part1`,
        fstype: 'vfat',
        options: ['umask=077'],
      },
    },
    {
      verb: 'fs.unmount',
      args: { target: MNT, source: 'zroot/nixos/new', fstype: 'zfs', options: [] },
    },
    {
      verb: 'file.write',
      args: {
        path: '/etc/nixos/cohabit.nix',
        content: '{ boot.loader.grub.extraEntries = "menuentry new {}"; }\n',
        mode: 0o644,
        previousSha256: null,
      },
    },
    {
      verb: 'file.write',
      args: {
        path: '/etc/nixos/configuration.nix',
        content: withImport,
        mode: 0o644,
        previousSha256: createHash('sha256').update(HOST_CONFIGURATION).digest('hex'),
      },
    },
    { verb: 'nixos.rebuild', args: { action: 'boot' } },
    {
      verb: 'zfs.createVolume',
      args: {
        dataset: 'zroot/vms/macos',
        sizeBytes: 64 * 1024 * 1024 * 1024,
        volblocksizeBytes: 16384,
        sparse: true,
        compression: 'lz4',
        role: 'vm-volume',
      },
    },
    {
      verb: 'file.write',
      args: {
        path: '/var/lib/cohabit/vms/macos.xml',
        content: "<domain type='kvm'><name>macos</name></domain>\n",
        mode: 0o600,
        previousSha256: null,
      },
    },
    { verb: 'libvirt.define', args: { name: 'macos', xmlPath: '/var/lib/cohabit/vms/macos.xml' } },
  ];
}

export function seedPlan(): Plan {
  return planOf(seedCalls());
}
