"""ONNX twin of a TFLite graph, for timing branchy against LiteRT.js on the same architecture.

  /usr/bin/python3 bench/mlperf_twin.py OUT.onnx < SPEC.json

SPEC (written by bench/mlperf-vs-litert.mts from the .tflite file): the input shape (NHWC) and
the ops in order, each with its tensor ids, kind and the shapes and options the .tflite gives.
The twin has every CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, AVERAGE_POOL_2D, RESHAPE
and SOFTMAX with the same shapes, strides, kernel sizes, channel counts and fused ReLUs, so the
same MACs; weights are seeded random (kernel times do not depend on the values). One
difference: TFLite's SAME padding of an even input at stride 2 pads only bottom and right;
a torch export pads symmetrically, so such a layer here pads top and left by the same amount
as well, which gives the same output shape and work.
"""
import json
import sys

import torch
from torch import nn


def same_pad(size, k, s):
    out = (size + s - 1) // s
    total = max((out - 1) * s + k - size, 0)
    return (total + 1) // 2  # symmetric; the output size is TFLite's: floor((size + 2p - k) / s) + 1 == out


class Twin(nn.Module):
    def __init__(self, spec):
        super().__init__()
        self.ops = spec['ops']
        self.input = spec['input_id']
        self.output = spec['output_id']
        self.mods = nn.ModuleList()
        for op in self.ops:
            o = op.get('options', {})
            kind = op['op']
            m = None
            if kind in ('CONV_2D', 'DEPTHWISE_CONV_2D'):
                _, h, w, cin = op['in_shapes'][0]
                wshape = op['in_shapes'][1]
                kh, kw = wshape[1], wshape[2]
                sh, sw = o['strideH'], o['strideW']
                if o['padding'] == 'SAME':
                    ph, pw = same_pad(h, kh, sh), same_pad(w, kw, sw)
                else:
                    ph = pw = 0
                cout = wshape[0] if kind == 'CONV_2D' else wshape[3]
                groups = 1 if kind == 'CONV_2D' else cin
                m = nn.Conv2d(cin, cout, (kh, kw), (sh, sw), (ph, pw), dilation=(o['dilationH'], o['dilationW']), groups=groups)
                want = op['out_shapes'][0]
                got = [(h + 2 * ph - o['dilationH'] * (kh - 1) - 1) // sh + 1, (w + 2 * pw - o['dilationW'] * (kw - 1) - 1) // sw + 1]
                assert got == want[1:3], f'{kind} output {got} != TFLite {want}'
            elif kind == 'FULLY_CONNECTED':
                m = nn.Linear(op['in_shapes'][1][1], op['in_shapes'][1][0])
            elif kind == 'AVERAGE_POOL_2D':
                assert o['padding'] == 'VALID'
                m = nn.AvgPool2d((o['filterHeight'], o['filterWidth']), (o['strideH'], o['strideW']))
            elif kind not in ('ADD', 'RESHAPE', 'SOFTMAX'):
                raise SystemExit(f'mlperf_twin: {kind} has no twin here')
            self.mods.append(m if m is not None else nn.Identity())

    def forward(self, x):
        t = {self.input: x}
        for op, m in zip(self.ops, self.mods):
            kind, ins, o = op['op'], [t[i] for i in op['inputs'] if i in t], op.get('options', {})
            if kind == 'ADD':
                y = ins[0] + ins[1]
            elif kind == 'RESHAPE':
                y = torch.flatten(ins[0], 1)
            elif kind == 'SOFTMAX':
                y = torch.softmax(ins[0], dim=1)
            else:
                y = m(ins[0])
            act = o.get('activation', 'NONE')
            if act == 'RELU':
                y = torch.relu(y)
            elif act == 'RELU6':
                y = torch.clamp(y, 0, 6)
            elif act != 'NONE':
                raise SystemExit(f'mlperf_twin: activation {act}')
            t[op['outputs'][0]] = y
        return t[self.output]


def main():
    spec = json.load(sys.stdin)
    torch.manual_seed(21)
    torch.set_num_threads(1)
    model = Twin(spec).eval()
    shape = spec['input_shape']
    if len(shape) == 4:
        shape = [shape[0], shape[3], shape[1], shape[2]]  # NHWC -> NCHW
    with torch.no_grad():
        torch.onnx.export(model, torch.zeros(shape), sys.argv[1], opset_version=13, do_constant_folding=True,
                          input_names=['input'], output_names=['output'])


if __name__ == '__main__':
    main()
