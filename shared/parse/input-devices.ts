// Parser for /proc/bus/input/devices: which input devices are real keyboards and mice, so that the
// USB controller behind the keyboard in use is never handed to a VM.
import { ParseError } from '../model/errors';

export interface InputDevice {
  name: string;
  sysfsPath: string | null;
  handlers: string[];
  isKeyboard: boolean;
  isMouse: boolean;
}

const FORMAT = '/proc/bus/input/devices';
const EV_KEY = 1;
const EV_REP = 20;
const KEY_Q = 16;
const KEY_A = 30;

/**
 * The low 32 bits of a bitmap. Words are the kernel's `long`, most significant first, so the last word
 * holds bit 0 whatever the word size; every bit we test is below 32.
 */
function lowBits(bitmap: string, lineNo: number): number {
  const words = bitmap.trim().split(/\s+/);
  const last = words[words.length - 1] ?? '';
  if (!words.every((w) => /^[0-9a-fA-F]{1,16}$/.test(w))) {
    throw new ParseError(FORMAT, `bad bitmap "${bitmap.slice(0, 40)}"`, lineNo);
  }
  return Number.parseInt(last.slice(-8), 16);
}

const hasBit = (bits: number, n: number) => ((bits >>> n) & 1) === 1;

interface Draft {
  name: string | null;
  sysfsPath: string | null;
  handlers: string[];
  ev: number;
  key: number;
  firstLine: number;
}

function finish(d: Draft): InputDevice {
  if (d.name === null) throw new ParseError(FORMAT, 'device without an N: Name line', d.firstLine);
  const kbd = d.handlers.includes('kbd');
  return {
    name: d.name,
    sysfsPath: d.sysfsPath,
    handlers: d.handlers,
    // Power buttons and the Consumer/System Control interfaces of a keyboard have a kbd handler too,
    // but no autorepeat or no letter keys.
    isKeyboard:
      kbd &&
      hasBit(d.ev, EV_KEY) &&
      hasBit(d.ev, EV_REP) &&
      hasBit(d.key, KEY_Q) &&
      hasBit(d.key, KEY_A),
    isMouse: d.handlers.some((h) => /^mouse\d+$/.test(h)),
  };
}

export function parseInputDevices(text: string): InputDevice[] {
  const devices: InputDevice[] = [];
  let draft: Draft | null = null;
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = (lines[n] ?? '').replace(/\r$/, '');
    if (line.trim() === '') {
      if (draft) devices.push(finish(draft));
      draft = null;
      continue;
    }
    const m = /^([A-Z]): ?(.*)$/.exec(line);
    if (!m) throw new ParseError(FORMAT, `unexpected line "${line.slice(0, 40)}"`, n + 1);
    draft ??= { name: null, sysfsPath: null, handlers: [], ev: 0, key: 0, firstLine: n + 1 };
    const rest = m[2] ?? '';
    switch (m[1]) {
      case 'N': {
        const q = /^Name="(.*)"\s*$/.exec(rest);
        if (!q) throw new ParseError(FORMAT, 'malformed N: line', n + 1);
        draft.name = q[1] ?? '';
        break;
      }
      case 'S': {
        const path = rest.startsWith('Sysfs=') ? rest.slice('Sysfs='.length).trim() : '';
        draft.sysfsPath = path === '' ? null : path;
        break;
      }
      case 'H': {
        if (!rest.startsWith('Handlers=')) throw new ParseError(FORMAT, 'malformed H: line', n + 1);
        draft.handlers = rest
          .slice('Handlers='.length)
          .split(/\s+/)
          .filter((h) => h !== '');
        break;
      }
      case 'B': {
        const eq = rest.indexOf('=');
        if (eq === -1) throw new ParseError(FORMAT, 'malformed B: line', n + 1);
        const kind = rest.slice(0, eq);
        if (kind === 'EV') draft.ev = lowBits(rest.slice(eq + 1), n + 1);
        else if (kind === 'KEY') draft.key = lowBits(rest.slice(eq + 1), n + 1);
        break;
      }
      default:
        // I: (ids), P: (phys), U: (uniq) and future letters carry nothing we use.
        break;
    }
  }
  if (draft) devices.push(finish(draft));
  return devices;
}
