export * from './ids';
export * from './topics';
export * from './envelope';
export * from './validation';
export * from './identity/identity.v1.events';
export type * as IdentityEnvelopes from './identity/identity.v1.envelopes';
export * from './rpc';
export * from './auth.rpc';
export * from './error-codes';
