// The one IPC channel name that is not a contract call: backend events travel on it as
// (channel, payload). Shared by the main process and the preload.
export const IPC_EVENT_CHANNEL = 'event';
