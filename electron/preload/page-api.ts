// window.cohabit as the page sees it, built in the page's own world from the bridge: it throws
// real errors carrying code and message, and honours AbortSignals, which cannot cross the bridge.
import type { CohabitApi } from '../../shared/api/contract';
import type { CohabitBridge } from './cohabit-api';

interface ApiTarget {
  cohabit?: CohabitApi;
}

/**
 * Defines `cohabit` on `target` (default: the page's window). It runs in the main world through
 * contextBridge.executeInMainWorld, which serialises it: it must stay self-contained, using only
 * its arguments and JavaScript built-ins (no imports, no helpers, no closures).
 */
export function installPageApi(bridge: CohabitBridge, target?: ApiTarget): void {
  const api: CohabitApi = {
    async call(channel, request) {
      const answer = await bridge.call(channel, request);
      if (answer.ok) return answer.value as never;
      const error = new Error(answer.error.message);
      error.name = 'CohabitCallError';
      throw Object.assign(error, answer.error);
    },
    on(channel, listener, signal) {
      if (signal.aborted) return;
      const unsubscribe = bridge.subscribe(channel, listener as (payload: unknown) => void);
      signal.addEventListener('abort', () => unsubscribe(), { once: true });
    },
  };
  Object.defineProperty(target ?? globalThis, 'cohabit', {
    value: Object.freeze(api),
    enumerable: true,
    configurable: false,
    writable: false,
  });
}
