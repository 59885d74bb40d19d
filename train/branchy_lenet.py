"""BranchyNet's B-LeNet on MNIST -> models/branchy-lenet-mnist.onnx
(input `input` [N,1,28,28]; outputs `exit0` (early branch) and `exit1` (final), logits [N,10]).

    nice -n 19 /usr/bin/python3 train/branchy_lenet.py --head pool-conv8 --epochs 5   # the bundled model
    # other options: --seed 1 --weights 1.0,0.3 --threads 2 --out models/branchy-lenet-mnist.onnx

Joint training on the weighted sum of the exits' cross-entropies. The default weights
follow BranchyNet's choice of a larger weight on the early branch (1.0) than on the final
exit (0.3), which pushes the first conv block towards features the branch can classify.
The early branch is chosen with --head (HEADS below); the bundled model uses `pool-conv8`
(exit 0 = 342,720 MACs, 14.9 % of the 2,293,000 of full depth). Each head checkpoints to
its own checkpoints/branchy-lenet-mnist-<head>/.
"""
import common  # first: it sets OMP_WAIT_POLICY before torch loads
import torch
import torch.nn as nn
import torch.nn.functional as F

NORM = {'mean': [0.1307], 'std': [0.3081], 'scale': 255}
THRESHOLDS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0]


# Early-branch heads (exit 0), all reading the 12x12x20 output of the first conv block.
# MACs per image; the backbone (exit 1) costs 2,293,000 and its first block 288,000 of them.
HEADS = {
    # BranchyNet's B-LeNet branch: conv 3x3 (16) -> BN -> maxpool -> ReLU -> FC 576-10: 420,480
    'conv16': 'conv 3x3 20->16 at 12x12, maxpool, FC 576->10',
    # maxpool 2 first (6x6x20), then conv 3x3 (8) -> BN -> ReLU -> FC 288-10: 54,720
    'pool-conv8': 'maxpool 2, conv 3x3 20->8 at 6x6, FC 288->10',
    # maxpool 2, conv 3x3 (16) -> BN -> ReLU -> FC 576-10: 109,440
    'pool-conv16': 'maxpool 2, conv 3x3 20->16 at 6x6, FC 576->10',
    # maxpool 2, FC 720-10 (a linear classifier on the pooled features): 7,200
    'pool-fc': 'maxpool 2, FC 720->10',
}


class BLeNet(nn.Module):
    def __init__(self, head='pool-conv8'):
        super().__init__()
        self.head = head
        # stage 0: conv 5x5 (20) -> BN -> maxpool -> ReLU: 20 x 12 x 12
        self.conv1 = nn.Conv2d(1, 20, 5, bias=False)
        self.bn1 = nn.BatchNorm2d(20)
        # exit 0 (see HEADS)
        if head == 'conv16':
            self.b_conv = nn.Conv2d(20, 16, 3, padding=1, bias=False)
            self.b_bn = nn.BatchNorm2d(16)
            self.b_fc = nn.Linear(16 * 6 * 6, 10)
        elif head in ('pool-conv8', 'pool-conv16'):
            c = 8 if head == 'pool-conv8' else 16
            self.b_conv = nn.Conv2d(20, c, 3, padding=1, bias=False)
            self.b_bn = nn.BatchNorm2d(c)
            self.b_fc = nn.Linear(c * 6 * 6, 10)
        elif head == 'pool-fc':
            self.b_fc = nn.Linear(20 * 6 * 6, 10)
        else:
            raise ValueError(f'unknown head {head!r}; one of {", ".join(HEADS)}')
        # stage 1 + exit 1: the rest of LeNet
        self.conv2 = nn.Conv2d(20, 50, 5, bias=False)
        self.bn2 = nn.BatchNorm2d(50)
        self.fc1 = nn.Linear(50 * 4 * 4, 500)
        self.fc2 = nn.Linear(500, 10)

    def branch(self, h):
        if self.head == 'conv16':
            b = F.relu(F.max_pool2d(self.b_bn(self.b_conv(h)), 2))
        elif self.head == 'pool-fc':
            b = F.max_pool2d(h, 2)
        else:
            b = F.relu(self.b_bn(self.b_conv(F.max_pool2d(h, 2))))
        return self.b_fc(torch.flatten(b, 1))

    def forward(self, x):
        h = F.relu(F.max_pool2d(self.bn1(self.conv1(x)), 2))
        exit0 = self.branch(h)
        h = F.relu(F.max_pool2d(self.bn2(self.conv2(h)), 2))
        exit1 = self.fc2(F.relu(self.fc1(torch.flatten(h, 1))))
        return exit0, exit1


def entropy(logits):
    """Entropy (nats) of the softmax, as BranchyNet's exit criterion."""
    logp = F.log_softmax(logits, 1)
    return -(logp.exp() * logp).sum(1)


def main():
    p = common.arg_parser(__doc__, epochs=8, batch_size=128, lr=0.05)
    p.add_argument('--weights', default='1.0,0.3', help='loss weights of exit0,exit1')
    p.add_argument('--head', default='pool-conv8', choices=list(HEADS), help='early branch (exit 0)')
    p.add_argument('--out', default='models/branchy-lenet-mnist.onnx')
    args = p.parse_args()
    weights = [float(w) for w in args.weights.split(',')]
    common.setup(args)
    train, test = common.load_mnist('train'), common.load_mnist('test')
    model = BLeNet(args.head)

    def loss_fn(model, x, y):
        losses = [F.cross_entropy(o, y) for o in model(x)]
        loss = sum(w * l for w, l in zip(weights, losses))
        return loss, {'loss': loss.item(), **{f'loss{i}': l.item() for i, l in enumerate(losses)}}

    def evaluate(model):
        outs = common.predict(model, test[0], NORM)
        return {f'test_acc{i}': common.accuracy(o, test[1]) for i, o in enumerate(outs)}

    # one checkpoint directory per head, so that a run never resumes another head's weights
    common.train(f'branchy-lenet-mnist-{args.head}', model, args, train, NORM, loss_fn, evaluate,
                 augment=lambda x, g: common.random_crop_flip(x, 2, False, g))

    exit0, exit1 = common.predict(model, test[0], NORM)
    y = test[1]
    ok0, ok1 = exit0.argmax(1) == y, exit1.argmax(1) == y
    print(f'test accuracy: exit0 {ok0.float().mean():.4f}, exit1 {ok1.float().mean():.4f}')
    ent = entropy(exit0)
    print('| entropy(exit0) < t | exited at exit0 | exit0 accuracy on them | overall (rest at exit1) |')
    print('|---|---|---|---|')
    for t in THRESHOLDS:
        m = ent < t
        acc = ok0[m].float().mean().item() if m.any() else float('nan')
        overall = torch.where(m, ok0, ok1).float().mean().item()
        print(f'| {t} | {m.float().mean():.2%} | {acc:.2%} | {overall:.2%} |')
    common.export_onnx(model, (1, 28, 28), ['exit0', 'exit1'], args.out, NORM,
                       check_inputs=common.normalize(test[0][:16], NORM))


if __name__ == '__main__':
    main()
