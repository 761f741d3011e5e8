// The sandboxed preload: gives the page window.cohabit (the api contract) and nothing else.
// Bundled into one CommonJS file, because a sandboxed preload can require only `electron`.
import { contextBridge, ipcRenderer } from 'electron';
import { createCohabitBridge } from './cohabit-api';
import type { CohabitBridge } from './cohabit-api';
import { installPageApi } from './page-api';

/** Two plain functions: contextBridge copies data and proxies functions, nothing more. */
export function bridgeForPage(bridge: CohabitBridge): CohabitBridge {
  return {
    call: (channel, request) => bridge.call(channel, request),
    subscribe: (channel, listener) => bridge.subscribe(channel, listener),
  };
}

/**
 * Electron 35+ can run installPageApi in the page's world, so the page gets the exact contract.
 * Older runtimes (a distribution's electron) get a bridged object with the same two members;
 * there an AbortSignal cannot cross, so `on` also returns its unsubscribe function.
 */
export function exposeCohabitApi(bridge: CohabitBridge): void {
  const crossing = bridgeForPage(bridge);
  if (typeof contextBridge.executeInMainWorld === 'function') {
    contextBridge.executeInMainWorld({
      func: installPageApi,
      args: [crossing],
    });
    return;
  }
  contextBridge.exposeInMainWorld('cohabit', {
    call: async (channel: string, request: unknown) => {
      const answer = await crossing.call(channel, request);
      if (answer.ok) return answer.value;
      // Only the message survives the bridge, so the code leads it.
      throw new Error(`${answer.error.code}: ${answer.error.message}`);
    },
    on: (channel: string, listener: (payload: unknown) => void, signal?: unknown) => {
      const unsubscribe = crossing.subscribe(channel, listener);
      if (signal instanceof AbortSignal) {
        if (signal.aborted) unsubscribe();
        else signal.addEventListener('abort', unsubscribe, { once: true });
      }
      return unsubscribe;
    },
  });
}

exposeCohabitApi(createCohabitBridge(ipcRenderer));
