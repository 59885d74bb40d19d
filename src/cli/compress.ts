// The compression passes behind `branchy convert` (--lowrank, --prune, --quant int8 --method
// ... --sequential): option parsing, a calibration callback backed by the runtime, and the
// per-layer report lines.
import { BranchyInputError } from '../errors.js';
import type { Graph, Weights } from '../ir/types.js';
import { fromGraph, type Model } from '../runtime/model.js';
import type { Observe } from '../convert/calib-error.js';
import { lowRankGraph, type LowRankRule } from '../convert/lowrank.js';
import { pruneGraph } from '../convert/prune.js';
import { quantizeGraph, QUANT_METHODS, type QuantMethod, type QuantizeResult } from '../convert/quantize.js';
import { Progress } from './progress.js';

/** `--prune 0.7` or `--prune 0.7,global`. */
export function parsePrune(s: string): { sparsity: number; scope: 'layer' | 'global' } {
  const [v, scope = 'layer', ...rest] = s.split(',').map((x) => x.trim());
  const sparsity = Number(v);
  if (rest.length || !(sparsity >= 0 && sparsity < 1) || (scope !== 'layer' && scope !== 'global')) {
    throw new BranchyInputError(`--prune wants SPARSITY[,global] with SPARSITY in [0, 1) (e.g. 0.7 or 0.7,global), got '${s}'`);
  }
  return { sparsity, scope };
}

/** `--lowrank energy:0.9` or `--lowrank macs:0.5`. */
export function parseLowRank(s: string): LowRankRule {
  const [kind, v] = s.split(':');
  const x = Number(v);
  if (kind === 'energy' && x > 0 && x <= 1) return { kind: 'energy', keep: x };
  if (kind === 'macs' && x > 0 && x < 1) return { kind: 'macs', ratio: x };
  throw new BranchyInputError(`--lowrank wants energy:F (kept energy, 0 < F <= 1) or macs:F (MACs of a split layer / before, 0 < F < 1), got '${s}'`);
}

export function parseMethod(s: string): QuantMethod {
  if (!(QUANT_METHODS as readonly string[]).includes(s)) throw new BranchyInputError(`--method wants ${QUANT_METHODS.join(', ')}, got '${s}'`);
  return s as QuantMethod;
}

/**
 * Runs whatever graph a pass hands it over the images, with the runtime (one compiled model per
 * graph). `layout`: the images' (data-set pixels are NCHW); default the model's own.
 */
export function runtimeObserve(images: Float32Array[] | Uint8Array[], label = 'calibrate', layout?: 'NCHW' | 'NHWC'): Observe {
  const models = new WeakMap<Graph, Model>();
  return async (visit, { graph, weights }) => {
    let m = models.get(graph);
    if (!m) models.set(graph, (m = await fromGraph(graph, weights, { keepIntermediates: true })));
    const bar = new Progress(label, images.length);
    images.forEach((img, i) => {
      m!.trace(img, visit, { layout });
      bar.tick(i + 1);
    });
    bar.end();
  };
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toPrecision(4));

export async function lowRankForCli(graph: Graph, weights: Weights, rule: LowRankRule, observe?: Observe) {
  const r = await lowRankGraph(graph, weights, { rule, observe });
  for (const l of r.layers) {
    console.log(`lowrank ${l.node} ${l.scheme}${l.scheme === 'kept' ? ` (${l.why})` : ` rank ${l.rank}/${l.fullRank} energy ${fmt(l.energy)}`} MACs ${l.macs} -> ${l.macsAfter} params ${l.params} -> ${l.paramsAfter}${l.error ? ` mse ${fmt(l.error.mse)} (mean square ${fmt(l.error.meanSquare)})` : ''}`);
  }
  console.log(`lowrank: ${r.bytesBefore} -> ${r.bytesAfter} weight bytes${errorLine(r.outputError)} (${fmt(r.ms / 1000)} s)`);
  return r;
}

export async function pruneForCli(graph: Graph, weights: Weights, opts: { sparsity: number; scope: 'layer' | 'global' }, observe?: Observe) {
  const r = await pruneGraph(graph, weights, { ...opts, observe });
  for (const l of r.layers) {
    console.log(`prune ${l.node} ${l.zeroBlocks}/${l.blocks} blocks zero (${fmt(100 * l.sparsity)}%) nonzero ${l.nonzeroBefore} -> ${l.nonzeroAfter} MACs ${l.macs} -> ${l.macsAfter}${l.flagged ? ' [sparse kernel]' : ''}${l.error ? ` mse ${fmt(l.error.mse)}` : ''}`);
  }
  console.log(`prune: ${r.bytesBefore} -> ${r.bytesAfter} non-zero weight bytes${errorLine(r.outputError)} (${fmt(r.ms / 1000)} s)`);
  return r;
}

export async function quantizeForCli(
  graph: Graph, weights: Weights, images: Float32Array[] | Uint8Array[],
  opts: {
    method: QuantMethod; percentile?: number; keepFloat?: string[]; sequential?: boolean; clusters?: number; layout?: 'NCHW' | 'NHWC';
    biasCorrect?: boolean;
  },
): Promise<QuantizeResult> {
  const { layout, ...q } = opts;
  const r = await quantizeGraph(graph, weights, { ...q, observe: runtimeObserve(images, 'calibrate', layout) });
  for (const l of r.report) {
    const w = l.weight;
    console.log(
      `quant ${l.tensor} (${l.op}) range [${fmt(l.range[0])}, ${fmt(l.range[1])}] of [${fmt(l.observed[0])}, ${fmt(l.observed[1])}]` +
        `${l.k !== undefined ? ` k ${fmt(l.k)} (kurtosis ${fmt(l.kurtosis!)})` : ''} mse ${fmt(l.mse)}` +
        `${l.outputMse !== undefined ? ` vs float ${fmt(l.outputMse)}` : ''} mean square ${fmt(l.meanSquare)}` +
        (w ? ` | weights mse ${fmt(w.mse)}${w.k !== undefined ? ` k ${fmt(w.k)}` : ''}${w.clusters !== undefined ? ` K ${w.clusters} (${w.iterations} it)` : ''} ${fmt(w.ms)} ms` : ''),
    );
  }
  const extras = [opts.sequential && 'sequential', opts.biasCorrect && 'bias-correct'].filter(Boolean);
  console.log(`quant ${opts.method}${extras.map((e) => ` ${e}`).join('')}: ${r.bytesBefore} -> ${r.bytesAfter} weight bytes, ${r.passes} calibration passes, ` +
    `${fmt(r.ms.total / 1000)} s (weights ${fmt(r.ms.weights / 1000)} s, calibration runs ${fmt(r.ms.observe / 1000)} s)`);
  return r;
}

/** The nodes int8 quantization left in float, each with why; one line when there are none. */
export function floatReport(float: QuantizeResult['float']): string {
  if (float.length === 0) return 'int8: every node runs in int8';
  return [`int8: ${float.length} node${float.length === 1 ? '' : 's'} left in float:`, ...float.map((f) => `  ${f.node} (${f.op}): ${f.why}`)].join('\n');
}

function errorLine(e?: Map<string, { mse: number; meanSquare: number }>): string {
  if (!e) return '';
  return `; error on the calibration set: ${[...e].map(([o, x]) => `${o} mse ${fmt(x.mse)} (mean square ${fmt(x.meanSquare)})`).join(', ')}`;
}
