// cohabit(1), written from the same commander definitions as `--help` (and the same ABOUT
// sections), so the man page lists exactly the commands and options the program accepts. The build
// writes it to dist/man/cohabit.1 (build/write-man-page.mjs) from the bundled CLI.
import type { Command, Help } from 'commander';
import { ABOUT, VERSION } from './about';
import type { AboutSection } from './about';

/** Text for roff: backslashes and hyphens escaped, and no line may start a request. */
export function roffText(text: string): string {
  return text
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .split('\n')
    .map((line) => (/^[.']/.test(line) ? `\\&${line}` : line))
    .join('\n');
}

/** Commander's descriptions start in lower case, as `--help` lists them; a man page's sentences. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
}

/** The NAME line's summary: "plan and apply extra NixOS ...". */
function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

function bold(text: string): string {
  return `\\fB${roffText(text)}\\fR`;
}

function tagged(term: string, text: string): string {
  return `.TP\n${term}\n${roffText(sentence(text))}\n`;
}

/** Every command below `program`, depth first; `help` is the man page itself. */
function commandsOf(program: Command, help: Help): Command[] {
  return help
    .visibleCommands(program)
    .filter((c) => c.name() !== 'help')
    .flatMap((c) => [c, ...commandsOf(c, help)]);
}

function commandSection(command: Command, help: Help): string {
  // commandUsage names the parents too: "cohabit plan [options] [layout]".
  let out = `.SS "${roffText(help.commandUsage(command))}"\n`;
  out += `${roffText(sentence(help.commandDescription(command)))}\n`;
  const args = help.visibleArguments(command);
  if (args.length > 0) out += '.RS\n.PP\nArguments:\n';
  for (const arg of args)
    out += tagged(`\\fI${roffText(help.argumentTerm(arg))}\\fR`, help.argumentDescription(arg));
  if (args.length > 0) out += '.RE\n';
  const options = help.visibleOptions(command).filter((o) => o.long !== '--help');
  if (options.length > 0) out += '.RS\n.PP\nOptions:\n';
  for (const option of options)
    out += tagged(bold(help.optionTerm(option)), help.optionDescription(option));
  if (options.length > 0) out += '.RE\n';
  return out;
}

function aboutSection(section: AboutSection): string {
  let out = `.SH ${roffText(section.title.toUpperCase())}\n`;
  for (const [term, text] of section.rows) out += tagged(bold(term), text);
  return out;
}

/** The whole page. No date in .TH: the same sources give the same page (reproducible builds). */
export function formatManPage(program: Command, about: readonly AboutSection[] = ABOUT): string {
  const help = program.createHelp();
  const [summary = '', ...rest] = program.description().split('\n');
  let out = `.\\" cohabit(1), generated from the command line's own definitions; do not edit.\n`;
  out += `.TH COHABIT 1 "" "cohabit ${roffText(VERSION)}" "User Commands"\n`;
  out += `.SH NAME\ncohabit \\- ${roffText(lowerFirst(summary.replace(/\.$/, '')))}\n`;
  out += `.SH SYNOPSIS\n.B cohabit\n.I command\n[\\fIoptions\\fR] [\\fIarguments\\fR]\n`;
  out += `.br\n.B cohabit\n[\\fB\\-\\-help\\fR | \\fB\\-\\-version\\fR]\n`;
  out += `.SH DESCRIPTION\n${roffText([summary, ...rest].join('\n'))}\n`;
  out += '.SH OPTIONS\n';
  for (const option of help.visibleOptions(program))
    out += tagged(bold(help.optionTerm(option)), help.optionDescription(option));
  out += '.SH COMMANDS\n';
  out += commandsOf(program, help)
    .map((command) => commandSection(command, help))
    .join('');
  out += about.map(aboutSection).join('');
  out += '.SH SEE ALSO\n.BR pkexec (1),\n.BR sudo (8),\n.BR zfs (8),\n.BR zpool (8)\n';
  return out;
}
