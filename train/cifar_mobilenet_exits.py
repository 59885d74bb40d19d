"""MobileNet-v1-style CIFAR-10 net with two early exits and exit predictors
-> models/mobilenet-exits-cifar10.onnx

Input `input` [N,3,32,32]; outputs `exit0` (after the 16x16 stage), `exit1` (after 8x8),
`exit2` (final, 4x4), logits [N,10]; `predict0`, `predict1` [N,1]: logit that exit 0/1's
top-1 answer is right. Trains on the first 45,000 CIFAR-10 training images (JPEG copy);
the last 5,000 are the validation split, written to data/cifar10/val.bin.

    nohup nice -n 19 /usr/bin/python3 train/cifar_mobilenet_exits.py >> checkpoints/mobilenet-exits-cifar10.log 2>&1 &
    (--seed 1 --epochs 18 --width 0.5; rerun the same command to resume after an interruption;
    --tag T names a variant: checkpoints/mobilenet-exits-cifar10-T, models/mobilenet-exits-cifar10-T.onnx)

Joint training: sum of the exits' cross-entropies with weights (--weights, default
0.3,0.3,1.0), plus each predictor's binary cross-entropy on the detached stage output
(so the predictors never move the backbone), SGD + one-cycle LR, random crop (pad 4) + flip.
--distill T: each early exit's term becomes half cross-entropy, half KL divergence to the final
exit's detached softmax at temperature T (self-distillation; the logged ce0/ce1 are then that mix).
--head light: cheaper early heads (see Head). The variant for issue 4's targets:
    --epochs 36 --head light --distill 3 --weights 0.5,0.5,1.0 --tag light
"""
import common  # first: it sets OMP_WAIT_POLICY before torch loads
import torch
import torch.nn as nn
import torch.nn.functional as F

NORM = {'mean': [0.4914, 0.4822, 0.4465], 'std': [0.2470, 0.2435, 0.2616], 'scale': 255}
# (output channels, stride) of the depthwise-separable blocks, per stage, at width 1
STAGES = [
    [(64, 1), (128, 2), (128, 1)],                           # 32x32 -> 16x16: exit 0
    [(256, 2), (256, 1)],                                    # -> 8x8: exit 1
    [(512, 2)] + [(512, 1)] * 5 + [(1024, 1), (1024, 1)],    # -> 4x4: final exit
]
THRESHOLDS = [0.05, 0.1, 0.2, 0.4, 0.8]


def ch(c, width):
    return max(8, int(c * width + 4) // 8 * 8)


def conv_bn(cin, cout, k, stride=1, groups=1):
    return nn.Sequential(nn.Conv2d(cin, cout, k, stride, k // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


def gap(x):
    """Global average pool to [N, C]. Training uses avg_pool2d, whose backward writes a dense
    gradient (adaptive pooling's is a stride-0 view that makes the next BN/ReLU backward
    several times slower on CPU); the export uses adaptive pooling -> GlobalAveragePool."""
    if torch.onnx.is_in_onnx_export():
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
    return torch.flatten(F.avg_pool2d(x, x.shape[2:]), 1)


def separable(cin, cout, stride):
    return nn.Sequential(conv_bn(cin, cin, 3, stride, groups=cin), conv_bn(cin, cout, 1))


class Head(nn.Module):
    """Exit classifier: 1x1 conv -> BN -> ReLU -> global average pool -> FC ('conv', the shipped
    model's), or a stride-2 depthwise-separable block first ('light': the 1x1 conv then runs at a
    quarter of the pixels, about a quarter of the MACs)."""

    def __init__(self, cin, cmid, kind='conv'):
        super().__init__()
        if kind == 'light':
            self.conv = separable(cin, cmid, 2)
        else:
            self.conv = conv_bn(cin, cmid, 1)
        self.fc = nn.Linear(cmid, 10)

    def forward(self, x):
        return self.fc(gap(self.conv(x)))


class Predictor(nn.Module):
    """Global average pool -> FC -> 1 logit, on the detached stage output."""

    def __init__(self, cin):
        super().__init__()
        self.fc = nn.Linear(cin, 1)

    def forward(self, x):
        return self.fc(gap(x.detach()))


class MobileNetExits(nn.Module):
    def __init__(self, width, head='conv'):
        super().__init__()
        cin = ch(32, width)
        layers = [conv_bn(3, cin, 3)]
        self.stages = nn.ModuleList()
        outs = []
        for stage in STAGES:
            for c, s in stage:
                layers.append(separable(cin, ch(c, width), s))
                cin = ch(c, width)
            self.stages.append(nn.Sequential(*layers))
            outs.append(cin)
            layers = []
        # early heads: 1x1 conv to twice the stage's width; the final one is GAP -> FC
        self.heads = nn.ModuleList([Head(c, 2 * c, head) for c in outs[:-1]])
        self.predictors = nn.ModuleList([Predictor(c) for c in outs[:-1]])
        self.fc = nn.Linear(outs[2], 10)

    def forward(self, x):
        exits, predicts = [], []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i < len(self.heads):
                exits.append(self.heads[i](x))
                predicts.append(self.predictors[i](x))
        exits.append(self.fc(gap(x)))
        return (*exits, *predicts)


def auc(score, positive):
    """Area under the ROC curve (probability that a positive outscores a negative)."""
    order = score.argsort()
    ranks = torch.empty_like(score).index_copy_(0, order, torch.arange(1, len(score) + 1, dtype=score.dtype))
    npos = positive.sum().item()
    nneg = len(score) - npos
    return ((ranks[positive].sum() - npos * (npos + 1) / 2) / (npos * nneg)).item()


def main():
    p = common.arg_parser(__doc__, epochs=18, batch_size=128, lr=0.1)
    p.add_argument('--width', type=float, default=0.5, help='width multiplier')
    p.add_argument('--weights', default='0.3,0.3,1.0', help='loss weights of exit0,exit1,exit2')
    p.add_argument('--head', choices=('conv', 'light'), default='conv', help='early heads: 1x1 conv at the stage resolution, or stride-2 depthwise-separable (see Head)')
    p.add_argument('--distill', type=float, default=0.0,
                   help='self-distillation temperature: early exits also learn the final exit\'s softened answer (0: off)')
    p.add_argument('--tag', default='', help='suffix of the checkpoint folder and the ONNX file (a variant beside the shipped model)')
    args = p.parse_args()
    weights = [float(w) for w in args.weights.split(',')]
    common.setup(args)
    train, val, test = common.cifar_splits()
    model = MobileNetExits(args.width, args.head)
    nex = len(weights)
    name = 'mobilenet-exits-cifar10' + ('' if args.width == 0.5 else f'-w{args.width}') + (f'-{args.tag}' if args.tag else '')

    def loss_fn(model, x, y):
        outs = model(x)
        exits, predicts = outs[:nex], outs[nex:]
        ce = [F.cross_entropy(o, y) for o in exits]
        if args.distill > 0:  # early exit i: half CE, half KL to the detached final exit at temperature T
            t = args.distill
            teacher = F.log_softmax(exits[-1].detach() / t, 1)
            kd = [F.kl_div(F.log_softmax(o / t, 1), teacher, log_target=True, reduction='batchmean') * t * t
                  for o in exits[:-1]]
            ce = [0.5 * c + 0.5 * k for c, k in zip(ce[:-1], kd)] + ce[-1:]
        bce = [F.binary_cross_entropy_with_logits(p[:, 0], (e.detach().argmax(1) == y).float())
               for e, p in zip(exits, predicts)]
        loss = sum(w * l for w, l in zip(weights, ce)) + sum(bce)
        logs = {'loss': loss.item(), **{f'ce{i}': l.item() for i, l in enumerate(ce)},
                **{f'bce{i}': l.item() for i, l in enumerate(bce)}}
        return loss, logs

    def evaluate(model):  # per-epoch progress on the validation split; the test split is kept for the end
        outs = common.predict(model, val[0], NORM)
        return {f'val_acc{i}': common.accuracy(o, val[1]) for i, o in enumerate(outs[:nex])}

    common.train(name, model, args, train, NORM, loss_fn, evaluate,
                 augment=lambda x, g: common.random_crop_flip(x, 4, True, g), channels_last=True)

    for split, (x, y) in (('val', val), ('test', test)):
        outs = common.predict(model, x, NORM)
        exits, predicts = outs[:nex], outs[nex:]
        ok = [e.argmax(1) == y for e in exits]
        print(f'{split} accuracy: ' + ', '.join(f'exit{i} {o.float().mean():.4f}' for i, o in enumerate(ok)))
        print(f'{split} predictor AUC (is exit i right?): ' +
              ', '.join(f'predict{i} {auc(p[:, 0], o):.3f}' for i, (p, o) in enumerate(zip(predicts, ok))))
    # entropy cascade on the test split: leave at the first exit whose softmax entropy is below t
    ent = [-(F.log_softmax(e, 1).exp() * F.log_softmax(e, 1)).sum(1) for e in exits]
    print('| entropy < t | exit0 | exit1 | exit2 | accuracy |')
    print('|---|---|---|---|---|')
    for t in THRESHOLDS:
        taken = torch.full_like(y, nex - 1)
        for i in reversed(range(nex - 1)):
            taken[ent[i] < t] = i
        right = torch.stack(ok, 1).gather(1, taken[:, None])[:, 0]
        shares = ' | '.join(f'{(taken == i).float().mean():.1%}' for i in range(nex))
        print(f'| {t} | {shares} | {right.float().mean():.2%} |')
    common.export_onnx(model, (3, 32, 32), [f'exit{i}' for i in range(nex)] + [f'predict{i}' for i in range(nex - 1)],
                       f'models/{name}.onnx', NORM, check_inputs=common.normalize(test[0][:16], NORM))


if __name__ == '__main__':
    main()
