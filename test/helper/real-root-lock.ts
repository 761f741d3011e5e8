// The specs that apply over a real sshd to this machine itself (apply-remote, ssh-drop) use its real
// /mnt/cohabit and /var/lib/cohabit, and each removes them afterwards when it made them. Run side
// by side (vitest runs files in parallel), one would remove the directories under the other's
// feet, or see the other's plan among the unfinished ones: this lock makes them take turns.
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK = join(tmpdir(), 'cohabit-spec-real-root.lock');

function holderAlive(): boolean {
  try {
    const pid = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but is not ours to signal; anything else: no holder.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Waits for the lock (up to `timeoutMs`), then returns its release. */
export async function lockRealRootDirs(timeoutMs = 170_000): Promise<() => void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    // A holder killed mid-run leaves the lock behind: its pid is gone, so take it over. The pid
    // file is written just after the mkdir, so give a lock without one a moment first.
    if (!holderAlive() && Date.now() - lockMtime() > 2_000)
      rmSync(LOCK, { recursive: true, force: true });
    if (Date.now() > end) throw new Error(`${LOCK} stayed held for ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function lockMtime(): number {
  try {
    return statSync(LOCK).mtimeMs;
  } catch {
    return 0;
  }
}
