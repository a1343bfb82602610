import { availableParallelism } from 'node:os';

// PBKDF2 runs on libuv's pool: size it to the cores before anything uses the pool. This
// module is imported first by main.ts, so it runs before any other module's top level.
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
