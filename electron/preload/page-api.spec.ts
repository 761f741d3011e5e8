import { runInNewContext } from 'node:vm';
import { describe, expect, it, vi } from 'vitest';
import type { CohabitApi, Envelope } from '../../shared/api/contract';
import type { CohabitBridge } from './cohabit-api';
import { installPageApi } from './page-api';

const DEMO_INFO = {
  source: 'demo' as const,
  description: 'the demo machine',
  localAvailable: false,
};

function fakeBridge(answer: Envelope<unknown>) {
  const listeners = new Set<(payload: unknown) => void>();
  const bridge: CohabitBridge = {
    call: vi.fn(() => Promise.resolve(answer)),
    subscribe: (_channel, listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const emit = (payload: unknown) => {
    for (const l of listeners) l(payload);
  };
  return { bridge, listeners, emit };
}

/** installPageApi as executeInMainWorld runs it: from its source text, in another realm. */
function fromSource(): typeof installPageApi {
  return runInNewContext(`(${installPageApi.toString()})`) as typeof installPageApi;
}

describe('window.cohabit in the page', () => {
  for (const [how, install] of [
    ['as written', installPageApi],
    ['from its serialised source', fromSource()],
  ] as const) {
    it(`has exactly call and on, frozen and not replaceable (${how})`, () => {
      const page: { cohabit?: CohabitApi } = {};
      install(fakeBridge({ ok: true, value: DEMO_INFO }).bridge, page);
      expect(Object.keys(page)).toEqual(['cohabit']);
      expect(Object.keys(page.cohabit ?? {}).sort()).toEqual(['call', 'on']);
      expect(Object.isFrozen(page.cohabit)).toBe(true);
      expect(() => {
        (page as Record<string, unknown>).cohabit = {};
      }).toThrow(TypeError);
    });

    it(`throws an error carrying the backend code and message (${how})`, async () => {
      const page: { cohabit?: CohabitApi } = {};
      const error = {
        code: 'forbidden' as const,
        message: 'This session shows a recorded machine only',
      };
      install(fakeBridge({ ok: false, error }).bridge, page);
      const failure = await page.cohabit
        ?.call('machine:select', { source: 'local' })
        .catch((e: unknown) => e);
      // An Error of the realm it ran in (the page's, under Electron).
      expect(Object.prototype.toString.call(failure)).toBe('[object Error]');
      expect(failure).toMatchObject({ name: 'CohabitCallError', ...error });
    });

    it(`stops delivering events when the signal aborts (${how})`, () => {
      const page: { cohabit?: CohabitApi } = {};
      const { bridge, listeners, emit } = fakeBridge({ ok: true, value: null });
      install(bridge, page);
      const seen: unknown[] = [];
      const controller = new AbortController();
      page.cohabit?.on('machine:changed', (p) => seen.push(p), controller.signal);
      emit(DEMO_INFO);
      controller.abort();
      emit(DEMO_INFO);
      expect(seen).toEqual([DEMO_INFO]);
      expect(listeners.size).toBe(0);
      page.cohabit?.on('machine:changed', (p) => seen.push(p), controller.signal);
      expect(listeners.size).toBe(0);
    });
  }

  it('returns the value of a successful call', async () => {
    const page: { cohabit?: CohabitApi } = {};
    installPageApi(fakeBridge({ ok: true, value: DEMO_INFO }).bridge, page);
    expect(await page.cohabit?.call('machine:info', {})).toEqual(DEMO_INFO);
  });
});
