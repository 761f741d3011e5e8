// What the user can do about a failed call, by its code: one switch over the closed list of codes
// (shared/api/error-codes.ts), so a code added there does not compile until it is answered here.
import type { ApiErrorCode } from '../../../shared/api/error-codes';
import { unreachableCase } from '../../../shared/api/error-codes';

/** Who can act on the error: the user (advice says how), or nobody but a bug report. */
export type ErrorAdvice = { kind: 'act'; text: string } | { kind: 'report'; text: string };

const act = (text: string): ErrorAdvice => ({ kind: 'act', text });
const REPORT: ErrorAdvice = {
  kind: 'report',
  text: 'This is a bug in Cohabit. The log file named below keeps the details; please attach its end (cohabit snapshot --log) to a bug report.',
};

export function errorAdvice(code: ApiErrorCode): ErrorAdvice {
  switch (code) {
    case 'bad-request':
    case 'bad-response':
    case 'bad-event':
    case 'unknown-channel':
    case 'ipc-failed':
    case 'forbidden-sender':
    case 'internal':
      return REPORT;
    case 'unreachable':
      return act('Start `cohabit serve` again and open the address it prints.');
    case 'wrong-host':
    case 'wrong-origin':
    case 'no-token':
    case 'bad-url':
    case 'not-found':
    case 'method-not-allowed':
    case 'unsupported-media-type':
      return act('Open Cohabit through the address `cohabit serve` printed, token included.');
    case 'too-large':
      return act('The request is larger than Cohabit takes; a plan file is at most 1 MiB.');
    case 'forbidden':
    case 'recorded-machine':
      return act('Start Cohabit without --demo or --host-snapshot to work on a real machine.');
    case 'unknown-demo':
      return act('`cohabit inventory --demo list` names the demo machines.');
    case 'apply-busy':
      return act('Wait for the apply in progress to end, or cancel it in the Apply view.');
    case 'nothing-to-apply':
      return act('The machine already matches the layout, or the layout has an error to fix.');
    case 'closed':
      return act('Cohabit is shutting down; start it again.');
    case 'plan.invalid':
    case 'plan.inconsistent':
      return act('Open a plan file saved by Cohabit, or make the plan again from the layout.');
    case 'boot-once.refused':
      return act(
        'Pick the new system in the GRUB menu at the next boot instead; the message says why.',
      );
    case 'plan.other-machine':
    case 'plan.unknown':
    case 'plan.hash-mismatch':
      return act('Make the plan again for the machine shown and review it before applying.');
    case 'host.ENOENT':
    case 'host.ENOTDIR':
    case 'host.EISDIR':
    case 'host.ELOOP':
    case 'host.EINVAL':
    case 'host.EIO':
    case 'host.TOO_LARGE':
    case 'host.NOT_RECORDED':
      return act('Cohabit could not read something on the machine; "Read again" retries.');
    case 'host.EACCES':
      return act('A file or command needs more rights than Cohabit has here.');
    case 'host.TIMEOUT':
    case 'host.ABORTED':
      return act('A command took too long or was stopped; try again.');
    case 'host.SPAWN':
      return act('A program Cohabit runs is missing on the machine; the message names it.');
    case 'host.UNREACHABLE':
    case 'ssh.refused':
    case 'ssh.timeout':
    case 'ssh.unresolved':
    case 'ssh.dropped':
    case 'ssh.closed':
      return act('Check that the machine is on and reachable (`ssh` to it from a terminal).');
    case 'ssh.host-key':
      return act("Connect once with `ssh` from a terminal and check the machine's host key.");
    case 'ssh.auth':
      return act('Check that your ssh key or agent logs in to the machine without a password.');
    case 'ssh.sudo':
      return act('Log in as root, or allow `sudo -n` for this user on the remote machine.');
    case 'ssh.other':
      return act('`ssh` to the machine from a terminal to see what it says.');
    default:
      return unreachableCase(code, 'error code');
  }
}
