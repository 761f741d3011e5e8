// The theme the user chose in the app (system, light or dark), remembered in this origin's
// localStorage and set on <html> as data-theme, which theme.css reads.
export type ThemeChoice = 'system' | 'light' | 'dark';
export const THEME_CHOICES: { id: ThemeChoice; label: string }[] = [
  { id: 'system', label: 'Same as the system' },
  { id: 'light', label: 'Light' },
  { id: 'dark', label: 'Dark' },
];
const KEY = 'cohabit.theme';

function stored(storage: Storage | null): ThemeChoice {
  let value: string | null = null;
  try {
    value = storage?.getItem(KEY) ?? null;
  } catch {
    // Storage can be refused (a locked-down profile): the system's theme then.
  }
  return value === 'light' || value === 'dark' ? value : 'system';
}

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

function apply(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
}

class Theme {
  choice = $state<ThemeChoice>('system');

  /** Reads the remembered choice and applies it; call before the app is mounted (no flash). */
  load(): void {
    this.choice = stored(storage());
    apply(this.choice);
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    apply(choice);
    try {
      const s = storage();
      if (choice === 'system') s?.removeItem(KEY);
      else s?.setItem(KEY, choice);
    } catch {
      // Not remembered, still applied.
    }
  }
}

export const theme = new Theme();
