import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ABOUT, VERSION, formatAbout } from './about';
import { buildProgram } from './main';
import { formatManPage, roffText } from './man-page';

const quiet = { stdout: () => undefined, stderr: () => undefined, isTty: false };

function everyCommand(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...everyCommand(c)]);
}

describe('cohabit(1)', () => {
  const page = formatManPage(buildProgram(quiet));

  it('passes groff with every warning on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cohabit-man-'));
    try {
      await writeFile(join(dir, 'cohabit.1'), page);
      const stderr = execFileSync(
        'groff',
        ['-man', '-Tutf8', '-ww', '-z', join(dir, 'cohabit.1')],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      expect(stderr).toBe('');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('documents every command and every option the program accepts, from its definitions', () => {
    const program = buildProgram(quiet);
    expect(page).toContain(`.TH COHABIT 1 "" "cohabit ${VERSION}"`);
    for (const command of everyCommand(program)) {
      expect(page).toContain(`.SS "cohabit ${roffText(command.name())}`);
      for (const option of command.options)
        expect(page, `${command.name()} ${option.flags}`).toContain(roffText(option.long ?? ''));
    }
    for (const section of ABOUT) expect(page).toContain(`.SH ${section.title.toUpperCase()}`);
  });

  it('keeps a line that would read as a roff request as text', () => {
    expect(roffText(".SH not a heading\n'also not\n-a \\ b")).toBe(
      "\\&.SH not a heading\n\\&'also not\n\\-a \\e b",
    );
  });
});

describe('cohabit --help and --version', () => {
  it('--version is the version of package.json', async () => {
    const out: string[] = [];
    const { runCli } = await import('./main');
    const code = await runCli(['--version'], { ...quiet, stdout: (t) => out.push(t) });
    expect([code, out.join('')]).toEqual([0, `${VERSION}\n`]);
  });

  it('gives every command, argument and option a description, and ends with the same sections as the man page', async () => {
    const program = buildProgram(quiet);
    for (const command of everyCommand(program)) {
      expect(command.description(), command.name()).not.toBe('');
      for (const option of command.options)
        expect(option.description, `${command.name()} ${option.flags}`).not.toBe('');
      for (const argument of command.registeredArguments)
        expect(argument.description, `${command.name()} ${argument.name()}`).not.toBe('');
    }
    const out: string[] = [];
    const { runCli } = await import('./main');
    await runCli(['--help'], { ...quiet, stdout: (t) => out.push(t) });
    expect(out.join('')).toContain(formatAbout());
    expect(out.join('')).toMatch(/Exit status:\n {2}0 {2}done/);
  });
});
