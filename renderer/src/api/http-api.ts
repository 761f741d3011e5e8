// CohabitApi over browser mode's HTTP: calls are POSTs answered with the error envelope, events
// come from one EventSource shared by every subscriber. Everything received is parsed against
// the contract before the UI sees it.
import * as v from 'valibot';
import type {
  CallChannel,
  CallRequest,
  CallResponse,
  CohabitApi,
  EventChannel,
  EventPayload,
} from '../../../shared/api/contract';
import { EnvelopeSchema, parseEvent, parseResponse } from '../../../shared/api/contract';
import { ApiCallError, toApiCallError } from './api-error';

export interface EventSourceLike {
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  removeEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  close(): void;
}

export interface HttpApiOptions {
  token: string | null;
  /** Origin and path prefix of the server; '' means the page's own origin. */
  base?: string;
  fetch?: typeof fetch;
  openEvents?: (url: string) => EventSourceLike;
  /** Where a malformed event is reported (the UI keeps running). */
  onEventError?: (error: ApiCallError) => void;
}

export function createHttpApi(options: HttpApiOptions): CohabitApi {
  const base = options.base ?? '';
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  const openEvents = options.openEvents ?? ((url: string) => new EventSource(url));
  let source: EventSourceLike | null = null;
  let subscribers = 0;

  async function call<C extends CallChannel>(
    channel: C,
    request: CallRequest<C>,
  ): Promise<CallResponse<C>> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/json',
    };
    if (options.token !== null) headers.Authorization = `Bearer ${options.token}`;
    let response: Response;
    try {
      response = await doFetch(`${base}/api/call/${channel}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(request),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiCallError(
        'unreachable',
        'The Cohabit server does not answer. Is `cohabit serve` still running?',
      );
    }
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw new ApiCallError(
        'bad-response',
        `${channel}: the server answered HTTP ${response.status} without a JSON envelope.`,
      );
    }
    const envelope = v.safeParse(EnvelopeSchema, body);
    if (!envelope.success)
      throw new ApiCallError(
        'bad-response',
        `${channel}: the server's answer is not an envelope (HTTP ${response.status}).`,
      );
    const result = envelope.output;
    if (!result.ok)
      throw new ApiCallError(result.error.code, result.error.message, result.error.detail);
    try {
      return parseResponse(channel, result.value);
    } catch (error) {
      throw toApiCallError(error);
    }
  }

  function on<E extends EventChannel>(
    channel: E,
    listener: (payload: EventPayload<E>) => void,
    signal: AbortSignal,
  ): void {
    if (signal.aborted) return;
    const tokenQuery = options.token === null ? '' : `?token=${encodeURIComponent(options.token)}`;
    source ??= openEvents(`${base}/api/events${tokenQuery}`);
    const events = source;
    subscribers += 1;
    const handler = (event: MessageEvent<string>) => {
      let payload: EventPayload<E>;
      try {
        payload = parseEvent(channel, JSON.parse(event.data));
      } catch (error) {
        options.onEventError?.(toApiCallError(error));
        return;
      }
      listener(payload);
    };
    events.addEventListener(channel, handler);
    signal.addEventListener(
      'abort',
      () => {
        events.removeEventListener(channel, handler);
        subscribers -= 1;
        if (subscribers === 0 && source === events) {
          events.close();
          source = null;
        }
      },
      { once: true },
    );
  }

  return { call, on };
}
