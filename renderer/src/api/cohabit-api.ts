// Picks the backend the renderer talks to: Electron's preload (`window.cohabit`) when present,
// else browser mode's HTTP. Either way every answer is parsed against the contract here.
import type {
  CallChannel,
  CallRequest,
  CallResponse,
  CohabitApi,
  EventChannel,
  EventPayload,
} from '../../../shared/api/contract';
import { parseEvent, parseResponse } from '../../../shared/api/contract';
import { toApiCallError } from './api-error';
import { takeBrowserToken } from './browser-token';
import { createHttpApi } from './http-api';

declare global {
  interface Window {
    cohabit?: CohabitApi;
  }
}

/** Wraps the preload's object so that its answers are parsed and its errors carry code and message. */
export function parsingApi(inner: CohabitApi): CohabitApi {
  return {
    async call<C extends CallChannel>(
      channel: C,
      request: CallRequest<C>,
    ): Promise<CallResponse<C>> {
      try {
        return parseResponse(channel, await inner.call(channel, request));
      } catch (error) {
        throw toApiCallError(error);
      }
    },
    on<E extends EventChannel>(
      channel: E,
      listener: (payload: EventPayload<E>) => void,
      signal: AbortSignal,
    ): void {
      inner.on(
        channel,
        (payload) => {
          try {
            listener(parseEvent(channel, payload));
          } catch {
            // A malformed event is dropped; the next refresh reads the truth.
          }
        },
        signal,
      );
    },
  };
}

export function connectApi(): CohabitApi {
  if (window.cohabit !== undefined) return parsingApi(window.cohabit);
  const token = takeBrowserToken({
    location: window.location,
    history: window.history,
    storage: window.sessionStorage,
  });
  return createHttpApi({ token });
}
