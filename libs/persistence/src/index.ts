export * from './database';
export * from './data-source';
