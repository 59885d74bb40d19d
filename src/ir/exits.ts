// The early-exit structure of a multi-exit graph (DESIGN.md, Early exit): a chain of
// stages; after stage i an exit with a head (nodes only exit i needs) and optionally a
// predictor (nodes only predict i needs). Found from the graph outputs `exit0 … exitN`
// (logits, shallow to deep) and `predict0 …`.
import { BranchyFormatError } from '../errors.js';
import { producers, topoSort } from './graph.js';
import { nodeMacs } from './macs.js';
import type { Graph } from './types.js';

export interface ExitCosts {
  /** MACs of the stage that ends at this exit, of its head, of its predictor. */
  stage: number;
  head: number;
  predictor: number;
}

export interface ExitSpec {
  /** The graph output holding this exit's logits. */
  output: string;
  /** Node names of the head, in execution order (may be empty: the stage ends in logits). */
  head: string[];
  /** The predictor: its output (one logit: "this exit will be confident") and its nodes. */
  predictor?: { output: string; nodes: string[] };
  /** Default thresholds, written by calibration. */
  thresholds?: { entropy?: number; maxprob?: number; predictor?: number };
  macs: ExitCosts;
  /** Milliseconds measured on the machine that calibrated the file (one sample, simd build). */
  timeMs?: ExitCosts;
}

export interface ExitPlan {
  /** Node names of each stage, in execution order; stage i ends where exit i reads. */
  stages: string[][];
  exits: ExitSpec[];
}

const EXIT = /^exit(\d+)$/;
const PREDICT = /^predict(\d+)$/;

/** Whether the graph's outputs name exits (exit0, exit1, …). */
export function isMultiExit(graph: Graph): boolean {
  return graph.outputs.some((o) => EXIT.test(o));
}

/** The nodes each output needs (its ancestors), by name. */
function ancestors(graph: Graph, output: string): Set<string> {
  const prod = producers(graph);
  const seen = new Set<string>();
  const stack = [output];
  while (stack.length) {
    const t = stack.pop()!;
    const n = prod.get(t);
    if (!n || seen.has(n.name)) continue;
    seen.add(n.name);
    stack.push(...n.inputs);
  }
  return seen;
}

/**
 * Split a multi-exit graph into stages, heads and predictors. A node belongs to the head
 * of exit i when only exit i needs it; to stage i when exit i and a deeper exit need it
 * and no earlier stage has it. Throws BranchyFormatError when the outputs are not a
 * proper chain (missing exit numbers, a predictor without its exit).
 */
export function findExits(graph: Graph): ExitPlan {
  const exits = graph.outputs.filter((o) => EXIT.test(o)).sort((a, b) => Number(EXIT.exec(a)![1]) - Number(EXIT.exec(b)![1]));
  exits.forEach((o, i) => {
    if (o !== `exit${i}`) throw new BranchyFormatError(`exit outputs must be exit0 … exitN without gaps; found ${exits.join(', ')}`);
  });
  if (exits.length < 1) throw new BranchyFormatError('no exit outputs (exit0 … exitN) in this graph');
  const preds = graph.outputs.filter((o) => PREDICT.test(o));
  for (const p of preds) {
    const i = Number(PREDICT.exec(p)![1]);
    if (i >= exits.length - 1) throw new BranchyFormatError(`output ${p} predicts exit ${i}, which is not an early exit (exits: ${exits.join(', ')})`);
  }
  const order = topoSort(graph).map((n) => n.name);
  const need = exits.map((o) => ancestors(graph, o));
  const predNeed = new Map(preds.map((p) => [Number(PREDICT.exec(p)![1]), ancestors(graph, p)]));
  const assigned = new Set<string>();
  const stages: string[][] = [];
  const heads: string[][] = [];
  for (let i = 0; i < exits.length; i++) {
    const deeper = new Set<string>();
    for (let j = i + 1; j < exits.length; j++) for (const n of need[j]) deeper.add(n);
    const last = i === exits.length - 1;
    // The last stage takes everything the final exit needs; a head is what only its exit needs.
    const stage = order.filter((n) => !assigned.has(n) && need[i].has(n) && (last || deeper.has(n)));
    stage.forEach((n) => assigned.add(n));
    stages.push(stage);
    const head = last ? [] : order.filter((n) => !assigned.has(n) && need[i].has(n) && !deeper.has(n));
    head.forEach((n) => assigned.add(n));
    heads.push(head);
  }
  const specs: ExitSpec[] = exits.map((output, i) => {
    const spec: ExitSpec = { output, head: heads[i], macs: { stage: 0, head: 0, predictor: 0 } };
    const pn = predNeed.get(i);
    if (pn) {
      const nodes = order.filter((n) => pn.has(n) && !assigned.has(n));
      for (const n of pn) {
        if (heads[i].includes(n)) throw new BranchyFormatError(`predictor predict${i} shares node '${n}' with the head of exit${i}; a predictor must read only the stage output`);
        if (stages.slice(i + 1).some((s) => s.includes(n))) throw new BranchyFormatError(`predictor predict${i} needs node '${n}' of a later stage`);
      }
      nodes.forEach((n) => assigned.add(n));
      spec.predictor = { output: `predict${i}`, nodes };
    }
    return spec;
  });
  const unused = order.filter((n) => !assigned.has(n));
  if (unused.length) {
    throw new BranchyFormatError(`nodes ${unused.slice(0, 5).join(', ')} feed no exit or predictor; remove them or name the outputs exit0 … exitN / predict0 …`);
  }
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const infos = new Map(graph.tensors.map((t) => [t.name, t]));
  const cost = (names: string[]) => names.reduce((a, n) => a + nodeMacs(graph, byName.get(n)!, infos), 0);
  specs.forEach((s, i) => (s.macs = { stage: cost(stages[i]), head: cost(s.head), predictor: s.predictor ? cost(s.predictor.nodes) : 0 }));
  return { stages, exits: specs };
}

/** Node names in execution order: stage 0, predictor 0, head 0, stage 1, … */
export function exitOrder(plan: ExitPlan): string[] {
  const out: string[] = [];
  plan.stages.forEach((s, i) => {
    out.push(...s);
    const e = plan.exits[i];
    if (e.predictor) out.push(...e.predictor.nodes);
    out.push(...e.head);
  });
  return out;
}

/** Check a stored plan against the graph: the same partition the graph implies. */
export function checkExitPlan(graph: Graph, plan: ExitPlan): void {
  const derived = findExits(graph);
  const same = (a: string[][], b: string[][]) => JSON.stringify(a) === JSON.stringify(b);
  const outputs = (p: ExitPlan) => p.exits.map((e) => [e.output, e.predictor?.output ?? '']);
  if (!same(plan.stages, derived.stages) || !same(plan.exits.map((e) => e.head), derived.exits.map((e) => e.head)) ||
    !same(plan.exits.map((e) => e.predictor?.nodes ?? []), derived.exits.map((e) => e.predictor?.nodes ?? [])) ||
    !same(outputs(plan), outputs(derived))) {
    throw new BranchyFormatError('graph.exits does not match the stages and heads the graph implies; re-run branchy convert');
  }
}
