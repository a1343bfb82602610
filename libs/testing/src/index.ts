export * from './database.fixture';
export * from './kafka.fixture';
export * from './process.fixture';
