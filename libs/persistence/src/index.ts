export * from './database';
export * from './data-source';
export * from './postgres-errors';
export * from './query-logger';
