"""Compression recipes with fine-tuning: prune and/or factorize a trained example model the way
branchy's passes do, fine-tune it, export ONNX for `branchy convert` (docs/compression.md).

Recipes (--recipe):
  prune          magnitude pruning in the blocks the runtime's block-sparse int8 kernel skips:
                 4 output channels x 8 consecutive K of the runtime's [N][K] weight view
                 (src/convert/prune.ts), in every layer that kernel runs (Linear; 1x1 stride-1
                 unpadded Conv2d). Per layer exactly floor(s * blocks) blocks with the lowest
                 mean |w| (--scope layer), or one threshold over all of them (--scope global),
                 scored on the BN-folded weights the runtime sees. Masks stay fixed while tuning.
  lowrank        truncated SVD split (src/convert/lowrank.ts): Linear -> K->r, r->N; Conv2d
                 'channel' (KxK C->r, 1x1 r->O) or 'spatial' (KHx1 C->r, 1xKW r->O), each factor
                 with sqrt(s); rank by kept energy or a MAC target, scheme chosen per layer by the
                 runtime's rules; a split saving < 10% of the layer's MACs is not made.
  lowrank-prune  lowrank, then prune the layers of the result that the sparse kernel runs.

The base model is the finished training checkpoint (--model lenet: checkpoints/mnist-lenet/;
mobilenet: checkpoints/mobilenet-exits-cifar10/). Fine-tuning uses train/common.py's resumable
loop (one-cycle SGD, seeded, checkpoint per epoch in checkpoints/ft-<model>-<tag>/; rerun the
same command to resume) on the training split minus a held-out part (MNIST: digits 50,000-59,999;
CIFAR-10: data/cifar10/val.bin), whose accuracy is logged every 1/--evals-per-epoch epoch
(curve.json), from step 0 (no fine-tuning) on. BatchNorm stays (the export folds it) and
trains, running statistics included (--bn-stats train); --bn-stats frozen keeps the statistics
(MobileNet pruned 50%: 48% instead of 78% held-out after one epoch). Per-layer block pruning
of a thin layer cuts every block of some outputs: their BN is masked too (output 0, not the
constant ReLU(shift)), and before export every BN channel left constant (running variance below
1e-5 x its layer's largest) gets scale 0. Otherwise its folded conv weights grow 50-130x and int8
rounding no longer cancels against the bias (MobileNet pruned 75%: 54% f32, 35% int8 without).

    nice -n 19 /usr/bin/python3 train/compress_finetune.py --model lenet --recipe prune --sparsity 0.5
    nice -n 19 /usr/bin/python3 train/compress_finetune.py --model lenet --recipe lowrank --rank macs:0.5
    nice -n 19 /usr/bin/python3 train/compress_finetune.py --model lenet --recipe lowrank-prune --rank macs:0.5 --sparsity 0.5

Writes bench/out/ft/<model>-<tag>.onnx (--out) and a .json beside it (layers, curve, accuracies).
Then `branchy convert OUT.onnx --prune S --quant int8 ...` with the same S and scope: the runtime
finds exactly these zero blocks (its report shows `nonzero X -> X`) and runs them block-sparse.
"""
import common  # first: it sets OMP_WAIT_POLICY before torch loads
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils import prune as torch_prune

BLOCK = (4, 8)      # SPARSE_BLOCK of src/runtime/ops/qs8-sparse.ts: output channels x K
MIN_SAVING = 0.1    # lowrank.ts: a split must save at least this fraction of the layer's MACs


# ---------------------------------------------------------------- the models

class Spec:
    """What the recipes need to know about one example model."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def load_base(name):
    path = os.path.join(common.REPO, 'checkpoints', name, 'last.pt')
    if not os.path.exists(path):
        raise SystemExit(f'{path} not found: train the model first (train/README.md)')
    state = torch.load(path)
    if state['epoch'] != state['args']['epochs']:
        raise SystemExit(f'{path} is at epoch {state["epoch"]} of {state["args"]["epochs"]}: wait until its training ends')
    return state


def lenet_spec():
    import mnist_lenet
    state = load_base('mnist-lenet')
    model = mnist_lenet.LeNet()
    model.load_state_dict(state['model'])
    x, y = common.load_mnist('train')
    held = 50000

    def loss_fn(m, xb, yb):
        loss = F.cross_entropy(m(xb), yb)
        return loss, {'loss': loss.item()}

    return Spec(model=model, norm=mnist_lenet.NORM, input_shape=(1, 28, 28), outputs=['logits'], main=0,
                bn={'conv1': 'bn1', 'conv2': 'bn2'}, flat={'fc1': (50, 4, 4)},
                train=(x[:held], y[:held]), val=(x[held:], y[held:]), test=common.load_mnist('test'),
                loss_fn=loss_fn, augment=lambda xb, g: common.random_crop_flip(xb, 2, False, g), channels_last=False)


def mobilenet_spec():
    import cifar_mobilenet_exits as cme
    state = load_base('mobilenet-exits-cifar10')
    base = state['args']
    model = cme.MobileNetExits(base['width'])
    model.load_state_dict(state['model'])
    weights = [float(w) for w in base['weights'].split(',')]
    nex = len(weights)
    train, val, test = common.cifar_splits()

    def loss_fn(m, xb, yb):  # the training script's loss: weighted exits + predictors' BCE
        outs = m(xb)
        exits, predicts = outs[:nex], outs[nex:]
        ce = [F.cross_entropy(o, yb) for o in exits]
        bce = [F.binary_cross_entropy_with_logits(p[:, 0], (e.detach().argmax(1) == yb).float())
               for e, p in zip(exits, predicts)]
        loss = sum(w * c for w, c in zip(weights, ce)) + sum(bce)
        return loss, {'loss': loss.item(), **{f'ce{i}': c.item() for i, c in enumerate(ce)}}

    bn = {}
    for name, m in model.named_modules():
        if isinstance(m, nn.Sequential):
            for i in range(len(m) - 1):
                if isinstance(m[i], nn.Conv2d) and isinstance(m[i + 1], nn.BatchNorm2d):
                    bn[f'{name}.{i}'] = f'{name}.{i + 1}'
    return Spec(model=model, norm=cme.NORM, input_shape=(3, 32, 32),
                outputs=[f'exit{i}' for i in range(nex)] + [f'predict{i}' for i in range(nex - 1)], main=nex - 1,
                bn=bn, flat={}, train=train, val=val, test=test, loss_fn=loss_fn,
                augment=lambda xb, g: common.random_crop_flip(xb, 4, True, g), channels_last=True)


# ---------------------------------------------------------------- shared helpers

def module(model, name):
    return dict(model.named_modules())[name]


def replace(model, name, new):
    parent, _, leaf = name.rpartition('.')
    setattr(module(model, parent) if parent else model, leaf, new)


def folded(model, spec, name):
    """The layer's weight as the runtime sees it: BatchNorm folded in (float64, PyTorch layout)."""
    m = module(model, name)
    w = (m.weight_orig * m.weight_mask if hasattr(m, 'weight_orig') else m.weight).detach().double()
    if name in spec.bn:
        bn = module(model, spec.bn[name])
        w = w * (bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)).view(-1, *[1] * (w.dim() - 1))
    return w


def hwc_perm(chw):
    """Column j of the runtime's weight (H,W,C order after Flatten) is PyTorch's column perm[j] (C,H,W)."""
    c, h, w = chw
    return torch.arange(c * h * w).reshape(c, h, w).permute(1, 2, 0).reshape(-1)


def layer_shapes(model, spec):
    """Input and output shape of every Conv2d / Linear for one sample."""
    shapes, hooks = {}, []
    for name, m in model.named_modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            hooks.append(m.register_forward_hook(lambda mod, i, o, n=name: shapes.__setitem__(n, (i[0].shape, o.shape))))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, *spec.input_shape))
    for h in hooks:
        h.remove()
    return shapes


# ---------------------------------------------------------------- low rank (lowrank.ts)

def parse_rank(s):
    kind, _, v = s.partition(':')
    x = float(v)
    if kind == 'energy' and 0 < x <= 1 or kind == 'macs' and 0 < x < 1:
        return kind, x
    raise SystemExit(f'--rank wants energy:F or macs:F, got {s!r}')


def rank_for_energy(s, keep):
    e = s * s
    total = e.sum().item()
    if total == 0:
        return 1
    acc = torch.cumsum(e, 0)
    hit = (acc >= keep * total * (1 - 1e-12)).nonzero()
    return int(hit[0]) + 1 if len(hit) else len(s)


def energy_kept(s, r):
    e = s * s
    return (e[:r].sum() / e.sum()).item() if e.sum() > 0 else 1.0


def lowrank(model, spec, rule):
    """Splits every Conv2d (groups 1) and Linear as src/convert/lowrank.ts does; returns the report."""
    kind, val = rule
    shapes = layer_shapes(model, spec)
    report = []
    for name, m in [(n, m) for n, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))]:
        if isinstance(m, nn.Conv2d) and m.groups != 1:
            continue
        wf = folded(model, spec, name)
        xs, ys = shapes[name]
        if isinstance(m, nn.Linear):
            n, k = wf.shape
            macs = n * k
            cands = [('dense', wf, k + n)]
        else:
            o, c, kh, kw = wf.shape
            oh, ow = ys[2], ys[3]
            macs = oh * ow * o * c * kh * kw
            cands = [('channel', wf.reshape(o, -1), oh * ow * (kh * kw * c + o))]
            if kh > 1 and kw > 1:  # M[(h,c)][(o,w)]: vertical then horizontal filters
                cands.append(('spatial', wf.permute(2, 1, 0, 3).reshape(kh * c, o * kw), oh * xs[3] * kh * c + oh * ow * kw * o))
        best = None
        for scheme, mat, per_rank in cands:
            u, s, vh = torch.linalg.svd(mat, full_matrices=False)
            r = rank_for_energy(s, val) if kind == 'energy' else min(len(s), math.floor(val * macs / per_rank))
            if r < 1:
                continue
            e = energy_kept(s, r)
            if best is None or (r * per_rank < best['r'] * best['per_rank'] if kind == 'energy' else e > best['energy']):
                best = dict(scheme=scheme, r=r, per_rank=per_rank, energy=e, u=u, s=s, vh=vh, full=len(s))
        if best is None or best['r'] * best['per_rank'] > (1 - MIN_SAVING) * macs:
            report.append({'layer': name, 'scheme': 'kept', 'macs': macs, 'macs_after': macs})
            continue
        r, root = best['r'], best['s'][:best['r']].sqrt()
        left = best['u'][:, :r] * root            # rows x r
        right = root[:, None] * best['vh'][:r]    # r x cols
        if name in spec.bn:  # the BN after the layer stays: undo its scale on the second factor
            bn = module(model, spec.bn[name])
            scale = bn.weight.detach().double() / torch.sqrt(bn.running_var.double() + bn.eps)
            if best['scheme'] == 'spatial':  # output channel o is in the columns (o, w)
                right = right / scale.repeat_interleave(kw)[None, :]
            else:
                left = left / scale[:, None]
        bias = m.bias is not None
        if isinstance(m, nn.Linear):
            a, b = nn.Linear(k, r, bias=False), nn.Linear(r, n, bias=bias)
            a.weight.data, b.weight.data = right.float(), left.float()
        elif best['scheme'] == 'channel':
            a = nn.Conv2d(c, r, (kh, kw), m.stride, m.padding, m.dilation, bias=False)
            b = nn.Conv2d(r, o, 1, bias=bias)
            a.weight.data = right.reshape(r, c, kh, kw).float()
            b.weight.data = left.reshape(o, r, 1, 1).float()
        else:
            a = nn.Conv2d(c, r, (kh, 1), (m.stride[0], 1), (m.padding[0], 0), (m.dilation[0], 1), bias=False)
            b = nn.Conv2d(r, o, (1, kw), (1, m.stride[1]), (0, m.padding[1]), (1, m.dilation[1]), bias=bias)
            a.weight.data = left.reshape(kh, c, r).permute(2, 1, 0).unsqueeze(3).float().contiguous()
            b.weight.data = right.reshape(r, o, kw).permute(1, 0, 2).unsqueeze(2).float().contiguous()
        if bias:
            b.bias.data = m.bias.detach().clone()
        replace(model, name, nn.Sequential(a, b))
        if name in spec.bn:
            spec.bn[f'{name}.1'] = spec.bn.pop(name)
        if name in spec.flat:
            spec.flat[f'{name}.0'] = spec.flat.pop(name)
        report.append({'layer': name, 'scheme': best['scheme'], 'rank': r, 'full_rank': best['full'],
                       'energy': round(best['energy'], 4), 'macs': macs, 'macs_after': r * best['per_rank']})
    return report


# ---------------------------------------------------------------- block pruning (prune.ts)

def sparse_eligible(m):
    if isinstance(m, nn.Linear):
        return True
    return isinstance(m, nn.Conv2d) and m.groups == 1 and m.kernel_size == (1, 1) and m.stride == (1, 1) \
        and m.padding == (0, 0)


def block_scores(w):
    """Mean |w| of each 4 x 8 block of the [N][K] matrix (edge blocks over their real entries),
    in the runtime's order (group-major)."""
    n, k = w.shape
    bn, bk = BLOCK
    g, kb = -(-n // bn), -(-k // bk)
    pad = lambda t: F.pad(t, (0, kb * bk - k, 0, g * bn - n))
    tot = pad(w.abs()).reshape(g, bn, kb, bk).sum((1, 3))
    cnt = pad(torch.ones_like(w)).reshape(g, bn, kb, bk).sum((1, 3))
    return (tot / cnt).reshape(-1), g, kb


def prune(model, spec, sparsity, scope):
    """Masks floor(s * blocks) blocks per eligible layer (or below one global threshold); returns the report."""
    targets = []
    for name, m in model.named_modules():
        if not sparse_eligible(m):
            continue
        w = folded(model, spec, name)
        wm = w.reshape(w.shape[0], -1)
        perm = hwc_perm(spec.flat[name]) if name in spec.flat else None
        if perm is not None:
            wm = wm[:, perm]
        score, g, kb = block_scores(wm)
        targets.append((name, m, wm.shape, perm, score.numpy(), g, kb))
    if not targets:
        raise SystemExit('no layer the block-sparse kernel runs')
    if scope == 'global':
        every = np.sort(np.concatenate([t[4] for t in targets]))
        drop = math.floor(sparsity * len(every))
        cut = every[drop - 1] if drop else -np.inf
    report = []
    for name, m, (n, k), perm, score, g, kb in targets:
        keep = np.ones(len(score), dtype=np.float32)
        if scope == 'global':
            keep[score <= cut] = 0
        else:
            keep[np.argsort(score, kind='stable')[:math.floor(sparsity * len(score))]] = 0
        blocks = torch.from_numpy(keep).reshape(g, kb)
        mask_rt = blocks.repeat_interleave(BLOCK[0], 0).repeat_interleave(BLOCK[1], 1)[:n, :k]
        mask = torch.empty_like(mask_rt)
        if perm is not None:
            mask[:, perm] = mask_rt
        else:
            mask = mask_rt
        torch_prune.custom_from_mask(m, 'weight', mask.reshape(m.weight.shape))
        dead = mask_rt.sum(1) == 0  # outputs whose every block is cut: their BN outputs 0 (file comment)
        if dead.any() and name in spec.bn:
            bn = module(model, spec.bn[name])
            for param in ('weight', 'bias'):
                torch_prune.custom_from_mask(bn, param, (~dead).float())
        report.append({'layer': name, 'blocks': len(score), 'zero_blocks': int(len(score) - keep.sum()),
                       'n': n, 'k': k, 'dead_outputs': int(dead.sum())})
    return report


# ---------------------------------------------------------------- export

def constant_channels(model, ratio=1e-5):
    """A BN channel whose running variance is below ratio x its layer's largest is constant (pruning
    cut what fed it). Its output is its shift; its scale becomes 0, so that its folded conv weights
    are 0 rather than scale/sqrt(var + eps), 50-130x the rest in the pruned MobileNet, which int8
    cannot represent next to the constant they cancel. Returns how many channels per layer were set."""
    out = {}
    with torch.no_grad():
        for name, m in model.named_modules():
            if isinstance(m, nn.BatchNorm2d):
                const = m.running_var < ratio * m.running_var.max()
                if const.any():
                    m.weight[const] = 0
                    out[name] = int(const.sum())
    return out


# ---------------------------------------------------------------- main

def main():
    p = common.arg_parser(__doc__, epochs=1, batch_size=128, lr=0.01)
    p.add_argument('--model', choices=['lenet', 'mobilenet'], required=True)
    p.add_argument('--recipe', choices=['prune', 'lowrank', 'lowrank-prune'], required=True)
    p.add_argument('--sparsity', type=float, default=0.5, help='fraction of blocks set to zero')
    p.add_argument('--scope', choices=['layer', 'global'], default='layer')
    p.add_argument('--rank', default='macs:0.5', help='energy:F (kept energy) or macs:F (MACs of a split layer / before)')
    p.add_argument('--bn-stats', choices=['train', 'frozen'], default='train',
                   help='BatchNorm statistics while fine-tuning (its scale and shift train either way); see the file comment')
    p.add_argument('--evals-per-epoch', type=int, default=4, help='held-out accuracy this many times per epoch')
    p.add_argument('--out', help='ONNX file (default bench/out/ft/<model>-<tag>.onnx)')
    args = p.parse_args()
    common.setup(args)
    t0 = time.time()
    spec = lenet_spec() if args.model == 'lenet' else mobilenet_spec()
    model = spec.model
    tag = args.recipe.replace('prune', f'prune{args.sparsity:g}{"g" if args.scope == "global" else ""}') \
        .replace('lowrank', f'lowrank-{args.rank.replace(":", "")}')
    tag += '-bnfrozen' if args.bn_stats == 'frozen' else ''
    name = f'ft-{args.model}-{tag}'
    out = args.out or f'bench/out/ft/{args.model}-{tag}.onnx'

    result = {'model': args.model, 'recipe': args.recipe, 'command': 'train/compress_finetune.py ' + ' '.join(
        f'--{k.replace("_", "-")} {v}' for k, v in vars(args).items() if k not in ('fresh', 'threads', 'out'))}
    result['base_val_acc'] = round(common.accuracy(common.predict(model, spec.val[0], spec.norm)[spec.main], spec.val[1]), 4)
    if 'lowrank' in args.recipe:
        result['lowrank'] = lowrank(model, spec, parse_rank(args.rank))
        for r in result['lowrank']:
            print(json.dumps(r), flush=True)
    if 'prune' in args.recipe:
        result['prune'] = prune(model, spec, args.sparsity, args.scope)
        for r in result['prune']:
            print(json.dumps(r), flush=True)

    # held-out accuracy every 1/evals epoch, from step 0 (the compressed model before fine-tuning) on
    steps = len(spec.train[1]) // args.batch_size
    marks = {round(i * steps / args.evals_per_epoch) for i in range(1, args.evals_per_epoch)}
    ckpt_dir = os.path.join(common.REPO, 'checkpoints', name)
    os.makedirs(ckpt_dir, exist_ok=True)
    curve_file = os.path.join(ckpt_dir, 'curve.json')
    curve = {}
    if os.path.exists(curve_file) and not args.fresh:
        curve = {int(s): a for s, a in json.load(open(curve_file)).items()}
    ckpt = os.path.join(ckpt_dir, 'last.pt')
    step = [torch.load(ckpt)['epoch'] * steps if os.path.exists(ckpt) and not args.fresh else 0]

    def held_out(m):
        acc = common.accuracy(common.predict(m, spec.val[0], spec.norm)[spec.main], spec.val[1])
        m.train()
        return acc

    def log_curve(m):
        curve[step[0]] = held_out(m)
        with open(curve_file + '.tmp', 'w') as f:
            json.dump(curve, f)
        os.replace(curve_file + '.tmp', curve_file)
        print(json.dumps({'step': step[0], 'epoch': round(step[0] / steps, 3), 'val_acc': round(curve[step[0]], 4)}), flush=True)

    if 0 not in curve:
        log_curve(model)

    def loss_fn(m, xb, yb):
        if step[0] % steps in marks and step[0] not in curve:
            log_curve(m)
        step[0] += 1
        if args.bn_stats == 'frozen':  # common.train and held_out set train mode: put BN back in eval mode
            for mod in m.modules():
                if isinstance(mod, nn.BatchNorm2d):
                    mod.eval()
        return spec.loss_fn(m, xb, yb)

    def evaluate(m):  # end of an epoch
        log_curve(m)
        return {'val_acc': curve[step[0]]}

    history = common.train(name, model, args, spec.train, spec.norm, loss_fn, evaluate,
                           augment=spec.augment, channels_last=spec.channels_last)
    for n, m in model.named_modules():
        for param in ('weight', 'bias'):
            if hasattr(m, param + '_orig'):
                torch_prune.remove(m, param)
    result['constant_channels'] = constant_channels(model)
    model.eval()
    for split, (x, y) in (('val', spec.val), ('test', spec.test)):
        outs = common.predict(model, x, spec.norm)
        result[f'{split}_acc'] = [round(common.accuracy(o, y), 4) for o in outs[:spec.main + 1]]
    result['curve'] = [{'step': s, 'epoch': round(s / steps, 3), 'val_acc': round(a, 4)} for s, a in sorted(curve.items())
                       if s <= args.epochs * steps]
    result['epoch_seconds'] = [h['seconds'] for h in history]
    print(json.dumps({k: result[k] for k in ('val_acc', 'test_acc', 'epoch_seconds')}), flush=True)
    common.export_onnx(model, spec.input_shape, spec.outputs, out, spec.norm,
                       check_inputs=common.normalize(spec.test[0][:16], spec.norm))
    with open(os.path.join(common.REPO, out.replace('.onnx', '.json')), 'w') as f:
        json.dump(result, f, indent=1)
    print(f'done in {time.time() - t0:.0f} s', flush=True)


if __name__ == '__main__':
    main()
