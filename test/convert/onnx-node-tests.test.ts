// The ONNX backend node tests (model + inputs + expected outputs, from the ONNX
// repository) as an oracle for the importer: import, run the reference evaluator, compare.
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { BranchyUnsupportedError } from '../../src/errors.js';
import { haveNodeTests, loadNodeTest, maxRelErr, runImported } from './helpers.js';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import * as ort from 'onnxruntime-node';
import { AS_ONNX_RUNTIME, INT_IO_REJECT, PASS, REJECT } from './node-cases.js';


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
  for (const [name, why] of Object.entries(AS_ONNX_RUNTIME)) {
    it(`${name} matches ONNX Runtime (${why})`, async () => {
      const c = loadNodeTest(name);
      const out = runImported(importOnnx(c.model), c.inputs);
      const s = await ort.InferenceSession.create(c.model);
      const [k, x] = Object.entries(c.inputs)[0];
      const m = ONNX.ModelProto.decode(c.model).graph!.input![0].type!.tensorType!.shape!.dim!.map((d) => Number(d.dimValue));
      const r = await s.run({ [k]: new ort.Tensor('float32', x, m) });
      for (const o of Object.keys(c.outputs)) expect(maxRelErr(out[o], r[o].data as Float32Array), o).toBeLessThan(1e-5);
    });
  }
  for (const [name, why] of Object.entries(INT_IO_REJECT)) {
    it(`${name} is rejected, saying what to do`, () => {
      const c = loadNodeTest(name);
      expect(() => importOnnx(c.model)).toThrow(BranchyUnsupportedError);
      expect(() => importOnnx(c.model)).toThrow(why);
    });
  }
  for (const name of REJECT) {
    it(`${name} is rejected with BranchyUnsupportedError`, () => {
      const c = loadNodeTest(name);
      expect(() => importOnnx(c.model)).toThrow(BranchyUnsupportedError);
    });
  }
});
