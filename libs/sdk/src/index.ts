// @idstream/sdk: the client SDK for web, React Native and Node (≥ 20). No dependency beyond the
// platform (fetch, crypto.getRandomValues, timers). Node's file storage is in '@idstream/sdk/node'.
export { Idstream, type IdstreamOptions } from './idstream';
export { IdstreamError, type IdstreamErrorKind, type Problem } from './errors';
export { ClientSessionEndReason, type ClientStateListener } from './session/session-end';
export { memoryStorage, localStorageAdapter, asyncKeyValueStorage, type KeyValueStorage } from './storage/storage';
export type { ClientApi } from './client/client';
export type { Tracker, TrackerStats, FlushResult } from './tracker/tracker';
export type * from './client/client.types';
export type { FetchLike, ResponseLike, RequestInitLike, Timers } from './platform';
