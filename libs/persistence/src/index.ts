export * from './database';
export * from './data-source';
export * from './database.module';
export * from './outbox';
export * from './outbox.relay';
export * from './consumer-store';
export * from './idempotent-consumer';
