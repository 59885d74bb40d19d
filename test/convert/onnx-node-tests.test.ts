// The ONNX backend node tests (model + inputs + expected outputs, from the ONNX
// repository) as an oracle for the importer: import, run the reference evaluator, compare.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { haveNodeTests, loadNodeTest, maxRelErr, runImported } from './helpers.js';
import { PASS, REJECT } from './node-cases.js';


describe.skipIf(!haveNodeTests)('ONNX backend node tests', () => {
  for (const name of PASS) {
    it(name, () => {
      const c = loadNodeTest(name);
      const res = importOnnx(c.model);
      const out = runImported(res, c.inputs);
      for (const [k, want] of Object.entries(c.outputs)) {
        const err = maxRelErr(out[k], want);
        expect(err, `${name}: output '${k}' differs by ${err}`).toBeLessThan(1e-4);
      }
    });
  }
  for (const name of REJECT) {
    it(`${name} is rejected with BranchyUnsupportedError`, () => {
      const c = loadNodeTest(name);
      expect(() => importOnnx(c.model)).toThrow(BranchyUnsupportedError);
    });
  }
});
