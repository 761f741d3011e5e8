// Runs the `cohabit` command line in-process for a spec, collecting what it prints.
import { runCli } from '../../electron/cli/main';

export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, {
    stdout: (t) => (out += t),
    stderr: (t) => (err += t),
    isTty: false,
  });
  return { code, out, err };
}
