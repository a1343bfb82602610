export * from './broker.fixture';
export * from './database.fixture';
export * from './kafka.fixture';
export * from './process.fixture';
export * from './smtp.fixture';
export * from './system.fixture';
export * from './secrets.scanner';
export * from './topic-scan';
