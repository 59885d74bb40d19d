// How a model expects its pixels, from the command line: --scale, --mean, --std (the model's
// input is (pixel / scale - mean[c]) / std[c]) and --layout (NCHW or NHWC, the layout of the
// model's image input). Shared by convert, eval, calibrate and attach.
import { BranchyInputError } from '../errors.js';
import type { Graph, Normalize } from '../ir/types.js';
import { checkNormalize } from '../runtime/input.js';

export const PREPROCESS_OPTIONS = {
  scale: { type: 'string' },
  mean: { type: 'string' },
  std: { type: 'string' },
  layout: { type: 'string' },
} as const;

export const PREPROCESS_USAGE = '[--scale S] [--mean M[,M,M]] [--std S[,S,S]] [--layout NCHW|NHWC]';

export interface Preprocess {
  /** Given on the command line (else the model's own applies). */
  normalize?: Normalize;
  layout?: 'NCHW' | 'NHWC';
}

const numbers = (v: string, name: string): number[] =>
  v.split(',').map((x) => {
    const n = Number(x.trim());
    if (x.trim() === '' || !Number.isFinite(n)) throw new BranchyInputError(`--${name} wants numbers separated by commas (e.g. 0.4914,0.4822,0.4465), got '${v}'`);
    return n;
  });

/** Parses the options; any of --scale/--mean/--std gives a whole normalisation (scale 1, mean 0, std 1 by default). */
export function parsePreprocess(values: { scale?: string; mean?: string; std?: string; layout?: string }): Preprocess {
  const out: Preprocess = {};
  if (values.layout !== undefined) {
    const l = values.layout.toUpperCase();
    if (l !== 'NCHW' && l !== 'NHWC') throw new BranchyInputError(`--layout wants NCHW or NHWC, got '${values.layout}'`);
    out.layout = l;
  }
  if (values.scale !== undefined || values.mean !== undefined || values.std !== undefined) {
    const scale = values.scale === undefined ? 1 : numbers(values.scale, 'scale');
    if (Array.isArray(scale) && scale.length !== 1) throw new BranchyInputError(`--scale is one number (pixels are divided by it, e.g. 255), got '${values.scale}'`);
    const raw = {
      scale: Array.isArray(scale) ? scale[0] : scale,
      mean: values.mean === undefined ? [0] : numbers(values.mean, 'mean'),
      std: values.std === undefined ? [1] : numbers(values.std, 'std'),
    };
    const channels = Math.max(raw.mean.length, raw.std.length);
    if (raw.mean.length !== 1 && raw.std.length !== 1 && raw.mean.length !== raw.std.length) {
      throw new BranchyInputError(`--mean has ${raw.mean.length} values and --std ${raw.std.length}; give one value or one per channel for each`);
    }
    out.normalize = checkNormalize(raw, channels, '--scale/--mean/--std');
  }
  return out;
}

/** Channels of the graph's (first) input: the last axis of a rank-4 NHWC tensor, else 1. */
export function inputChannels(graph: Graph): number {
  const t = graph.tensors.find((x) => x.name === graph.inputs[0])!;
  return t.shape.length === 4 ? t.shape[3] : 1;
}

/**
 * Applies a command line's preprocessing to a graph read from a file: the normalisation replaces
 * the graph's (checked against its channels); --layout must agree with a .branchy file's input
 * (the layout is decided when the ONNX model is imported: give --layout to convert).
 */
export function applyPreprocess(graph: Graph, pre: Preprocess, file: string): Graph {
  let g = graph;
  if (pre.normalize) {
    const c = inputChannels(graph);
    const n = pre.normalize;
    if ((n.mean.length !== 1 && n.mean.length !== c) || (n.std.length !== 1 && n.std.length !== c)) {
      throw new BranchyInputError(`--mean/--std have ${Math.max(n.mean.length, n.std.length)} values; ${file}'s input has ${c} channels (give 1 or ${c})`);
    }
    // An integer input's normalisation is its dequantization (sourceDtype): replaced, it takes floats and pixels.
    const tensors = g.tensors.map((t) => (t.sourceDtype && g.inputs.includes(t.name) ? { ...t, sourceDtype: undefined } : t));
    g = { ...g, tensors, normalize: n };
  }
  if (pre.layout) {
    const t = graph.tensors.find((x) => x.name === graph.inputs[0])!;
    const own = t.sourceLayout === 'NCHW' ? 'NCHW' : 'NHWC';
    if (t.shape.length === 4 && own !== pre.layout) {
      throw new BranchyInputError(`--layout ${pre.layout}: ${file}'s input is ${own} (the layout is fixed when the ONNX model is converted; give --layout to convert, or leave it out here)`);
    }
  }
  return g;
}

/** Before feeding uint8 data-set pixels: the model needs a normalisation, its own or given. */
export function requireNormalize(graph: Graph, file: string): void {
  const int8 = graph.tensors.some((t) => t.sourceDtype === 'i8' && graph.inputs.includes(t.name));
  if (!graph.normalize || int8) {
    throw new BranchyInputError(
      `${file} ${int8 ? 'takes int8 integers (its input\'s dequantization is its normalisation)' : 'has no input normalisation'}, so data-set pixels (uint8) cannot be fed; say how the model expects them: ` +
        '--scale 255 for inputs in [0, 1], --scale 1 for raw 0..255, --scale 255 --mean 0.485,0.456,0.406 --std 0.229,0.224,0.225 for ImageNet-style (input = (pixel/scale - mean)/std)',
    );
  }
}
