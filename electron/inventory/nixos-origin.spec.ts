// The origin check on machines built the way NixOS lays them out: the demo (rebuilt from
// /etc/nixos), the drifted demo (edited after its last rebuild), a system built from a flake
// elsewhere, and every way the evaluation cannot be made (no Nix, no daemon without root, too slow).
import { describe, expect, it } from 'vitest';
import type { VirtualHost } from '../host/virtual-host';
import { DEMO_NIXOS_VERSION, buildDemoMachine } from '../../test/machines/demo-machine';
import {
  DEMO_REBUILT_AT,
  DRIFTED_EDITED_AT,
  DRIFTED_EVALUATION,
  demoOrigin,
  demoSystemPath,
} from '../../test/machines/demo-origin';
import { buildDriftedDemoMachine } from '../../test/machines/drifted-demo-machine';
import { writeNixosOrigin, type NixosOriginSpec } from '../../test/machines/nixos-origin-files';
import {
  COPIED_CONFIGURATION,
  ETC_NIXOS_FILES_ARGV,
  TOPLEVEL_EVAL_CHANNELS_ARGV,
  readNixosOrigin,
  toplevelEvalFlakeArgv,
} from './nixos-origin';
import { ReadContext } from './read-context';
import { readInventory } from './read-inventory';

const RUNNING = demoSystemPath(DEMO_NIXOS_VERSION);

async function origin(h: VirtualHost) {
  return readNixosOrigin(new ReadContext(h), 'atlas');
}

function demoWith(change: (spec: NixosOriginSpec) => NixosOriginSpec): VirtualHost {
  const h = buildDemoMachine();
  writeNixosOrigin(h, change(demoOrigin(DEMO_NIXOS_VERSION)));
  return h;
}

const check = (o: Awaited<ReturnType<typeof origin>>, name: string) =>
  o.checks.find((c) => c.name === name);

describe('whether /etc/nixos built the running system', () => {
  it('says "same" on the demo machine, with the time the evaluation took', async () => {
    const o = await origin(buildDemoMachine());
    expect(o.verdict).toBe('same');
    expect(o.runningSystem).toBe(RUNNING);
    expect(o.runningBuiltAt).toBe(DEMO_REBUILT_AT);
    expect(o.evaluation).toMatchObject({
      configuration: '/etc/nixos/configuration.nix',
      argv: [...TOPLEVEL_EVAL_CHANNELS_ARGV],
      outPath: RUNNING,
      failure: null,
    });
    expect(o.evaluation?.ms).toBeGreaterThanOrEqual(0);
    expect(o.changedFiles).toEqual([]);
    expect(o.flakeEvidence).toEqual([]);
    expect(check(o, 'evaluation')?.text).toMatch(/evaluation only, nothing was built/);
    expect(check(o, 'build date')?.text).toBe('generation 42, registered 2026-11-20 18:04 UTC');
  });

  it('says "differs" on the drifted demo, naming the file edited after the rebuild and its date', async () => {
    const o = await origin(buildDriftedDemoMachine());
    expect(o.verdict).toBe('differs');
    expect(o.evaluation?.outPath).toBe(DRIFTED_EVALUATION);
    expect(o.changedFiles).toEqual([
      { path: '/etc/nixos/configuration.nix', modifiedAt: DRIFTED_EDITED_AT },
    ]);
    expect(o.summary).toContain('/etc/nixos/configuration.nix (2026-11-25 21:13 UTC)');
    expect(o.summary).toContain(`not to the running system ${RUNNING}`);
  });

  it('says "same-as-next-boot" when /etc/nixos is the generation already built for the next boot', async () => {
    const next =
      '/nix/store/2b4d6f8h0j2l4n6p8r0s2v4x6z8b0d2f-nixos-system-atlas-25.11.4207.3c2c4d8a1b9e';
    const o = await origin(
      demoWith((s) => ({
        ...s,
        generations: [...s.generations, { n: 43, target: next, at: DEMO_REBUILT_AT + 3600 }],
        current: 43,
        evaluation: { argv: TOPLEVEL_EVAL_CHANNELS_ARGV, outPath: next },
      })),
    );
    expect(o.nextBootSystem).toBe(next);
    expect(o.verdict).toBe('same-as-next-boot');
  });

  it('recognises a system built from a flake elsewhere from what NixOS records, and never evaluates a flake it does not have', async () => {
    const flakeRev = '9f3e2d1c0b4a59687f6e5d4c3b2a1908f7e6d5c4';
    const h = demoWith((s) => ({
      ...s,
      label: '25.11.20251118.a1b2c3d',
      versionJson: {
        nixosVersion: '25.11.20251118.a1b2c3d',
        nixpkgsRevision: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
        configurationRevision: flakeRev,
      },
      registryNixpkgs: '/nix/store/3k5m7p9r1s3v5x7z9b1d3f5h7j9l1n3q-source',
      // The stale configuration.nix left from the install evaluates to an old system.
      evaluation: {
        argv: TOPLEVEL_EVAL_CHANNELS_ARGV,
        outPath:
          '/nix/store/1a3c5f7h9j1l3n5p7r9s1v3x5z7b9d1f-nixos-system-nixos-25.11.20251118.a1b2c3d',
      },
    }));
    const o = await origin(h);
    expect(o.verdict).toBe('flake-elsewhere');
    expect(o.flakeEvidence).toHaveLength(3);
    expect(o.flakeEvidence.join(' ')).toContain(
      '/nix/store/3k5m7p9r1s3v5x7z9b1d3f5h7j9l1n3q-source',
    );
    expect(o.flakeEvidence.join(' ')).toContain(flakeRev);
    expect(o.version?.configurationRevision).toBe(flakeRev);
  });

  it('warns that the NixOS facts evaluated from a stale /etc/nixos may describe another system', async () => {
    const h = demoWith((s) => ({
      ...s,
      registryNixpkgs: '/nix/store/3k5m7p9r1s3v5x7z9b1d3f5h7j9l1n3q-source',
      evaluation: {
        argv: TOPLEVEL_EVAL_CHANNELS_ARGV,
        outPath:
          '/nix/store/1a3c5f7h9j1l3n5p7r9s1v3x5z7b9d1f-nixos-system-nixos-25.11.3000.0a1b2c3d4f5a',
      },
    }));
    const inv = await readInventory(h);
    expect(inv.os.nixosOrigin?.verdict).toBe('flake-elsewhere');
    expect(inv.diagnostics.map((d) => d.code)).toContain('os.nixos-facts-elsewhere');
    const demo = await readInventory(buildDemoMachine());
    expect(demo.diagnostics.map((d) => d.code)).not.toContain('os.nixos-facts-elsewhere');
  });

  it('recognises a flake elsewhere even when the stale configuration.nix cannot be evaluated', async () => {
    const h = demoWith((s) => ({
      ...s,
      registryNixpkgs: '/nix/store/3k5m7p9r1s3v5x7z9b1d3f5h7j9l1n3q-source',
      evaluation: {
        argv: TOPLEVEL_EVAL_CHANNELS_ARGV,
        stderr:
          "error: file 'nixpkgs/nixos' was not found in the Nix search path (add it using $NIX_PATH or -I)\n",
        exitCode: 1,
      },
    }));
    const o = await origin(h);
    expect(o.verdict).toBe('flake-elsewhere');
    expect(o.evaluation?.failure).toContain("file 'nixpkgs/nixos' was not found");
  });

  it('evaluates a flake in /etc/nixos through nix eval --read-only, by the host name', async () => {
    const h = buildDemoMachine();
    h.file('/etc/nixos/flake.nix', '{ outputs = { self, nixpkgs }: { }; }\n');
    writeNixosOrigin(h, {
      ...demoOrigin(DEMO_NIXOS_VERSION),
      evaluation: { argv: toplevelEvalFlakeArgv('/etc/nixos', 'atlas'), outPath: RUNNING },
    });
    const o = await origin(h);
    expect(o.verdict).toBe('same');
    expect(o.evaluation?.argv).toContain('--read-only');
    expect(o.evaluation?.configuration).toBe('/etc/nixos#nixosConfigurations."atlas"');
  });

  describe('when the evaluation cannot be made', () => {
    it('says why: not root and no Nix daemon (Nix 2.8 as a user without a daemon, seen here)', async () => {
      const o = await origin(
        demoWith((s) => ({
          ...s,
          evaluation: {
            argv: TOPLEVEL_EVAL_CHANNELS_ARGV,
            stderr:
              "error: could not set permissions on '/nix/var/nix/profiles/per-user' to 755: Operation not permitted\n",
            exitCode: 1,
          },
        })),
      );
      expect(o.verdict).toBe('unknown');
      expect(o.evaluation?.failure).toMatch(/not root and no Nix daemon/);
      expect(check(o, 'evaluation')?.done).toBe(false);
      // The file dates were still compared, and found nothing newer than the rebuild.
      expect(check(o, 'file dates')).toMatchObject({ done: true });
      expect(o.summary).toMatch(/no file under \/etc\/nixos changed after/);
    });

    it('falls back on the file dates: an edit after the rebuild is still caught', async () => {
      const h = buildDriftedDemoMachine();
      h.commandError(TOPLEVEL_EVAL_CHANNELS_ARGV, 'TIMEOUT');
      const o = await origin(h);
      expect(o.evaluation?.failure).toMatch(/did not finish within 120 s/);
      expect(o.verdict).toBe('differs');
      expect(o.summary).toContain('/etc/nixos/configuration.nix (2026-11-25 21:13 UTC)');
    });

    it('says nix-instantiate is not installed, and "unknown" when nothing else tells', async () => {
      const h = buildDemoMachine();
      h.commandError(TOPLEVEL_EVAL_CHANNELS_ARGV, 'ENOENT');
      h.commandError(ETC_NIXOS_FILES_ARGV, 'ENOENT');
      const o = await origin(h);
      expect(o.verdict).toBe('unknown');
      expect(o.evaluation?.failure).toBe('nix-instantiate is not installed');
      expect(o.evaluation?.ms).toBeNull();
      expect(check(o, 'file dates')?.done).toBe(false);
    });
  });

  it('compares the copy system.copySystemConfiguration keeps', async () => {
    const h = buildDemoMachine();
    h.commandError(TOPLEVEL_EVAL_CHANNELS_ARGV, 'ENOENT');
    h.file(COPIED_CONFIGURATION, '{ ... }: { }\n');
    const o = await origin(h);
    expect(o.verdict).toBe('differs');
    expect(check(o, 'copied configuration')).toMatchObject({ done: true });
  });

  it('counts a partial listing (find exits 1 on an unreadable directory) and says so', async () => {
    const h = buildDriftedDemoMachine();
    h.command(ETC_NIXOS_FILES_ARGV, {
      stdout: `${DRIFTED_EDITED_AT}.1234567890\t/etc/nixos/configuration.nix\0`,
      stderr: "find: '/etc/nixos/secrets': Permission denied\n",
      exitCode: 1,
    });
    const o = await origin(h);
    expect(o.changedFiles.map((f) => f.path)).toEqual(['/etc/nixos/configuration.nix']);
    expect(check(o, 'file dates')?.text).toMatch(/could not be read without root/);
  });

  it('does not know the build date of a system activated with nixos-rebuild test', async () => {
    const o = await origin(
      demoWith((s) => ({
        ...s,
        generations: s.generations.filter((g) => g.n !== 42),
        current: 41,
      })),
    );
    expect(o.runningBuiltAt).toBeNull();
    expect(check(o, 'build date')?.text).toMatch(/nixos-rebuild test/);
    expect(o.verdict).toBe('same');
  });
});
