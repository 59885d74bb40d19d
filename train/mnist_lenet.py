"""LeNet-5-style MNIST classifier -> models/mnist-lenet.onnx (input `input` [N,1,28,28], output `logits` [N,10]).

    nice -n 19 /usr/bin/python3 train/mnist_lenet.py          # --seed 1 --epochs 8
"""
import common  # first: it sets OMP_WAIT_POLICY before torch loads
import torch
import torch.nn as nn
import torch.nn.functional as F

NORM = {'mean': [0.1307], 'std': [0.3081], 'scale': 255}


class LeNet(nn.Module):
    """conv 5x5 (20) -> BN -> ReLU -> maxpool, conv 5x5 (50) -> BN -> ReLU -> maxpool, FC 800-500, FC 500-10."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 20, 5, bias=False)
        self.bn1 = nn.BatchNorm2d(20)
        self.conv2 = nn.Conv2d(20, 50, 5, bias=False)
        self.bn2 = nn.BatchNorm2d(50)
        self.fc1 = nn.Linear(50 * 4 * 4, 500)
        self.fc2 = nn.Linear(500, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)   # 20 x 12 x 12
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)   # 50 x 4 x 4
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def main():
    args = common.arg_parser(__doc__, epochs=8, batch_size=128, lr=0.05).parse_args()
    common.setup(args)
    train, test = common.load_mnist('train'), common.load_mnist('test')
    model = LeNet()

    def loss_fn(model, x, y):
        loss = F.cross_entropy(model(x), y)
        return loss, {'loss': loss.item()}

    def evaluate(model):
        return {'test_acc': common.accuracy(common.predict(model, test[0], NORM)[0], test[1])}

    common.train('mnist-lenet', model, args, train, NORM, loss_fn, evaluate,
                 augment=lambda x, g: common.random_crop_flip(x, 2, False, g))
    print(f'final test accuracy {evaluate(model)["test_acc"]:.4f}')
    common.export_onnx(model, (1, 28, 28), ['logits'], 'models/mnist-lenet.onnx', NORM,
                       check_inputs=common.normalize(test[0][:16], NORM))


if __name__ == '__main__':
    main()
