export * from './kafka';
export * from './producer';
export * from './outbox';
export * from './outbox.relay';
export * from './consumer-store';
export * from './idempotent-consumer';
export * from './dead-letter';
export * from './identity-tail';
