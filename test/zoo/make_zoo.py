"""The model zoo: common architectures with random weights, exported as a user would (opset 13,
do_constant_folding=True, static batch 1), for test/zoo/zoo.test.ts, test/zoo/inventory.ts and
bench/zoo.mts. No downloads: torchvision's constructors with their own initialisation under a
fixed seed, then every BatchNorm made non-trivial (nontrivial_bn: random scale and shift, running
statistics from a seeded batch), so that folding is exercised and activations stay near unit size.

Run with Debian's PyTorch (torch 1.13, torchvision 0.14):
    /usr/bin/python3 test/zoo/make_zoo.py [--out DIR] [--only NAME,...]
Writes DIR/<name>.onnx and DIR/manifest.json (default DIR: test/zoo/models, git-ignored).
Deterministic: the same bytes on every run (one torch thread).
"""
import argparse
import hashlib
import json
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision.models as tvm

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = 13
# Every RGB model at 96 px (224 is the usual size): 96 = 3 x 32, so each stride step still acts
# and the last feature map is 3x3 (odd sizes on the way exercise pads and ceil modes), at 18% of
# the MACs. The int8 test calibrates on 32 inputs (64 runs of the float model); at 96 px that
# takes ~35 s for densenet121 on a busy 2-core machine and a few seconds for most models. 64 px
# would halve it but leaves 2x2 maps and raises the int8 error (fewer positions averaged).
# `--image-size 224` writes the usual size (for a benchmark).
PX = 96


# ---------------------------------------------------------------- hand-written models

def cbl(cin, cout, k=3, s=1, act=None):
    """Conv (no bias) + BatchNorm + activation, 'same' padding for odd k."""
    return nn.Sequential(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), act or nn.ReLU())


class TinyYoloV2(nn.Module):
    """tiny-YOLOv2 (Darknet tiny-yolo-voc.cfg) as PyTorch ports write it: 3x3 conv + BN + LeakyReLU(0.1),
    2x2/2 max pools, then ZeroPad2d((0, 1, 0, 1)) before a 2x2 stride-1 max pool (keeps 13x13 at 416),
    two 1024-channel convs and the region head (1x1 conv to 5 anchors x (5 + 20 classes) = 125)."""

    def __init__(self):
        super().__init__()
        leaky = lambda: nn.LeakyReLU(0.1)
        layers, cin = [], 3
        for cout in [16, 32, 64, 128, 256]:
            layers += [cbl(cin, cout, act=leaky()), nn.MaxPool2d(2, 2)]
            cin = cout
        layers += [cbl(256, 512, act=leaky()), nn.ZeroPad2d((0, 1, 0, 1)), nn.MaxPool2d(2, 1),
                   cbl(512, 1024, act=leaky()), cbl(1024, 1024, act=leaky()), nn.Conv2d(1024, 125, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x)


class C2f(nn.Module):
    """YOLOv8's C2f: 1x1 conv, split in two halves (chunk), n bottlenecks on the last, concat all, 1x1 conv."""

    def __init__(self, cin, cout, n, shortcut):
        super().__init__()
        self.c = cout // 2
        self.cv1 = cbl(cin, 2 * self.c, 1, act=nn.SiLU())
        self.cv2 = cbl((2 + n) * self.c, cout, 1, act=nn.SiLU())
        self.m = nn.ModuleList(nn.Sequential(cbl(self.c, self.c, act=nn.SiLU()), cbl(self.c, self.c, act=nn.SiLU())) for _ in range(n))
        self.shortcut = shortcut

    def forward(self, x):
        y = list(self.cv1(x).chunk(2, 1))
        for m in self.m:
            y.append(y[-1] + m(y[-1]) if self.shortcut else m(y[-1]))
        return self.cv2(torch.cat(y, 1))


class SPPF(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.cv1 = cbl(cin, cin // 2, 1, act=nn.SiLU())
        self.cv2 = cbl(cin * 2, cout, 1, act=nn.SiLU())
        self.pool = nn.MaxPool2d(5, 1, 2)

    def forward(self, x):
        x = self.cv1(x)
        y1 = self.pool(x)
        y2 = self.pool(y1)
        return self.cv2(torch.cat([x, y1, y2, self.pool(y2)], 1))


class YoloV8n(nn.Module):
    """YOLOv8n's layout (width 0.25, depth 0.33): Conv+BN+SiLU, C2f, SPPF, PAN neck with nearest
    upsampling and concat, decoupled box / class head per level (no DFL: 4 box values), the levels
    flattened and joined into [1, 4 + 80, anchors] with sigmoid class scores, as the export gives."""

    def __init__(self, nc=80):
        super().__init__()
        s = lambda: nn.SiLU()
        self.b0 = nn.Sequential(cbl(3, 16, 3, 2, s()), cbl(16, 32, 3, 2, s()), C2f(32, 32, 1, True))
        self.b1 = nn.Sequential(cbl(32, 64, 3, 2, s()), C2f(64, 64, 2, True))                      # P3 /8
        self.b2 = nn.Sequential(cbl(64, 128, 3, 2, s()), C2f(128, 128, 2, True))                   # P4 /16
        self.b3 = nn.Sequential(cbl(128, 256, 3, 2, s()), C2f(256, 256, 1, True), SPPF(256, 256))  # P5 /32
        self.up = nn.Upsample(scale_factor=2, mode='nearest')
        self.n1 = C2f(256 + 128, 128, 1, False)
        self.n2 = C2f(128 + 64, 64, 1, False)
        self.d1 = cbl(64, 64, 3, 2, s())
        self.n3 = C2f(64 + 128, 128, 1, False)
        self.d2 = cbl(128, 128, 3, 2, s())
        self.n4 = C2f(128 + 256, 256, 1, False)
        self.nc = nc
        self.box = nn.ModuleList(nn.Sequential(cbl(c, 64, act=s()), cbl(64, 64, act=s()), nn.Conv2d(64, 4, 1)) for c in (64, 128, 256))
        self.cls = nn.ModuleList(nn.Sequential(cbl(c, 80, act=s()), cbl(80, 80, act=s()), nn.Conv2d(80, nc, 1)) for c in (64, 128, 256))

    def forward(self, x):
        p3 = self.b1(self.b0(x))
        p4 = self.b2(p3)
        p5 = self.b3(p4)
        h4 = self.n1(torch.cat([self.up(p5), p4], 1))
        h3 = self.n2(torch.cat([self.up(h4), p3], 1))
        h4 = self.n3(torch.cat([self.d1(h3), h4], 1))
        h5 = self.n4(torch.cat([self.d2(h4), p5], 1))
        levels = [h3, h4, h5]
        box = torch.cat([b(f).flatten(2) for b, f in zip(self.box, levels)], 2)
        cls = torch.cat([c(f).flatten(2) for c, f in zip(self.cls, levels)], 2)
        return torch.cat([box, cls.sigmoid()], 1)


class DSCNN(nn.Module):
    """MLPerf Tiny keyword spotting DS-CNN: 49x10 MFCC in, 10x4/2 conv to 64 + BN + ReLU, four
    depthwise-separable blocks (3x3 dw + BN + ReLU, 1x1 to 64 + BN + ReLU), 25x5 average pool,
    12-way linear. The reference (Keras) pads 'same' asymmetrically (4/5 rows, 1/1 columns);
    PyTorch's Conv2d pads symmetrically, so 5 rows and 1 column here give the same 25x5 map."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 64, (10, 4), 2, (5, 1), bias=False), nn.BatchNorm2d(64), nn.ReLU())
        self.blocks = nn.Sequential(*[nn.Sequential(
            nn.Conv2d(64, 64, 3, 1, 1, groups=64, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, 64, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU()) for _ in range(4)])
        self.pool = nn.AvgPool2d((25, 5))
        self.fc = nn.Linear(64, 12)

    def forward(self, x):
        return self.fc(torch.flatten(self.pool(self.blocks(self.stem(x))), 1))


class AudioConv1d(nn.Module):
    """An M5-style raw-audio classifier on NCW input (0.5 s at 16 kHz): Conv1d / BatchNorm1d / ReLU /
    MaxPool1d blocks, AdaptiveAvgPool1d(1), linear to 12 classes."""

    def __init__(self):
        super().__init__()
        def blk(cin, cout, k, s=1):
            return [nn.Conv1d(cin, cout, k, s, bias=False), nn.BatchNorm1d(cout), nn.ReLU()]
        self.net = nn.Sequential(*blk(1, 32, 80, 4), nn.MaxPool1d(4), *blk(32, 32, 3), nn.MaxPool1d(4),
                                 *blk(32, 64, 3), nn.MaxPool1d(4), *blk(64, 64, 3), nn.AdaptiveAvgPool1d(1))
        self.fc = nn.Linear(64, 12)

    def forward(self, x):
        return self.fc(torch.flatten(self.net(x), 1))


class FcAutoencoder(nn.Module):
    """MLPerf Tiny anomaly detection autoencoder: 640 -> 4 x (128, BN, ReLU) -> (8, BN, ReLU) -> 4 x (128, BN, ReLU) -> 640."""

    def __init__(self):
        super().__init__()
        dims = [640, 128, 128, 128, 128, 8, 128, 128, 128, 128]
        layers = []
        for a, b in zip(dims, dims[1:]):
            layers += [nn.Linear(a, b), nn.BatchNorm1d(b), nn.ReLU()]
        self.net = nn.Sequential(*layers, nn.Linear(128, 640))

    def forward(self, x):
        return self.net(x)


class TinyUNet(nn.Module):
    """A two-level U-Net: (3x3 conv + BN + ReLU) x 2 per level, 2x2 max pools down, ConvTranspose2d 2x2/2
    up (the second one depthwise, groups = channels, then a 1x1 conv), skip concats, 1x1 head to 2 classes."""

    def __init__(self):
        super().__init__()
        two = lambda a, b: nn.Sequential(cbl(a, b), cbl(b, b))
        self.e1, self.e2, self.mid = two(3, 16), two(16, 32), two(32, 64)
        self.up2 = nn.ConvTranspose2d(64, 32, 2, 2)
        self.d2 = two(64, 32)
        self.up1 = nn.Sequential(nn.ConvTranspose2d(32, 32, 2, 2, groups=32), nn.Conv2d(32, 16, 1))
        self.d1 = two(32, 16)
        self.head = nn.Conv2d(16, 2, 1)

    def forward(self, x):
        a = self.e1(x)
        b = self.e2(F.max_pool2d(a, 2))
        m = self.mid(F.max_pool2d(b, 2))
        b = self.d2(torch.cat([self.up2(m), b], 1))
        return self.head(self.d1(torch.cat([self.up1(b), a], 1)))


# ---------------------------------------------------------------- the zoo

def tv(ctor, **kw):
    return lambda: getattr(tvm, ctor)(weights=None, **kw)


# name -> (constructor, input shape (batch 1), output names)
ZOO = {
    'resnet18': (tv('resnet18'), [1, 3, PX, PX], ['logits']),
    'mobilenet_v2': (tv('mobilenet_v2'), [1, 3, PX, PX], ['logits']),
    'mobilenet_v3_small': (tv('mobilenet_v3_small'), [1, 3, PX, PX], ['logits']),
    'mobilenet_v3_large': (tv('mobilenet_v3_large'), [1, 3, PX, PX], ['logits']),
    'efficientnet_b0': (tv('efficientnet_b0'), [1, 3, PX, PX], ['logits']),
    'mnasnet0_5': (tv('mnasnet0_5'), [1, 3, PX, PX], ['logits']),
    'shufflenet_v2_x0_5': (tv('shufflenet_v2_x0_5'), [1, 3, PX, PX], ['logits']),
    'regnet_x_400mf': (tv('regnet_x_400mf'), [1, 3, PX, PX], ['logits']),
    'squeezenet1_1': (tv('squeezenet1_1'), [1, 3, PX, PX], ['logits']),
    'googlenet': (tv('googlenet', aux_logits=False, transform_input=False, init_weights=True), [1, 3, PX, PX], ['logits']),
    'densenet121': (tv('densenet121'), [1, 3, PX, PX], ['logits']),
    # A 3x3 grid (Darknet's 416 px: 13x13).
    'tiny_yolov2': (TinyYoloV2, [1, 3, PX, PX], ['grid']),
    # Grids 12, 6 and 3 (189 anchors).
    'yolov8n': (YoloV8n, [1, 3, PX, PX], ['output']),
    'ds_cnn_kws': (DSCNN, [1, 1, 49, 10], ['logits']),
    'audio_conv1d': (AudioConv1d, [1, 1, 8000], ['logits']),
    'fc_autoencoder': (FcAutoencoder, [1, 640], ['reconstruction']),
    'tiny_unet': (TinyUNet, [1, 3, PX, PX], ['mask']),
}


def nontrivial_bn(model, shape, gen):
    """Every BatchNorm non-trivial and well scaled: random scale (0.5..1.5) and shift (-0.3..0.3); running
    variance the mean square of what reaches it (per channel, over 16 seeded inputs uniform in [-1.5, 1.5],
    the range the tests feed), running mean a small random offset (within +-0.1 of that RMS).

    Why not statistics unrelated to the data (random mean and variance alone): the outputs stop
    depending on the input (googlenet's differ by < 1e-3 between two inputs), and a wrong kernel would
    still match. Why not data-centred statistics (train-mode BN): these random networks then amplify
    rounding more (int8 googlenet 26% from f32, against 12% here). docs/zoo.md has the numbers; the
    test checks that every model's outputs depend on its input."""
    def measure(bn, inputs):
        x = inputs[0].transpose(0, 1).reshape(bn.num_features, -1)
        rms2 = (x * x).mean(1)
        bn.running_var.copy_(rms2)
        bn.running_mean.copy_((torch.rand(bn.num_features, generator=gen) * 0.2 - 0.1) * rms2.sqrt())
    model.eval()
    hooks = []
    with torch.no_grad():
        for bn in (m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)):
            bn.weight.uniform_(0.5, 1.5, generator=gen)
            bn.bias.uniform_(-0.3, 0.3, generator=gen)
            hooks.append(bn.register_forward_pre_hook(measure))  # runs in forward order, before the BN uses its statistics
        model(torch.rand([16] + shape[1:], generator=gen) * 3 - 1.5)
    for h in hooks:
        h.remove()


# ---------------------------------------------------------------- reading the ONNX back (no onnx package needed)

def varint(buf, i):
    """Reads one protobuf varint at i: (value, next index)."""
    v = s = 0
    while True:
        b = buf[i]; i += 1
        v |= (b & 0x7f) << s; s += 7
        if b < 0x80:
            return v, i


def fields(buf):
    """Yields (field number, wire type, value) of one protobuf message; value: int or bytes."""
    i = 0
    while i < len(buf):
        key, i = varint(buf, i)
        f, w = key >> 3, key & 7
        if w == 0:
            v, i = varint(buf, i)
        elif w == 2:
            n, i = varint(buf, i)
            v, i = buf[i:i + n], i + n
        elif w in (1, 5):
            n = 8 if w == 1 else 4
            v, i = buf[i:i + n], i + n
        else:
            raise ValueError(f'wire type {w}')
        yield f, w, v


def ints(w, v):
    """A repeated int64 field's value(s): one varint, or a packed run of them."""
    if w == 0:
        return [v]
    out, i = [], 0
    while i < len(v):
        x, i = varint(v, i)
        out.append(x)
    return out


def summary(data):
    """ONNX ModelProto bytes -> (default-domain opset, {op: count}, number of initializer values)."""
    opset, ops, params = None, {}, 0
    for f, _, v in fields(data):
        if f == 8:  # opset_import: domain 1, version 2
            d = {g: x for g, _, x in fields(v)}
            if d.get(1, b'') in (b'', b'ai.onnx'):
                opset = d.get(2)
        elif f == 7:  # graph: node 1 (op_type 4), initializer 5 (dims 1)
            for g, _, x in fields(v):
                if g == 1:
                    op = next(bytes(y).decode() for h, _, y in fields(x) if h == 4)
                    ops[op] = ops.get(op, 0) + 1
                elif g == 5:
                    size = 1
                    for h, w, y in fields(x):
                        if h == 1:
                            for d in ints(w, y):
                                size *= d
                    params += size
    return opset, dict(sorted(ops.items())), params


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(HERE, 'models'))
    ap.add_argument('--only', default='')
    ap.add_argument('--image-size', type=int, default=0,
                    help='H = W of every RGB model instead of its default (e.g. 224 for a benchmark; the tests use the defaults)')
    args = ap.parse_args()
    only = [n for n in args.only.split(',') if n]
    for n in only:
        if n not in ZOO:
            sys.exit(f'unknown model {n}; the zoo: {", ".join(ZOO)}')
    torch.set_num_threads(1)  # the same sums in the same order: the same bytes on every run
    os.makedirs(args.out, exist_ok=True)
    manifest, t_all = [], time.time()
    for seed, (name, (ctor, shape, outputs)) in enumerate(ZOO.items()):
        if only and name not in only:
            continue
        t0 = time.time()
        torch.manual_seed(1000 + seed)
        gen = torch.Generator().manual_seed(2000 + seed)
        if args.image_size and len(shape) == 4 and shape[1] == 3:
            shape = shape[:2] + [args.image_size, args.image_size]
        model = ctor()
        nontrivial_bn(model, shape, gen)
        path = os.path.join(args.out, f'{name}.onnx')
        with torch.no_grad():
            torch.onnx.export(model, torch.zeros(shape), path, opset_version=OPSET, do_constant_folding=True,
                              input_names=['input'], output_names=outputs)
        data = open(path, 'rb').read()
        opset, ops, params = summary(data)
        manifest.append({'name': name, 'file': f'{name}.onnx', 'input': {'name': 'input', 'shape': shape},
                         'outputs': outputs, 'opset': opset, 'bytes': len(data), 'params': params,
                         'sha256': hashlib.sha256(data).hexdigest(), 'ops': ops})
        print(f'{name:20s} {str(shape):18s} {len(data) / 2**20:7.2f} MiB {time.time() - t0:5.1f} s  {" ".join(f"{k}:{v}" for k, v in ops.items())}', flush=True)
    if not only:
        with open(os.path.join(args.out, 'manifest.json'), 'w') as f:
            generator = hashlib.sha256(open(os.path.abspath(__file__), 'rb').read()).hexdigest()
            json.dump({'opset': OPSET, 'torch': torch.__version__.split('+')[0], 'generator': generator, 'models': manifest}, f, indent=1)
            f.write('\n')
    print(f'{len(manifest)} models in {time.time() - t_all:.1f} s -> {os.path.relpath(args.out)}')


if __name__ == '__main__':
    main()
