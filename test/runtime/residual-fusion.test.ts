// Conv + residual add fusion in the executor ({ fuseResidualAdd: true }; conv2d's fusableAdd,
// src/ir/passes/conv-add.ts): where the im2col conv takes the add into its epilogue, the add's step
// does nothing and the conv's output is never materialised; the answers are bit for bit those of
// the unfused program (`fuse: false`), in every build, on the MLPerf Tiny ResNet-8 (int8, as
// LiteRT.js runs it). Off by default (slower on Zen 3), which runs each add as its own step.
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { compile, type Program } from '../../src/runtime/executor.js';
import { mlperfBytes } from '../helpers/mlperf.js';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { programOf } from '../helpers/program.js';

describe('conv + residual add fusion', () => {
  it('ic_resnet8_int8: the 3x3 convs before the adds of blocks 2 and 3 write the sums; outputs equal the unfused program', async () => {
    const { graph, weights } = importTflite(mlperfBytes('ic_resnet8_int8.tflite'));
    const rng = new Rng(0x5e5);
    const inputs = Array.from({ length: 12 }, () => rng.f32(32 * 32 * 3, -1, 1));
    for (const build of TEST_BUILDS) {
      // (winograd: false: by default the SIMD builds run op5 and op9, 3x3 stride 1, on the Winograd kernel, which takes no add: below.)
      const fused = await fromGraph(graph, weights, { build, fuseResidualAdd: true, winograd: false });
      const fusedWino = await fromGraph(graph, weights, { build, fuseResidualAdd: true });
      const plain = await fromGraph(graph, weights, { build, fuse: false, winograd: false });
      const byDefault = programOf(await fromGraph(graph, weights, { build }));
      expect(graph.nodes.filter((n) => n.op === 'conv2d').every((n) => byDefault.tensors.has(n.outputs[0]))).toBe(true);
      const pf = programOf(fused), pp = programOf(plain);
      // The convs whose outputs never exist. SIMD builds: op5 and op9 (3x3, K = 288 and 576: the
      // im2col GEMM) take the adds op7 and op11, each moved after its add's other operand, the 1x1
      // shortcut (op6, op10: short K, the direct kernel, as is block 1's op2, which keeps its add).
      // Scalar build (the direct kernel only for C_in <= 4): op2, and the shortcuts op6 and op10.
      const convs = graph.nodes.filter((n) => n.op === 'conv2d');
      const gone = convs.filter((n) => !pf.tensors.has(n.outputs[0])).map((n) => n.name);
      expect(gone, build).toEqual(build === 'scalar' ? ['op2_conv_2d', 'op6_conv_2d', 'op10_conv_2d'] : ['op5_conv_2d', 'op9_conv_2d']);
      const goneWino = convs.filter((n) => !programOf(fusedWino).tensors.has(n.outputs[0])).map((n) => n.name);
      expect(goneWino, build).toEqual(build === 'scalar' ? ['op2_conv_2d', 'op6_conv_2d', 'op10_conv_2d'] : []);
      expect(convs.every((n) => pp.tensors.has(n.outputs[0]))).toBe(true);
      expect(pf.arenaBytes).toBeLessThanOrEqual(pp.arenaBytes);
      const at = (p: Program, n: string) => p.steps.findIndex((s) => s.node.name === n);
      expect(at(pp, 'op5_conv_2d')).toBeLessThan(at(pp, 'op6_conv_2d'));
      if (build !== 'scalar') expect(at(pf, 'op5_conv_2d')).toBeGreaterThan(at(pf, 'op6_conv_2d'));
      for (const [i, x] of inputs.entries()) {
        const a = fused.run(x, { layout: 'NHWC' }), b = plain.run(x, { layout: 'NHWC' }), c = fusedWino.run(x, { layout: 'NHWC' });
        for (const k of Object.keys(b)) expect(a[k].data, `${build} ${k} input ${i}`).toEqual(b[k].data);
        for (const k of Object.keys(b)) expect(c[k].data, `${build} ${k} input ${i} (Winograd)`).toEqual(b[k].data);
      }
    }
  });

  it('keeps the graph order where it is given (an exit plan\'s): a conv whose residual comes later keeps its add', async () => {
    const { graph, weights } = importTflite(mlperfBytes('ic_resnet8_int8.tflite'));
    const p = compile(await memoryFor('simd'), graph, weights, { build: 'simd', order: graph.nodes.map((n) => n.name), fuseResidualAdd: true });
    const out = (name: string) => graph.nodes.find((n) => n.name === name)!.outputs[0];
    // op5's add reads op6, which this order runs after op5; op9's likewise (op10).
    expect(p.tensors.has(out('op5_conv_2d'))).toBe(true);
    expect(p.tensors.has(out('op9_conv_2d'))).toBe(true);
    expect(p.steps.map((s) => s.node.name)).toEqual(graph.nodes.map((n) => n.name));
  });
});
