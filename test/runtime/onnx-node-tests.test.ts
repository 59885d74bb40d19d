// The ONNX backend node tests through the real runtime (wasm kernels, every build),
// against the outputs stored with each test.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { haveNodeTests, loadNodeTest, maxRelErr } from '../convert/helpers.js';
import { MOVES_BATCH, PASS } from '../convert/node-cases.js';
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
  for (const [name, why] of Object.entries(RUNTIME_REJECTS)) {
    it(`${name} is refused with a clear error (${why})`, async () => {
      const c = loadNodeTest(name);
      const { graph, weights } = importOnnx(c.model);
      await expect(fromGraph(graph, weights, { build: 'scalar' })).rejects.toBeInstanceOf(BranchyUnsupportedError);
    });
  }
});
