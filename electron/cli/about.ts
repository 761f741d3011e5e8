// What `cohabit --help` says after the commands, and the man page's sections beyond the commands:
// one source for both, so the terminal and `man cohabit` cannot disagree. The version is
// package.json's, read at build time into the bundle (and by tsx from a checkout).
import { version } from '../../package.json';
import { EXIT } from '../../shared/ops/helper-protocol';

export const VERSION: string = version;

export interface AboutSection {
  /** The man page's section heading; --help prints it as "Title:". */
  title: string;
  /** Term and explanation, one row each. */
  rows: ReadonlyArray<readonly [string, string]>;
}

export const ABOUT: readonly AboutSection[] = [
  {
    title: 'Examples',
    rows: [
      ['cohabit inventory --demo', 'what Cohabit sees on the demo machine shipped with it'],
      ['cohabit analyze', 'which GPU or USB controller of this machine can go to a VM, and why'],
      ['cohabit plan --example seed > layout.json', "the seed recipe's layout, to edit"],
      ['cohabit plan layout.json --json > plan.json', 'every step, its diffs and its undo'],
      [
        'cohabit apply plan.json',
        'asks once for root (pkexec or sudo), applies, rolls back on failure',
      ],
      ['cohabit recover', 'finish a plan a crash interrupted: roll it back or resume it'],
    ],
  },
  {
    title: 'Exit status',
    rows: [
      [String(EXIT.ok), 'done (apply: applied)'],
      [String(EXIT.failedRolledBack), 'failed; apply: a step failed and the plan was rolled back'],
      [
        String(EXIT.refused),
        'a usage error, or a plan the helper refused before changing anything',
      ],
      [
        String(EXIT.rollbackIncomplete),
        'apply or recover left a plan unfinished: run `cohabit recover`',
      ],
      [String(EXIT.notRoot), 'the root helper itself: it was started without root'],
    ],
  },
  {
    title: 'Environment',
    rows: [
      ['NO_COLOR', 'when set, the inventory is printed without colours'],
      ['COHABIT_DEBUG', 'when set, an unexpected error is printed with its stack trace'],
      ['XDG_STATE_HOME', 'where the log and the drafts are kept (default ~/.local/state)'],
    ],
  },
  {
    title: 'Files',
    rows: [
      [
        '$XDG_STATE_HOME/cohabit/cohabit.log',
        "Cohabit's log (default ~/.local/state/cohabit/): each apply's commands, exit codes, stderr and times, and the stack of every unexpected error; 1 MiB, three files kept. `cohabit snapshot --log` attaches its end",
      ],
      ['$XDG_STATE_HOME/cohabit/drafts', 'the layouts being drawn in the app, one per machine'],
      ['/var/lib/cohabit', "the root helper's journal: every step of a plan and its undo"],
      [
        '<package>/lib/cohabit/helper/cohabit-helper',
        "the Nix package's root helper: the one path its polkit action lets pkexec run",
      ],
      ['/opt/Cohabit/resources/helper/cohabit-helper', "the .deb's root helper, likewise"],
    ],
  },
];

/** The text `cohabit --help` prints after the list of commands. */
export function formatAbout(sections: readonly AboutSection[] = ABOUT): string {
  return sections
    .map((s) => {
      const short = s.rows.every(([term]) => term.length <= 16);
      const width = Math.max(...s.rows.map(([term]) => term.length));
      // Short terms (exit codes, variables) stand beside their text; commands above it.
      const rows = s.rows.map(([term, text]) =>
        short ? `  ${term.padEnd(width)}  ${text}` : `  ${term}\n      ${text}`,
      );
      return `\n${s.title}:\n${rows.join('\n')}`;
    })
    .join('\n')
    .concat('\n');
}
