// IPC handlers: one per contract call channel. Each checks that the call comes from the main frame
// of our window on the app's origin, parses the request, asks the backend and answers with the
// envelope; nothing is ever thrown across IPC. Backend events go to the window on one channel.
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { CALL_CHANNELS, parseRequest } from '../../shared/api/contract';
import type { CallChannel, Envelope } from '../../shared/api/contract';
import type { Backend } from '../backend/backend';
import { envelope } from '../backend/envelope';
import { IPC_EVENT_CHANNEL } from '../preload/ipc-names';

export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

/**
 * True when the call comes from the top frame of `window` showing an app URL: not a subframe,
 * not another window, not a page that navigated elsewhere.
 */
export function isTrustedSender(
  event: IpcMainInvokeEvent,
  window: BrowserWindow | null,
  isAppUrl: (url: string) => boolean,
): boolean {
  const frame = event.senderFrame;
  if (frame === null || window === null || window.isDestroyed()) return false;
  const contents = window.webContents;
  if (event.sender !== contents) return false;
  const main = contents.mainFrame;
  if (frame.parent !== null) return false;
  if (frame.processId !== main.processId || frame.routingId !== main.routingId) return false;
  return isAppUrl(frame.url);
}

export async function handleCall(
  backend: Backend,
  channel: CallChannel,
  request: unknown,
  trusted: boolean,
): Promise<Envelope<unknown>> {
  if (!trusted) {
    return {
      ok: false,
      error: {
        code: 'forbidden-sender',
        message: `${channel}: refused, the call did not come from the Cohabit window.`,
      },
    };
  }
  return envelope<unknown>(
    () => {
      const parsed = parseRequest(channel, request);
      return backend.handlers[channel](parsed);
    },
    backend.log === null ? undefined : { to: backend.log, channel },
  );
}

/** Registers every call channel; returns the function that removes them again. */
export function registerIpcHandlers(
  ipcMain: IpcMain,
  backend: Backend,
  isTrusted: SenderCheck,
): () => void {
  for (const channel of CALL_CHANNELS) {
    ipcMain.handle(channel, (event, request: unknown) =>
      handleCall(backend, channel, request, isTrusted(event)),
    );
  }
  return () => {
    for (const channel of CALL_CHANNELS) ipcMain.removeHandler(channel);
  };
}

/** Sends each backend event to `contents` until the returned function is called. */
export function forwardEvents(backend: Backend, contents: WebContents): () => void {
  return backend.subscribe((channel, payload) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, channel, payload);
  });
}
