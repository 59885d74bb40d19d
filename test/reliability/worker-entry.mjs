// A worker_threads worker for concurrency.test.ts: runs worker-run.ts under tsx.
import { register } from 'tsx/esm/api';

register();
await import('./worker-run.ts');
