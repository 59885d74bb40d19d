"""Export the MobileNet-v1 CIFAR-10 model with exits from its training checkpoint, for
benchmarking before training ends: same architecture and export as
train/cifar_mobilenet_exits.py (opset 13, branchy.normalize metadata), current weights.

    /usr/bin/python3 bench/peers/export_checkpoint.py [--ckpt checkpoints/mobilenet-exits-cifar10/last.pt]
        [-o bench/out/mobilenet-exits-cifar10.onnx]

Reads the checkpoint only (the training job rewrites it atomically every epoch).
"""
import argparse
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, 'train'))

import common  # noqa: E402  (first: sets OMP_WAIT_POLICY before torch loads)
import torch  # noqa: E402
import cifar_mobilenet_exits as cme  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--ckpt', default='checkpoints/mobilenet-exits-cifar10/last.pt')
    p.add_argument('-o', '--out', default='bench/out/mobilenet-exits-cifar10.onnx')
    args = p.parse_args()
    torch.set_num_threads(1)
    state = torch.load(os.path.join(REPO, args.ckpt), map_location='cpu')
    width = state['args']['width']
    nex = len(state['args']['weights'].split(','))
    model = cme.MobileNetExits(width, state['args'].get('head', 'conv'))
    model.load_state_dict(state['model'])
    print(f"checkpoint epoch {state['epoch']}/{state['args']['epochs']}, width {width}; last row: {state['history'][-1]}")
    names = [f'exit{i}' for i in range(nex)] + [f'predict{i}' for i in range(nex - 1)]
    common.export_onnx(model, (3, 32, 32), names, os.path.relpath(os.path.abspath(args.out), REPO), cme.NORM)


if __name__ == '__main__':
    main()
