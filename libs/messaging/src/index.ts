export * from './kafka';
export * from './producer';
export * from './dead-letter';
export * from './identity-tail';
export * from './trace-context';
export * from './partitioner';
export * from './record-encoder';
