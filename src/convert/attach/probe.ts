// One pass of the frozen backbone over labelled images with the runtime itself, keeping at
// every attach point a small pooled copy of the feature map (the "probe"), and the model's own
// final logits (the teacher of the heads).
//
// The graph gets, per point, nodes that average-pool the feature map to a G×G grid (f32, after
// a dequantize when the point is int8) as an extra output, so the runtime computes the pooled
// features in wasm and hands back only G²·C values per image. G is the largest of 4, 3, 2, 1
// that divides the map and keeps G²·C ≤ 1024 (so heads that pool first, to G×G or to 1×1, are
// trained exactly on what they will read). The values are stored as uint8 codes (4× less
// memory: 45,000 CIFAR-10 images × 8 points fit in ~300 MB): an int8 point's own quantization,
// or for an f32 point a range taken from the first images, with room above.
import type { Graph, Node, TensorInfo } from '../../ir/types.js';
import type { Model } from '../../runtime/model.js';
import type { AttachPoint } from './points.js';

/** Labelled images as the model takes them (uint8 pixels with a normalisation, or float). */
export interface LabelledImages {
  images: Uint8Array | Float32Array;
  labels: ArrayLike<number>;
  count: number;
  /** Layout of the images (default: the model's). Data-set pixels are NCHW. */
  layout?: 'NCHW' | 'NHWC';
}

export const FEATURE_BUDGET = 1024;

/** Pooled features of one point for n images. */
export class PointFeatures {
  constructor(
    readonly n: number,
    /** Values per image: grid·grid·channels (NHWC order), or the vector length of a rank-2 point. */
    readonly d: number,
    /** The grid side (0 for a rank-2 point). */
    readonly grid: number,
    readonly channels: number,
    /** value = lo + code * step. */
    readonly lo: number,
    readonly step: number,
    readonly codes = new Uint8Array(n * d),
  ) {}

  /** The first n images' features (a view). */
  first(n: number): PointFeatures {
    return new PointFeatures(n, this.d, this.grid, this.channels, this.lo, this.step, this.codes.subarray(0, n * this.d));
  }

  set(i: number, v: Float32Array): void {
    const o = i * this.d, inv = 1 / this.step;
    for (let k = 0; k < this.d; k++) {
      const c = Math.round((v[k] - this.lo) * inv);
      this.codes[o + k] = c < 0 ? 0 : c > 255 ? 255 : c;
    }
  }

  /** Image i's features into out (length d). */
  row(i: number, out: Float32Array): Float32Array {
    const o = i * this.d;
    for (let k = 0; k < this.d; k++) out[k] = this.lo + this.codes[o + k] * this.step;
    return out;
  }
}

export interface FeatureSet {
  n: number;
  points: PointFeatures[];
  /** The model's final logits, n × classes. */
  logits: Float32Array;
  classes: number;
  labels: Int32Array;
  /** Mean milliseconds per image of the probe run (the backbone plus the pooling). */
  msPerImage: number;
}

/** The grid side for a point (see the file comment); 0 for a rank-2 point. */
export function gridFor(info: TensorInfo): number {
  if (info.shape.length !== 4) return 0;
  const [, h, w, c] = info.shape;
  for (const g of [4, 3, 2]) if (g <= h && g <= w && h % g === 0 && w % g === 0 && g * g * c <= FEATURE_BUDGET) return g;
  return 1;
}

/** The backbone with one extra output per point (`attach_probe<i>`, f32 [1, G, G, C] or [1, D]). */
export function probeGraph(graph: Graph, points: AttachPoint[]): Graph {
  const g: Graph = { ...graph, tensors: graph.tensors.slice(), nodes: graph.nodes.slice(), outputs: graph.outputs.slice() };
  delete g.exits;
  points.forEach((p, i) => {
    const base = `attach_probe${i}`;
    let x = p.tensor;
    let shape = p.info.shape.slice();
    const add = (op: Node['op'], attrs: object, outShape: number[], name: string): void => {
      g.tensors.push({ name, shape: outShape, dtype: 'f32' });
      g.nodes.push({ name: `${name}_node`, op, inputs: [x], outputs: [name], attrs } as Node);
      x = name;
      shape = outShape;
    };
    if (p.info.dtype === 'i8') add('dequantize', {}, shape, `${base}_f32`);
    const grid = gridFor(p.info);
    if (grid && grid < shape[1]) {
      const k: [number, number] = [shape[1] / grid, shape[2] / grid];
      add('avgpool', { kernel: k, strides: k, dilations: [1, 1], pads: [0, 0, 0, 0], ceilMode: false, countIncludePad: false }, [1, grid, grid, shape[3]], `${base}_pool`);
    }
    add('reshape', { shape: [1, shape.slice(1).reduce((a, b) => a * b, 1)] }, [1, shape.slice(1).reduce((a, b) => a * b, 1)], base);
    g.outputs.push(base);
  });
  return g;
}

/**
 * Runs the backbone, compiled from probeGraph(graph, points), over `set` (images [start, start +
 * count)) and returns every point's pooled features and the final logits. `onProgress(done)`
 * after each image.
 */
export function probe(
  m: Model, graph: Graph, points: AttachPoint[], set: LabelledImages, start: number, count: number,
  onProgress?: (done: number) => void,
): FeatureSet {
  const size = set.images.length / set.count;
  const n = Math.min(count, set.count - start);
  const logitsName = graph.outputs[0];
  const sample = (j: number) => set.images.subarray((start + j) * size, (start + j + 1) * size);
  const run = (j: number) => m.run(sample(j), { layout: set.layout });
  // Ranges: an int8 point's quantization; an f32 point's from the first images, with room above.
  const first = Array.from({ length: Math.min(n, 64) }, (_, j) => run(j));
  const feats = points.map((p, i) => {
    const grid = gridFor(p.info);
    const channels = p.info.shape[p.info.shape.length - 1];
    const d = grid ? grid * grid * channels : channels;
    const q = p.info.quant;
    if (p.info.dtype === 'i8' && q?.kind === 'tensor') return new PointFeatures(n, d, grid, channels, (-128 - q.zeroPoint) * q.scale, q.scale);
    let lo = Infinity, hi = -Infinity;
    for (const o of first) for (const v of o[`attach_probe${i}`].data) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    const span = Math.max(hi - lo, 1e-6);
    lo = lo < 0 ? lo - 0.25 * span : lo;
    hi = hi + 0.25 * span;
    return new PointFeatures(n, d, grid, channels, lo, (hi - lo) / 255);
  });
  const classes = first[0][logitsName].data.length;
  const logits = new Float32Array(n * classes);
  const labels = new Int32Array(n);
  const t0 = performance.now();
  for (let j = 0; j < n; j++) {
    const o = j < first.length ? first[j] : run(j);
    feats.forEach((f, i) => f.set(j, o[`attach_probe${i}`].data as Float32Array));
    logits.set(o[logitsName].data, j * classes);
    labels[j] = set.labels[start + j];
    onProgress?.(j + 1);
  }
  const ms = (performance.now() - t0) / Math.max(1, n - first.length);
  return { n, points: feats, logits, classes, labels, msPerImage: ms };
}
