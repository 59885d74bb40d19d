// The Winograd conv written over its input in the arena (conv2d's allowInPlace, winoInPlace):
// on the MLPerf Tiny ResNet-8 (int8, as LiteRT.js runs it) the SIMD builds' 3x3 stride-1 convs
// whose input dies there share its bytes, the arena shrinks, and the answers are bit for bit
// those of the program without the Winograd kernel ({ winograd: false }) and of one that keeps
// every tensor apart (keepIntermediates).
import { describe, expect, it } from 'vitest';
import { importTflite } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { mlperfBytes } from '../helpers/mlperf.js';
import { Rng } from '../helpers/rng.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { programOf } from '../helpers/program.js';

describe('Winograd conv in place', () => {
  it('ic_resnet8_int8: convs over their inputs, a smaller arena, the same outputs', async () => {
    const { graph, weights } = importTflite(mlperfBytes('ic_resnet8_int8.tflite'));
    const rng = new Rng(0x1a9);
    const inputs = Array.from({ length: 8 }, () => rng.f32(32 * 32 * 3, -1, 1));
    for (const build of TEST_BUILDS) {
      const wino = await fromGraph(graph, weights, { build });
      const direct = await fromGraph(graph, weights, { build, winograd: false });
      const apart = await fromGraph(graph, weights, { build, keepIntermediates: true });
      const p = programOf(wino);
      const shared = graph.nodes.filter((n) => n.op === 'conv2d' && p.tensors.get(n.inputs[0])!.ptr === p.tensors.get(n.outputs[0])!.ptr).map((n) => n.name);
      // The second 3x3 conv of each stack (16->16, 32->32, 64->64; each reads the first conv's output,
      // which dies there), and beside them the 1x1 stride-2 shortcut convs of stacks 2 and 3 on the
      // direct kernel (conv-in-place.test.ts); the scalar build has neither kernel for these layers.
      if (build === 'scalar') expect(shared, build).toEqual([]);
      else expect(shared, build).toEqual(['op2_conv_2d', 'op5_conv_2d', 'op6_conv_2d', 'op9_conv_2d', 'op10_conv_2d']);
      if (build !== 'scalar') expect(p.arenaBytes).toBeLessThan(programOf(direct).arenaBytes);
      for (const [i, x] of inputs.entries()) {
        const a = wino.run(x, { layout: 'NHWC' }), b = direct.run(x, { layout: 'NHWC' }), c = apart.run(x, { layout: 'NHWC' });
        for (const k of Object.keys(b)) {
          expect(a[k].data, `${build} ${k} input ${i}`).toEqual(b[k].data);
          expect(a[k].data, `${build} ${k} input ${i} (apart)`).toEqual(c[k].data);
        }
      }
    }
  });
});
