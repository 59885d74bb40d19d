"""A plain CIFAR-10 ResNet (one exit) -> models/resnet-cifar10.onnx

Input `input` [N,3,32,32]; output `logits` [N,10]. The case `branchy attach` is for: a network
trained the ordinary way, without early exits, to which exits are attached afterwards with the
backbone frozen (docs/early-exit.md, "Attached exits"). Trains on the first 45,000 CIFAR-10
training images (JPEG copy); the last 5,000 are the validation split (data/cifar10/val.bin).

    nohup nice -n 19 /usr/bin/python3 train/cifar_resnet.py >> checkpoints/resnet-cifar10.log 2>&1 &
    (--seed 1 --epochs 12 --blocks 2; rerun the same command to resume after an interruption)

ResNet-v1 for CIFAR (He et al. 2016, section 4.2) at widths 16/32/64 with --blocks basic
blocks per stage: 2 gives ResNet-14 (27 M MACs, 0.17 M parameters), 3 ResNet-20, 1 the
MLPerf Tiny ResNet-8 layout. Downsampling blocks use a 1x1 stride-2 projection shortcut (as
MLPerf Tiny's ResNet-8). Cross-entropy, SGD + one-cycle LR, random crop (pad 4) + flip.
"""
import common  # first: it sets OMP_WAIT_POLICY before torch loads
import torch
import torch.nn as nn
import torch.nn.functional as F

NORM = {'mean': [0.4914, 0.4822, 0.4465], 'std': [0.2470, 0.2435, 0.2616], 'scale': 255}


class Block(nn.Module):
    """3x3 conv -> BN -> ReLU -> 3x3 conv -> BN, plus the shortcut, then ReLU."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        return F.relu(y + (x if self.short is None else self.short(x)))


class ResNet(nn.Module):
    def __init__(self, blocks, widths=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers, cin = [], widths[0]
        for s, w in enumerate(widths):
            for b in range(blocks):
                layers.append(Block(cin, w, 2 if s > 0 and b == 0 else 1))
                cin = w
        self.blocks = nn.Sequential(*layers)
        self.fc = nn.Linear(cin, 10)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        if torch.onnx.is_in_onnx_export():
            x = F.adaptive_avg_pool2d(x, 1)  # -> GlobalAveragePool
        else:
            x = F.avg_pool2d(x, x.shape[2:])  # a dense gradient (see cifar_mobilenet_exits.gap)
        return self.fc(torch.flatten(x, 1))


def main():
    p = common.arg_parser(__doc__, epochs=12, batch_size=128, lr=0.1)
    p.add_argument('--blocks', type=int, default=2, help='basic blocks per stage (2: ResNet-14)')
    args = p.parse_args()
    common.setup(args)
    train, val, test = common.cifar_splits()
    model = ResNet(args.blocks)
    name = 'resnet-cifar10' + ('' if args.blocks == 2 else f'-b{args.blocks}')

    def loss_fn(model, x, y):
        loss = F.cross_entropy(model(x), y)
        return loss, {'loss': loss.item()}

    def evaluate(model):  # per-epoch progress on the validation split; the test split is kept for the end
        return {'val_acc': common.accuracy(common.predict(model, val[0], NORM)[0], val[1])}

    common.train(name, model, args, train, NORM, loss_fn, evaluate,
                 augment=lambda x, g: common.random_crop_flip(x, 4, True, g), channels_last=True)
    print(f'test accuracy {common.accuracy(common.predict(model, test[0], NORM)[0], test[1]):.4f}')
    common.export_onnx(model, (3, 32, 32), ['logits'], f'models/{name}.onnx', NORM,
                       check_inputs=common.normalize(test[0][:16], NORM))


if __name__ == '__main__':
    main()
