// BatchNormalization (inference) -> y = x * s[c] + t[c], s = scale / sqrt(var + eps),
// t = B - mean * s: a per-channel mul then add, which the fold-affine pass folds into a conv
// or gemm before them in one step (the mul is marked `joint`: one rounding of the bias).
import type { OnnxFamily } from './family.js';
import { perChannel } from './elementwise.js';

export const normalizationFamily: OnnxFamily = {
  import: {
    BatchNormalization: {
      min: 5,
      import(ctx, n, a, out) {
        if (a.int('training_mode', 0) !== 0 || (n.output ?? []).slice(1).some((o) => o && ctx.isRead(o))) {
          ctx.unsupported(n, 'training mode (running statistics are outputs)', 'export the model in eval mode (model.eval())');
        }
        if (ctx.opset < 9 && a.int('spatial', 1) !== 1) ctx.unsupported(n, 'attribute spatial=0', 'export with spatial=1 (per-channel statistics)');
        const x = ctx.valueIn(n, 0);
        const eps = a.float('epsilon', 1e-5);
        const [g, bt, mu, vr] = [1, 2, 3, 4].map((i) => ctx.constIn(n, i, ['scale', 'B', 'mean', 'var'][i - 1]).data as Float32Array);
        const C = g.length;
        const s = new Float32Array(C), t = new Float32Array(C);
        for (let c = 0; c < C; c++) {
          s[c] = g[c] / Math.sqrt(vr[c] + eps);
          t[c] = bt[c] - mu[c] * s[c];
        }
        if (!(x.layout === 'nchw' || (x.layout === 'plain' && x.shape.length === 2))) {
          ctx.unsupported(n, `input of shape [${x.shape.join(', ')}]`, 'branchy applies BatchNormalization to NCHW images or [N, C] features');
        }
        ctx.jointAffine.add(perChannel(ctx, n, x, out, s, t)!);
      },
    },
  },
};
