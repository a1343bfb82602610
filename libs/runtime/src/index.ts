export * from './env';
export * from './json-logger';
export * from './health';
export * from './metrics';
export * from './bootstrap';
export * from './infrastructure.module';
export * from './jwks-loader';
export * from './redaction';
