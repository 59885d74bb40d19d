// The ONNX backend node tests through the real runtime (wasm kernels, every build),
// against the outputs stored with each test.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { haveNodeTests, loadNodeTest, maxRelErr } from '../convert/helpers.js';
import { INT_IO, MOVES_BATCH, PASS } from '../convert/node-cases.js';
import { readBranchy, writeBranchy } from '../../src/format/branchy.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { BranchyUnsupportedError } from '../../src/errors.js';

// The runtime runs a batch sample by sample, so the first axis must be the batch.
const RUNTIME_REJECTS: Record<string, string> = {
  test_unsqueeze_axis_0: 'moves the batch axis',
  ...Object.fromEntries(MOVES_BATCH.map((n) => [n, 'moves data across the batch axis'])),
};

describe.skipIf(!haveNodeTests)('ONNX node tests on the runtime', () => {
  for (const name of PASS.filter((n) => !(n in RUNTIME_REJECTS))) {
    it(name, async () => {
      const c = loadNodeTest(name);
      const { graph, weights } = importOnnx(c.model);
      for (const build of TEST_BUILDS) {
        const model = await fromGraph(graph, weights, { build });
        const out = model.run(c.inputs);
        for (const [k, want] of Object.entries(c.outputs)) {
          const err = maxRelErr(out[k].data, want);
          expect(err, `${name} (${build}): output '${k}' differs by ${err}`).toBeLessThan(1e-4);
        }
      }
    });
  }
  // Quantized inputs and outputs: the typed values in, the stored integers out exactly (type
  // included), in every build, from the graph and from its .branchy file.
  for (const name of INT_IO) {
    it(`${name}: integers in, the expected integers out`, async () => {
      const c = loadNodeTest(name);
      const { graph, weights } = importOnnx(c.model);
      const file = readBranchy(writeBranchy(graph, weights));
      for (const build of TEST_BUILDS) {
        for (const [g, w] of [[graph, weights], [file.graph, file.weights]] as const) {
          const out = (await fromGraph(g, w, { build })).run(c.typed.inputs);
          for (const [k, want] of Object.entries(c.typed.outputs)) {
            expect(out[k].data.constructor, `${name} (${build}): '${k}'`).toBe(want.constructor);
            expect(Array.from(out[k].data), `${name} (${build}): '${k}'`).toEqual(Array.from(want));
          }
        }
      }
    });
  }
  for (const [name, why] of Object.entries(RUNTIME_REJECTS)) {
    it(`${name} is refused with a clear error (${why})`, async () => {
      const c = loadNodeTest(name);
      const { graph, weights } = importOnnx(c.model);
      await expect(fromGraph(graph, weights, { build: 'scalar' })).rejects.toBeInstanceOf(BranchyUnsupportedError);
    });
  }
});
