// The bridge behind window.cohabit: the api contract over ipcRenderer, run in the preload's
// isolated world. Channel names are checked against the contract and responses and event payloads
// parsed here; every failure comes back as the contract's error envelope, never half-formed data.
import type { IpcRenderer, IpcRendererEvent } from 'electron';
import * as v from 'valibot';
import {
  EnvelopeSchema,
  events,
  isCallChannel,
  parseEvent,
  parseResponse,
} from '../../shared/api/contract';
import type { ApiError, Envelope, EventChannel } from '../../shared/api/contract';
import type { ApiErrorCode } from '../../shared/api/error-codes';
import { IPC_EVENT_CHANNEL } from './ipc-names';

/**
 * What crosses contextBridge. Only plain data and functions survive the crossing (an Error keeps
 * its message only, an AbortSignal arrives as an empty object), so calls answer with the envelope
 * and subscriptions return their unsubscribe function; the page-side api turns these back into
 * thrown errors and AbortSignals.
 */
export interface CohabitBridge {
  call(channel: string, request: unknown): Promise<Envelope<unknown>>;
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
}

type IpcPort = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

function failure(code: ApiErrorCode, message: string, detail?: string): Envelope<never> {
  const error: ApiError = detail === undefined ? { code, message } : { code, message, detail };
  return { ok: false, error };
}

function isEventChannel(name: unknown): name is EventChannel {
  return typeof name === 'string' && Object.hasOwn(events, name);
}

export function createCohabitBridge(ipc: IpcPort): CohabitBridge {
  return {
    async call(channel, request) {
      if (!isCallChannel(channel)) return failure('unknown-channel', `no such call: ${channel}`);
      let raw: unknown;
      try {
        raw = await ipc.invoke(channel, request);
      } catch (error) {
        // invoke itself failed: no handler, or the request could not be cloned.
        return failure('ipc-failed', `${channel}: ${(error as Error).message}`);
      }
      const reply = v.safeParse(EnvelopeSchema, raw);
      if (!reply.success) return failure('bad-response', `${channel}: the answer was no envelope`);
      const answer = reply.output;
      if (!answer.ok) return { ok: false, error: answer.error };
      try {
        return { ok: true, value: parseResponse(channel, answer.value) };
      } catch (error) {
        return failure('bad-response', (error as Error).message);
      }
    },

    subscribe(channel, listener) {
      if (!isEventChannel(channel)) throw new Error(`unknown-channel: no such event: ${channel}`);
      const forward = (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
        if (name !== channel) return;
        let parsed: unknown;
        try {
          parsed = parseEvent(channel, payload);
        } catch (error) {
          // A malformed event is dropped rather than handed to the page half-formed.
          console.error(`cohabit: dropped event ${channel}:`, (error as Error).message);
          return;
        }
        listener(parsed);
      };
      ipc.on(IPC_EVENT_CHANNEL, forward);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        ipc.removeListener(IPC_EVENT_CHANNEL, forward);
      };
    },
  };
}
