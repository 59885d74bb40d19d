// The graph IR (docs/ir.md). Browser-safe: no protobuf, no node: modules.
export * from './types.js';
export { OPS, OP_TYPES, FUSES_ACTIVATION, opDef } from './ops/index.js';
export { checkNode, inferNode, windowOut } from './shapes.js';
export {
  allocate, bytesPerElement, consumers, producers, storageOf, tensorMap, topoSort, validateGraph,
} from './graph.js';
export type { ValidateOptions } from './graph.js';
export { nodeMacs } from './macs.js';
export { findExits, exitOrder, checkExitPlan, isMultiExit } from './exits.js';
export type { ExitPlan, ExitSpec, ExitCosts } from './exits.js';
