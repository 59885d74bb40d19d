// The .branchy model file (safetensors + graph JSON). Browser-safe.
export { FORMAT_VERSION, parseGraph, readBranchy, writeBranchy } from './branchy.js';
export type { BranchyFile, WriteOptions } from './branchy.js';
export { readSafetensors, writeSafetensors } from './safetensors.js';
export type { SafeDType, SafeFile, SafeTensorEntry, SafeTensorIn } from './safetensors.js';
