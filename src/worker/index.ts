// Running models off the main thread (browser Web Workers, Node worker_threads).
export { loadInWorker, WorkerModel } from './client.js';
export type { WorkerLoadOptions, WorkerRunOptions } from './client.js';
export { createPool } from './pool.js';
export type { Pool, PoolOptions } from './pool.js';
export { defaultWorkerUrl } from './endpoint.js';
