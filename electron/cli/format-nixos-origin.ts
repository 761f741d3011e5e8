// The terminal lines saying whether /etc/nixos built the running system (issue 18): the verdict in
// words, then every check, made or not, and why not.
import type { NixosOrigin } from '../../shared/model/nixos-origin';
import type { Style } from './format-inventory';

const VERDICT: Record<NixosOrigin['verdict'], string> = {
  same: 'builds the running system',
  'same-as-next-boot': 'builds the generation set for the next boot',
  differs: 'has changed since the running system was built',
  'flake-elsewhere': 'is not what builds this system (a flake elsewhere)',
  unknown: 'could not be checked',
};

/** `safe` escapes control characters from paths and Nix's messages. */
export function formatNixosOrigin(
  origin: NixosOrigin,
  style: Style,
  safe: (text: string) => string,
): string[] {
  const good = origin.verdict === 'same' || origin.verdict === 'same-as-next-boot';
  const verdict = good ? style.good(VERDICT[origin.verdict]) : style.warn(VERDICT[origin.verdict]);
  const lines = [`  /etc/nixos ${verdict}: ${safe(origin.summary)}`];
  for (const c of origin.checks)
    lines.push(`    ${c.done ? 'checked' : style.dim('not checked')} ${c.name}: ${safe(c.text)}`);
  return lines;
}
