// LiteRT.js in Node, one thread: the harness lives with the peer benchmarks (one module for
// both); see bench/peers/litert.mts for the Node shim and the two ways to run a model.
export * from '../../bench/peers/litert.mjs';
