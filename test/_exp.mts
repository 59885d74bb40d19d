import { readFileSync } from 'node:fs';
import { importOnnx } from '../src/convert/index.js';
import { readBranchy } from '../src/format/branchy.js';
import { candidatePoints } from '../src/convert/attach/points.js';
import { probe, type FeatureSet } from '../src/convert/attach/probe.js';
import { ConvHead, GapHead, channelStats, headLogits, type TrainableHead } from '../src/convert/attach/heads.js';
import { fit, distillLoss, FIT_DEFAULTS } from '../src/convert/attach/train.js';
import { Rng } from '../src/convert/attach/rng.js';
import { loadMnist } from '../src/cli/datasets.js';
const file = process.argv[2] ?? 'models/mnist-lenet.int8.branchy';
const r = file.endsWith('.onnx') ? importOnnx(new Uint8Array(readFileSync(file))) : readBranchy(new Uint8Array(readFileSync(file)));
const pts = candidatePoints(r.graph);
const ds = await loadMnist('train');
const set = { images: ds.images, labels: ds.labels, count: ds.count, layout: 'NCHW' as const };
let t0 = performance.now();
const NT = Number(process.argv[3] ?? 50000);
const tr = await probe(r.graph, r.weights, pts, set, 0, NT);
const ho = await probe(r.graph, r.weights, pts, set, 50000, 10000);
console.log('probe', ((performance.now() - t0) / 1000).toFixed(1), 's', tr.msPerImage.toFixed(3), 'ms/img');
const acc = (fs: FeatureSet, pi: number, hw: any) => { const p = fs.points[pi]; const row = new Float32Array(p.d), z = new Float32Array(10); let ok = 0, agree = 0; for (let i = 0; i < fs.n; i++) { headLogits(hw, p.row(i, row), z); let b = 0; for (let k = 1; k < 10; k++) if (z[k] > z[b]) b = k; if (b === fs.labels[i]) ok++; let tb = 0; for (let k = 1; k < 10; k++) if (fs.logits[i*10+k] > fs.logits[i*10+tb]) tb = k; if (b === tb) agree++; } return [ok / fs.n, agree / fs.n]; };
pts.forEach((p, pi) => {
  const f = tr.points[pi];
  const stats = channelStats((i, o) => f.row(i, o), f.n, f.d, f.channels);
  for (const kind of ['gap', 'conv'] as const) {
    for (const R of kind === 'conv' ? [16, 32] : [0]) {
    const h: TrainableHead = kind === 'gap' ? new GapHead({ grid: f.grid, channels: f.channels }, 10, stats, new Rng(1)) : new ConvHead({ grid: f.grid, channels: f.channels }, 10, R, stats, new Rng(1));
    t0 = performance.now();
    const loss = fit(h, (i, o) => f.row(i, o), f.n, f.d, 10, distillLoss(tr.labels, tr.logits, 10), { ...FIT_DEFAULTS, epochs: Number(process.argv[4] ?? 8) });
    const s = (performance.now() - t0) / 1000;
    console.log(p.tensor, p.info.shape.join('x'), 'grid', f.grid, kind, R, 'loss', loss.toFixed(3), 'train', acc(tr, pi, h.folded()).map(x=>x.toFixed(4)), 'held-out', acc(ho, pi, h.folded()).map(x=>x.toFixed(4)), s.toFixed(1), 's');
    }
  }
});
