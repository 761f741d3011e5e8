// What the backend says about itself, asked once at start: its version and where its log is, so
// an error panel can name the file that keeps what the panel leaves out.
import type { CohabitApi } from '../../../shared/api/contract';

class AppAbout {
  version = $state<string | null>(null);
  logPath = $state<string | null>(null);

  async load(api: CohabitApi): Promise<void> {
    try {
      const about = await api.call('app:about', {});
      this.version = about.version;
      this.logPath = about.logPath;
    } catch {
      // An older backend, or one that cannot answer: the panels then name no log.
    }
  }
}

export const appAbout = new AppAbout();
