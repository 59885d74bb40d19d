// Runs src/worker/entry.ts in a worker_threads worker under tsx (the package ships
// dist/worker/entry.js; the tests exercise the source).
import { register } from 'tsx/esm/api';

register();
await import('../../src/worker/entry.ts');
