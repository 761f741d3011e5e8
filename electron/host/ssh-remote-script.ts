// The POSIX sh scripts SshHost runs on the remote side, as data: every operation and path is a
// positional parameter, never script text. `npm run lint` checks each with shellcheck
// (test/lint/shellcheck-scripts.ts).

// Every call runs this POSIX sh function on the remote side; the operation and the path are
// positional parameters, never part of the script text. The first stderr line marks that the
// shell started (so anything before it is ssh's or sudo's) and names its pid and start time (field
// 22 of /proc/PID/stat, read without a fork), so that a command left running by a dropped
// connection can be found again, and never confused with a later process given the same pid;
// exit 97 plus a last line
// `cohabit-host-error:CODE` is a failed read with its errno, classified from the C-locale
// strerror text that ends every coreutils message.
export const STARTED = 'cohabit-host-started';
export const ERROR_PREFIX = 'cohabit-host-error:';
export const ERROR_EXIT = 97;
// Sets $st to field 22 of /proc/PID/stat, given the text after "PID (comm) " (field 3 onwards);
// a function, not $(...), which would fork on every call.
export const START_TIME_FN = 'starttime() { set -- $1; shift 19; st=$1; }';
export const REMOTE_SCRIPT = [
  START_TIME_FN,
  'st=; if read -r st < /proc/$$/stat 2>/dev/null; then starttime "${st##*) }"; fi',
  `printf '%s %s %s\\n' ${STARTED} $$ "$st" >&2`,
  'LC_ALL=C; LANG=C; export LC_ALL LANG',
  `fail() { printf '\\n${ERROR_PREFIX}%s\\n' "$1" >&2; exit ${ERROR_EXIT}; }`,
  // Each read sets `code` when it fails, so that one call can run many reads (batch) as well as one.
  'classify() {',
  '  case $1 in',
  "    *'No such file or directory') code=ENOENT ;;",
  "    *'Permission denied' | *'Operation not permitted') code=EACCES ;;",
  "    *'Not a directory') code=ENOTDIR ;;",
  "    *'Is a directory') code=EISDIR ;;",
  "    *'Too many levels of symbolic links') code=ELOOP ;;",
  "    *'Invalid argument') code=EINVAL ;;",
  '    *) code=EIO ;;',
  '  esac',
  '}',
  'exec 3>&1',
  'do_read() { e=$(head -c "$2" -- "$1" 2>&1 1>&3 3>&-) || { classify "$e"; return 1; }; }',
  'do_list() {',
  '  if [ ! -e "$1" ]; then code=ENOENT; e=$(ls -d -- "$1" 2>&1 >/dev/null) || classify "$e"; return 1; fi',
  '  [ -d "$1" ] || { code=ENOTDIR; return 1; }',
  // Without read permission a glob would just come back empty.
  '  [ -r "$1" ] || { code=EACCES; return 1; }',
  '  (',
  '    cd -- "$1" 2>/dev/null || exit 1',
  '    for f in .* *; do case $f in . | ..) continue ;; esac; if [ -e "$f" ] || [ -L "$f" ]; then printf \'%s\\0\' "$f"; fi; done',
  '  ) || { code=EACCES; return 1; }',
  '}',
  'do_link() {',
  '  if [ ! -L "$1" ]; then',
  '    if [ -e "$1" ]; then code=EINVAL; return 1; fi',
  '    code=ENOENT; e=$(ls -d -- "$1" 2>&1 >/dev/null) || classify "$e"; return 1',
  '  fi',
  '  e=$(readlink -- "$1" 2>&1 1>&3 3>&-) || { classify "$e"; return 1; }',
  '}',
  'do_stat() { e=$(stat -c \'%f %s %u %g\' -- "$1" 2>&1 1>&3 3>&-) || { classify "$e"; return 1; }; }',
  'op=$1; shift',
  'case $op in',
  '  read) do_read "$1" "$2" || fail "$code" ;;',
  '  list) do_list "$1" || fail "$code" ;;',
  '  link) do_link "$1" || fail "$code" ;;',
  '  stat) do_stat "$1" || fail "$code" ;;',
  // Reads in threes (op, path, byte limit or ''), each answer followed by a line with the caller's
  // nonce and its code: one round trip instead of one per read.
  '  batch)',
  '    nonce=$1; shift',
  '    while [ $# -ge 3 ]; do',
  '      code=OK',
  '      case $1 in',
  '        read) do_read "$2" "$3" ;;',
  '        list) do_list "$2" ;;',
  '        link) do_link "$2" ;;',
  '        stat) do_stat "$2" ;;',
  '        *) code=EINVAL ;;',
  '      esac',
  '      printf \'\\n%s %s\\n\' "$nonce" "$code"',
  '      shift 3',
  '    done ;;',
  '  run)',
  '    command -v -- "$1" >/dev/null 2>&1 || fail ENOENT',
  // fd 3 (stdout's copy for the reads above) must not leak into the command: a daemon it starts
  // would hold the session open.
  '    exec "$@" 3>&- ;;',
  '  *) fail EINVAL ;;',
  'esac',
].join('\n');

/**
 * Stops a process the remote shell of a call announced, checking its start time so that a reused
 * pid is left alone: `$1` pid, `$2` start time, `$3` tenths of a second to wait per signal, `$4`
 * the signals in order. Prints `ended` (it had ended) or `stopped`.
 */
export const STOP_SCRIPT = [
  START_TIME_FN,
  'ours() { read -r line < "/proc/$1/stat" 2>/dev/null || return 1; [ -z "$2" ] && return 0; starttime "${line##*) }"; [ "$st" = "$2" ]; }',
  // Polls every 0.1 s for up to $3 tenths of a second.
  'gone() { i=0; while ours "$1" "$2"; do [ "$i" -lt "$3" ] || return 1; sleep 0.1; i=$((i+1)); done; }',
  'ours "$1" "$2" || { echo ended; exit 0; }',
  'for sig in $4; do kill -s "$sig" "$1" 2>/dev/null || break; gone "$1" "$2" "$3" && break; done',
  'echo stopped',
].join('\n');

/** The remote shell of one call, as it announced itself. */
export interface RemoteProcess {
  pid: number;
  /** Its start time in clock ticks since boot ('' where /proc could not say). */
  startTime: string;
}

export const STARTED_LINE = new RegExp(`^${STARTED} (\\d+) (\\d*)\n`, 'm');

/**
 * The answers of a batch: each is the read's bytes followed by `\n<nonce> <CODE>\n`. The nonce is
 * fresh for every batch, so no file can hold it by chance. Null when the output is not exactly
 * `count` answers.
 */
export function splitBatch(
  stdout: Uint8Array,
  nonce: string,
  count: number,
): { bytes: Uint8Array; code: string }[] | null {
  const out = Buffer.from(stdout.buffer, stdout.byteOffset, stdout.byteLength);
  const separator = Buffer.from(`\n${nonce} `, 'latin1');
  const answers: { bytes: Uint8Array; code: string }[] = [];
  let at = 0;
  while (at < out.length) {
    const end = out.indexOf(separator, at);
    if (end < 0) return null;
    const lineEnd = out.indexOf(0x0a, end + separator.length);
    if (lineEnd < 0) return null;
    const code = out.toString('latin1', end + separator.length, lineEnd);
    if (!/^(OK|[A-Z]{2,12})$/.test(code)) return null;
    answers.push({ bytes: new Uint8Array(out.subarray(at, end)), code });
    at = lineEnd + 1;
  }
  return answers.length === count ? answers : null;
}
