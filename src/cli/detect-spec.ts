// `branchy convert --detect yolov2|yolov8 --classes a,b [--anchors w,h,...] [--reg-max N]`:
// the graph's `detect` field from the options and the graph's outputs (docs/detection.md).
import { BranchyInputError } from '../errors.js';
import { checkDetect, DETECT_LIMITS, imageInput, type DetectSpec, type YoloV8Level } from '../ir/detect.js';
import type { Graph, TensorInfo } from '../ir/types.js';

export interface DetectArgs {
  detect: string;
  classes?: string;
  anchors?: string;
  regMax?: string;
  output?: string;
}

const fail = (msg: string): never => {
  throw new BranchyInputError(msg);
};

function numbers(s: string, what: string): number[] {
  const v = s.split(',').map((x) => Number(x.trim()));
  if (v.some((x) => !Number.isFinite(x))) fail(`--${what} wants numbers separated by commas, got '${s}'`);
  return v;
}

/**
 * yolov2: --anchors w1,h1,w2,h2,... (grid cells), the output is --output or the only graph
 * output. yolov8: a graph output [N, 4 + C, P] is the decoded layout; otherwise every rank-4
 * output is a level (stride = input height / grid height): one with 4*regMax + C channels
 * holds box and classes, else a 4*regMax-channel box output pairs with a C-channel output of
 * the same grid.
 */
export function detectSpecFor(graph: Graph, a: DetectArgs): DetectSpec {
  if (!a.classes) fail('--detect needs --classes NAME,NAME,... (in the order of the class channels)');
  const classes = a.classes!.split(',').map((s) => s.trim());
  const nc = classes.length;
  const outputs = graph.outputs.map((n) => graph.tensors.find((t) => t.name === n)!);
  const pickOutput = (): string => {
    if (a.output) return a.output;
    if (outputs.length !== 1) fail(`the model has ${outputs.length} outputs (${graph.outputs.join(', ')}); name the detection output with --detect-output`);
    return outputs[0].name;
  };
  let spec: unknown;
  if (a.detect === 'yolov2') {
    if (!a.anchors) fail('--detect yolov2 needs --anchors w1,h1,w2,h2,... (anchor sizes in grid cells, as in darknet cfg files)');
    const v = numbers(a.anchors!, 'anchors');
    if (v.length % 2) fail(`--anchors wants pairs w,h; got ${v.length} numbers`);
    spec = { format: 'yolov2', classes, output: pickOutput(), anchors: Array.from({ length: v.length / 2 }, (_, i) => [v[2 * i], v[2 * i + 1]]) };
  } else if (a.detect === 'yolov8') {
    if (a.anchors) fail('--anchors is for --detect yolov2; YOLOv8 is anchor-free');
    const decoded = outputs.find((t) => t.shape.length === 3 && t.shape[1] === 4 + nc);
    if (decoded && !a.regMax) spec = { format: 'yolov8', classes, layout: 'decoded', output: a.output ?? decoded.name };
    else {
      const regMax = a.regMax === undefined ? 16 : Number(a.regMax);
      if (!Number.isInteger(regMax) || regMax < 1 || regMax > DETECT_LIMITS.regMax) fail(`--reg-max wants an integer in [1, ${DETECT_LIMITS.regMax}] (16 in ultralytics; 1: plain distances), got '${a.regMax}'`);
      spec = { format: 'yolov8', classes, layout: 'raw', regMax, levels: levelsOf(graph, outputs, regMax, nc) };
    }
  } else fail(`--detect wants yolov2 or yolov8, got '${a.detect}'`);
  return checkDetect(spec, graph, BranchyInputError);
}

function levelsOf(graph: Graph, outputs: TensorInfo[], regMax: number, nc: number): YoloV8Level[] {
  const { h } = imageInput(graph, (_p, m) => fail(m));
  const grids = outputs.filter((t) => t.shape.length === 4);
  const ch = (t: TensorInfo) => t.shape[3];
  const levels: YoloV8Level[] = [];
  for (const t of grids) {
    const stride = h / t.shape[1];
    if (ch(t) === 4 * regMax + nc) levels.push({ box: t.name, stride });
    else if (ch(t) === 4 * regMax) {
      const cls = grids.find((u) => ch(u) === nc && u.shape[1] === t.shape[1] && u.shape[2] === t.shape[2] && !levels.some((l) => l.cls === u.name));
      if (!cls) fail(`output '${t.name}' has 4 × regMax ${regMax} channels but no output of ${nc} class channels on its ${t.shape[1]}×${t.shape[2]} grid`);
      levels.push({ box: t.name, cls: cls!.name, stride });
    }
  }
  if (!levels.length) {
    fail(`no output looks like a YOLOv8 level: want [N, 4 × ${regMax} + ${nc}, H, W], a [N, ${4 * regMax}, H, W] box and [N, ${nc}, H, W] class pair, ` +
      `or the decoded [N, 4 + ${nc}, P]; outputs: ${outputs.map((t) => `${t.name} [${t.shape.join(', ')}]`).join(', ')} (NHWC); check --classes and --reg-max`);
  }
  return levels.sort((x, y) => x.stride - y.stride);
}
