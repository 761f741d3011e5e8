// A stand-in for Electron's WebContents in the security specs: it records listeners and the
// window-open handler, and emits navigation events the way Electron does (an event with url and
// preventDefault).
import { EventEmitter } from 'node:events';
import type { WebContents } from 'electron';

export interface NavigationEvent {
  url: string;
  defaultPrevented: boolean;
  preventDefault(): void;
}

export class FakeWebContents extends EventEmitter {
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  url = 'cohabit://app/index.html';

  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }

  getURL(): string {
    return this.url;
  }

  /** Emits `name` as Electron would; returns whether a listener prevented it. */
  navigate(name: string, url: string): boolean {
    const event: NavigationEvent = {
      url,
      defaultPrevented: false,
      preventDefault() {
        this.defaultPrevented = true;
      },
    };
    this.emit(name, event, url);
    return event.defaultPrevented;
  }

  get asWebContents(): WebContents {
    return this as unknown as WebContents;
  }
}
