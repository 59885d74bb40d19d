"""Binary CNN with an early exit, trained with knowledge distillation from a float teacher
-> models/bnn-kd-<dataset>[-bwn].onnx (input `input` [N,C,H,W]; outputs `exit0` (early exit),
`exit1` (final), logits [N,10]).

    nohup nice -n 19 /usr/bin/python3 train/bnn_kd.py --dataset mnist >> checkpoints/bnn-kd-mnist.log 2>&1 &
    nohup nice -n 19 /usr/bin/python3 train/bnn_kd.py --dataset mnist --weights-only >> checkpoints/bnn-kd-mnist-bwn.log 2>&1 &
    nice -n 19 /usr/bin/python3 train/bnn_kd.py --dataset cifar10 --teacher checkpoints/mobilenet-exits-cifar10/last.pt

The network (BinaryNet / XNOR-Net style): the first conv is float (int8 after `branchy
convert --quant int8`), then binary blocks `sign -> binary conv -> BN [-> max pool]`, where the
weights are alpha * sign(w) with alpha = mean |w| per output channel (XNOR-Net) and sign has a
straight-through gradient (1 where |x| <= 1); the last layer is float (int8). --weights-only
trains the binary-weight / 8-bit-activation variant: the same layers with ReLU instead of the
sign (branchy quantizes the activations to int8). The early exit reads the pooled BN output of
the first (MNIST) or third (CIFAR-10) binary block: max pool 2 -> FC.

Loss per exit (Kim et al., Ajou 2020; Hinton et al.): (1 - kd) * CE(exit, y) + kd * T^2 *
KL(softmax(teacher / T) || softmax(exit / T)), weights 0.5 (exit0) and 1.0 (exit1). The
teacher is a float model given as a checkpoint: train/mnist_lenet.py's LeNet
(checkpoints/mnist-lenet/last.pt) for MNIST, train/cifar_mobilenet_exits.py's MobileNetExits
(its final exit) for CIFAR-10. --limit N trains on the first N images (a quick check of the
whole path); each variant checkpoints to checkpoints/bnn-kd-<dataset>[-bwn][-limitN]/.

The ONNX export writes the binary weights as their values alpha * (+-1) (BatchNorm folded
by the exporter keeps them +-alpha' per channel) and the activations as ONNX Sign; the script
prints the layers to give `branchy convert --binarize` (Sign(0) is 0 in ONNX and +1 in
branchy; a BN output is never exactly 0 in practice).
"""
import json
import os

import common  # first: it sets OMP_WAIT_POLICY before torch loads
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    # first conv channels (with max pool?), binary blocks (channels, max pool), exit after block,
    # final: flatten -> binary FC of `fc` units -> BN -> ReLU -> FC, or GAP -> FC when fc is 0
    'mnist': {'shape': (1, 28, 28), 'first': (32, True), 'blocks': [(64, True), (128, True)], 'exit': 0, 'fc': 256,
              'norm': {'mean': [0.1307], 'std': [0.3081], 'scale': 255}},
    'cifar10': {'shape': (3, 32, 32), 'first': (64, False),
                'blocks': [(64, True), (128, False), (128, True), (256, False), (256, True)], 'exit': 2, 'fc': 0,
                'norm': {'mean': [0.4914, 0.4822, 0.4465], 'std': [0.2470, 0.2435, 0.2616], 'scale': 255}},
}
TEACHERS = {'mnist': 'checkpoints/mnist-lenet/last.pt', 'cifar10': 'checkpoints/mobilenet-exits-cifar10/last.pt'}


class SignSTE(torch.autograd.Function):
    """+1 where x >= 0, else -1 (branchy's bit); gradient passed where |x| <= 1."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class Sign(nn.Module):
    def forward(self, x):
        return torch.sign(x) if torch.onnx.is_in_onnx_export() else SignSTE.apply(x)


def binary_weight(w, exact=False):
    """alpha * sign(w), alpha = mean |w| per output channel; the gradient reaches w as alpha * identity.
    exact: the values alpha * (+-1) themselves (the export; s + w - w is only close to s)."""
    alpha = w.abs().mean(dim=tuple(range(1, w.dim())), keepdim=True)
    s = torch.where(w >= 0, torch.ones_like(w), -torch.ones_like(w))
    return alpha * s if exact else alpha * (s + w - w.detach())


class BinConv2d(nn.Conv2d):
    """Conv with binary weights; `frozen` (set for the export) holds alpha * (+-1) as a constant."""

    def forward(self, x):
        w = self.frozen if getattr(self, 'frozen', None) is not None else binary_weight(self.weight)
        return F.conv2d(x, w, None, self.stride, self.padding)


class BinLinear(nn.Linear):
    def forward(self, x):
        w = self.frozen if getattr(self, 'frozen', None) is not None else binary_weight(self.weight)
        return F.linear(x, w, None)


def gap(x):
    """[N,C,H,W] -> [N,C]; GlobalAveragePool in the export (see cifar_mobilenet_exits.gap)."""
    if torch.onnx.is_in_onnx_export():
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
    return torch.flatten(F.avg_pool2d(x, x.shape[2:]), 1)


def ch(c, width):
    return max(32, int(c * width) // 32 * 32)  # binary layers pack 32 channels per word


class BNN(nn.Module):
    def __init__(self, cfg, width, weights_only):
        super().__init__()
        act = nn.ReLU if weights_only else Sign
        cin = cfg['shape'][0]
        c0, pool0 = cfg['first']
        c = ch(c0, width)
        self.first = nn.Sequential(nn.Conv2d(cin, c, 3, padding=1, bias=False), nn.BatchNorm2d(c),
                                   *([nn.MaxPool2d(2)] if pool0 else []))
        self.acts = nn.ModuleList([act()])
        self.blocks = nn.ModuleList()
        for cout, pool in cfg['blocks']:
            co = ch(cout, width)
            self.blocks.append(nn.Sequential(BinConv2d(c, co, 3, padding=1, bias=False), nn.BatchNorm2d(co),
                                             *([nn.MaxPool2d(2)] if pool else [])))
            self.acts.append(act())
            c = co
        # spatial size after the first conv and after each block
        sizes, (h, w) = [], cfg['shape'][1:]
        for _, pool in [cfg['first']] + cfg['blocks']:
            h, w = (h // 2, w // 2) if pool else (h, w)
            sizes.append((h, w))
        self.exit_at = cfg['exit']
        ce = ch(cfg['blocks'][self.exit_at][0], width)
        eh, ew = sizes[self.exit_at + 1]
        self.exit_fc = nn.Linear(ce * (eh // 2) * (ew // 2), 10)
        self.fc_units = cfg['fc']
        if self.fc_units:
            self.bfc = BinLinear(c * h * w, cfg['fc'], bias=False)
            self.bfc_bn = nn.BatchNorm1d(cfg['fc'])
            self.fc = nn.Linear(cfg['fc'], 10)
        else:
            self.fc = nn.Linear(c, 10)

    def forward(self, x):
        x = self.first(x)
        exit0 = None
        for i, block in enumerate(self.blocks):
            x = block(self.acts[i](x))
            if i == self.exit_at:
                exit0 = self.exit_fc(torch.flatten(F.max_pool2d(x, 2), 1))
        if self.fc_units:
            x = torch.flatten(self.acts[-1](x), 1)
            return exit0, self.fc(F.relu(self.bfc_bn(self.bfc(x))))
        return exit0, self.fc(gap(x))


def load_teacher(dataset, path):
    """The float teacher (eval mode) and a function from normalised images to its logits."""
    state = torch.load(os.path.join(common.REPO, path), map_location='cpu')
    if dataset == 'mnist':
        from mnist_lenet import LeNet
        t = LeNet()
        t.load_state_dict(state['model'])
        fn = lambda x: t(x)  # noqa: E731
    else:
        from cifar_mobilenet_exits import MobileNetExits, STAGES
        t = MobileNetExits(state['args'].get('width', 0.5))
        t.load_state_dict(state['model'])
        fn = lambda x: t(x)[len(STAGES) - 1]  # noqa: E731  (the final exit)
    t.eval()
    for p in t.parameters():
        p.requires_grad_(False)
    return t, fn, state.get('epoch')


def kd_loss(logits, teacher, y, kd, T):
    ce = F.cross_entropy(logits, y)
    kl = F.kl_div(F.log_softmax(logits / T, 1), F.softmax(teacher / T, 1), reduction='batchmean') * T * T
    return (1 - kd) * ce + kd * kl


def binarizable(path):
    """Conv / Gemm / MatMul nodes of the exported ONNX whose weights are +-alpha per output channel."""
    import onnx
    from onnx import numpy_helper
    m = onnx.load(path)
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    names = []
    for n in m.graph.node:
        if n.op_type in ('Conv', 'Gemm', 'MatMul') and len(n.input) > 1 and n.input[1] in inits:
            w = inits[n.input[1]]
            if n.op_type == 'MatMul' or (n.op_type == 'Gemm' and not any(a.name == 'transB' and a.i for a in n.attribute)):
                w = w.T  # [K, N] -> output channels first
            a = np.abs(w.reshape(w.shape[0], -1))
            if w.size > w.shape[0] and np.all(a == a[:, :1]):
                names.append(n.name)
    return names


def main():
    p = common.arg_parser(__doc__, epochs=8, batch_size=128, lr=0.05)
    p.add_argument('--dataset', choices=list(CONFIGS), default='mnist')
    p.add_argument('--weights-only', action='store_true', help='binary weights, ReLU (8-bit) activations')
    p.add_argument('--width', type=float, default=1.0, help='channel multiplier (multiples of 32)')
    p.add_argument('--teacher', help='float teacher checkpoint (default per dataset)')
    p.add_argument('--kd', type=float, default=0.9, help='weight of the distillation term')
    p.add_argument('--temperature', type=float, default=4.0)
    p.add_argument('--limit', type=int, default=0, help='train on the first N images only (quick check)')
    p.add_argument('--out', help='ONNX file (default models/bnn-kd-<dataset>[-bwn].onnx)')
    args = p.parse_args()
    common.setup(args)
    cfg = CONFIGS[args.dataset]
    norm = cfg['norm']
    variant = f'bnn-kd-{args.dataset}' + ('-bwn' if args.weights_only else '') + \
        ('' if args.width == 1.0 else f'-w{args.width}') + (f'-limit{args.limit}' if args.limit else '')
    out = args.out or f'models/{variant}.onnx'

    if args.dataset == 'mnist':
        train, test = common.load_mnist('train'), common.load_mnist('test')
        val = test
        augment = lambda x, g: common.random_crop_flip(x, 2, False, g)  # noqa: E731
    else:
        train, val, test = common.cifar_splits()
        augment = lambda x, g: common.random_crop_flip(x, 4, True, g)  # noqa: E731
    if args.limit:
        train = (train[0][:args.limit], train[1][:args.limit])
        val = (val[0][:max(1000, args.limit // 5)], val[1][:max(1000, args.limit // 5)])
    teacher, teach, teacher_epoch = load_teacher(args.dataset, args.teacher or TEACHERS[args.dataset])
    model = BNN(cfg, args.width, args.weights_only)
    weights = [0.5, 1.0]

    def loss_fn(model, x, y):
        with torch.no_grad():
            t = teach(x)
        outs = model(x)
        losses = [kd_loss(o, t, y, args.kd, args.temperature) for o in outs]
        loss = sum(w * l for w, l in zip(weights, losses))
        return loss, {'loss': loss.item(), 'loss0': losses[0].item(), 'loss1': losses[1].item()}

    def evaluate(model):
        outs = common.predict(model, val[0], norm)
        return {f'val_acc{i}': common.accuracy(o, val[1]) for i, o in enumerate(outs)}

    history = common.train(variant, model, args, train, norm, loss_fn, evaluate, augment=augment, weight_decay=1e-5)

    exit0, exit1 = common.predict(model, test[0], norm)
    teacher_acc = common.accuracy(common.predict(teacher, test[0], norm)[-1 if args.dataset == 'mnist' else 2], test[1])
    summary = {
        'variant': variant, 'dataset': args.dataset, 'weights_only': args.weights_only, 'epochs': args.epochs,
        'train_images': len(train[1]), 'teacher': args.teacher or TEACHERS[args.dataset], 'teacher_epoch': teacher_epoch,
        'test_acc_exit0': common.accuracy(exit0, test[1]), 'test_acc_exit1': common.accuracy(exit1, test[1]),
        'test_acc_teacher': teacher_acc, 'seconds': sum(h['seconds'] for h in history),
    }
    print(json.dumps(summary), flush=True)

    # Export: the binary weights as constants alpha * (+-1).
    for m in model.modules():
        if isinstance(m, (BinConv2d, BinLinear)):
            m.register_buffer('frozen', binary_weight(m.weight, exact=True).detach())
    common.export_onnx(model, cfg['shape'], ['exit0', 'exit1'], out, norm,
                       check_inputs=common.normalize(test[0][:16], norm))
    layers = binarizable(os.path.join(common.REPO, out))
    summary['binarize'] = layers
    with open(os.path.join(common.REPO, 'checkpoints', variant, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(f'branchy convert {out} --binarize {",".join(layers)} --quant int8 --calib {args.dataset} '
          f'-o {out[:-5]}.branchy', flush=True)


if __name__ == '__main__':
    main()
