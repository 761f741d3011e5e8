// Keeps the layout being drawn with the backend (per machine), so a reload, a restart or a crash
// brings it back: restores it when a machine's inventory arrives, saves each change shortly after
// it is made, discards on request, and says whether leaving now would lose the last change.
import type { CohabitApi } from '../../../shared/api/contract';
import type { Layout } from '../../../shared/model/layout';
import { emptyLayout } from '../../../shared/model/layout';
import { toApiCallError } from '../api/api-error';
import { layoutSession } from './layout-session.svelte';
import { startHistory } from './layout-store';

/** Long enough to make one save of a burst of typing, short enough that a crash loses little. */
export const SAVE_DELAY_MS = 400;

export interface RestoredDraft {
  savedAt: string;
  /** Labels of the systems whose password hash must be entered again (hashes are never kept). */
  needHash: string[];
}

class DraftKeeper {
  /** False until the machine's draft has been asked for: the editor waits, so it starts from it. */
  checked = $state(false);
  restored = $state.raw<RestoredDraft | null>(null);
  /** Bumped whenever the layout is replaced from outside the editor, so the editor starts again. */
  generation = $state(0);
  /** `pending`: a change not yet kept; `failed`: the backend could not keep it (why in `error`). */
  status = $state<'kept' | 'pending' | 'failed'>('kept');
  error = $state<string | null>(null);

  private api: CohabitApi | null = null;
  private pool: string | null = null;
  private machine: string | null = null;
  private lastKept: string | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;

  /**
   * Asks the backend for this machine's draft and makes it the layout being drawn, once per
   * machine shown: reading the same machine again (Refresh) keeps what is being drawn, with its
   * undo history and the password hashes typed since.
   */
  async restore(api: CohabitApi, machine: string, pool: string | null): Promise<void> {
    if (this.api === api && this.machine === machine && this.pool === pool) return;
    this.api = api;
    this.machine = machine;
    this.pool = pool;
    this.cancelPending();
    const seq = ++this.seq;
    this.checked = false;
    this.restored = null;
    let layout: Layout | null = null;
    let savedAt = '';
    try {
      const { draft } = await api.call('draft:load', {});
      if (draft !== null && draft.layout.pool === pool) {
        layout = draft.layout;
        savedAt = draft.savedAt;
      }
    } catch (e) {
      // No draft is no reason to keep the editor shut; the next save says if keeping fails.
      this.error = toApiCallError(e).message;
    }
    if (seq !== this.seq) return;
    layoutSession.history = layout === null ? null : startHistory(layout);
    this.lastKept = JSON.stringify(layout ?? (pool === null ? null : emptyLayout(pool)));
    if (layout !== null)
      this.restored = {
        savedAt,
        needHash: layout.systems.filter((s) => s.user.passwordHash === '').map((s) => s.label),
      };
    this.status = 'kept';
    this.generation++;
    this.checked = true;
  }

  /** Called with every layout the editor shows; keeps it a moment later if it changed. */
  changed(layout: Layout | null): void {
    if (!this.checked || this.api === null || layout === null) return;
    const text = JSON.stringify(layout);
    if (text === this.lastKept) {
      if (this.status === 'pending') this.status = 'kept';
      this.cancelPending();
      return;
    }
    this.status = 'pending';
    this.cancelPending();
    this.timer = setTimeout(() => void this.keep(layout, text), SAVE_DELAY_MS);
  }

  /** Forgets the draft (here and in the backend) and starts from an empty layout. */
  async discard(): Promise<void> {
    this.cancelPending();
    this.restored = null;
    const empty = this.pool === null ? null : emptyLayout(this.pool);
    layoutSession.history = empty === null ? null : startHistory(empty);
    this.lastKept = JSON.stringify(empty);
    this.generation++;
    if (this.api === null) return;
    try {
      await this.api.call('draft:save', { layout: null });
      this.status = 'kept';
      this.error = null;
    } catch (e) {
      this.status = 'failed';
      this.error = toApiCallError(e).message;
    }
  }

  dismissNotice(): void {
    this.restored = null;
  }

  /** Whether closing the page now would lose a change. */
  unsaved(): boolean {
    return this.status !== 'kept';
  }

  private async keep(layout: Layout, text: string): Promise<void> {
    this.timer = null;
    const api = this.api;
    if (api === null) return;
    const seq = this.seq;
    // An empty layout is no draft: keeping it would greet the next visit with "restored".
    const empty = JSON.stringify(emptyLayout(layout.pool)) === text;
    try {
      await api.call('draft:save', { layout: empty ? null : layout });
      if (seq !== this.seq) return;
      this.lastKept = text;
      this.error = null;
      // Another change may have come while this one was on its way.
      if (this.timer === null) this.status = 'kept';
    } catch (e) {
      if (seq !== this.seq) return;
      this.status = 'failed';
      this.error = toApiCallError(e).message;
    }
  }

  private cancelPending(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

export const draftKeeper = new DraftKeeper();
