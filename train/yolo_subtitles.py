"""Subtitle / logo detectors on the synthetic frames of train/make_subtitles.py: a channel-reduced
Tiny-YOLOv2 in float (the teacher) and the same network with binary weights and 8-bit
activations trained with knowledge distillation from it -> models/yolo-subtitles[-bwn].onnx
(input `input` [N,3,144,256]; output `output` [N, A*(5+2), 9, 16], YOLOv2 region layout).

    nohup nice -n 10 /usr/bin/python3 train/yolo_subtitles.py >> checkpoints/yolo-subtitles.log 2>&1 &
    nohup nice -n 10 /usr/bin/python3 train/yolo_subtitles.py --binary-weights >> checkpoints/yolo-subtitles-bwn.log 2>&1 &

The network (Tiny-YOLOv2's layout, channels reduced, one pool fewer for 144-pixel frames):
conv 3x3 stride 2 3->8 (Tiny-YOLOv2: conv stride 1 + max pool 2; half the training time here)
-> conv 8->16, max pool 2 -> conv 16->32, pool -> conv 32->64, pool (stride 16: a 16x9 grid)
-> conv 64->96 -> max pool 3x3 stride 1 pad 1 -> conv 96->96 -> conv 1x1 96->A*(5+2); every
3x3 conv is followed by BatchNorm (folded at export) and ReLU. Tiny-YOLOv2 has LeakyReLU(0.1)
and a ZeroPad2d((0,1,0,1)) + MaxPool(2, stride 1); branchy today keeps a LeakyReLU after a conv
in float under --quant int8 and refuses Pad, so this network uses ReLU and a symmetric-pad 3x3
max pool (same output size, a window one pixel wider).

--binary-weights: the convs between the first and the head have binary weights alpha * sign(w)
(alpha = mean |w| per output channel, XNOR-Net; train/bnn_kd.py's BinConv2d) with ReLU (8-bit
after `branchy convert --quant int8`); the first conv and the head stay float (int8). It
starts from the teacher's weights (its float weights become the latent weights; --no-init:
random) and distils it (--teacher, default checkpoints/yolo-subtitles/last.pt):
loss = (1 - kd) * YOLO loss + kd * (BCE(obj, sigmoid(t_obj)) + sigmoid(t_obj) * (5 * box MSE
+ T^2 KL(classes))) per anchor and cell (Kim et al., Ajou 2020, distil a binary student
from a float Tiny-YOLO teacher).

YOLOv2 loss (Redmon and Farhadi 2017): each ground-truth box goes to the cell holding its
centre and the anchor whose shape fits it best (IoU of centred boxes); there: 5 * (2 - wh) *
MSE of sigmoid(tx, ty) against the offset in the cell and of (tw, th) against log(w / anchor),
BCE of the objectness against 1 and cross-entropy of the classes; elsewhere BCE of the
objectness against 0, except for predictions that overlap a ground truth by IoU > 0.6.
Anchors: k-means (1 - IoU) over the training boxes, in grid cells (stride 16), saved in the
checkpoint (the model's `anchors` buffer) and printed for `branchy convert --detect yolov2 --anchors`.

Augmentation: brightness / contrast jitter and a random horizontal shift of up to 16 pixels
(the frame wraps; boxes that wrap are dropped from the loss's targets, see shift()).
The validation split (500 frames) gives mAP@0.5 (VOC all-point) per epoch; the test split is
for `branchy eval --task detect`.
"""
import json
import os

import common  # first: it sets OMP_WAIT_POLICY before torch loads
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from bnn_kd import BinConv2d, binarizable, binary_weight

W, H, STRIDE = 256, 144, 16
GW, GH = W // STRIDE, H // STRIDE
CLASSES = ['subtitle', 'logo']
NORM = {'mean': [0.5, 0.5, 0.5], 'std': [0.25, 0.25, 0.25], 'scale': 255}
DATA = os.path.join(common.REPO, 'data', 'subtitles')


# ---------------------------------------------------------------- data

def load_split(split, data=DATA):
    """(uint8 [N,3,H,W], float [N, MAXBOX, 5] boxes as class, cx, cy, w, h normalised; class -1 pads)."""
    d = os.path.join(data, split)
    n = len(os.listdir(os.path.join(d, 'labels')))
    x = np.fromfile(os.path.join(d, 'frames.u8'), dtype=np.uint8).reshape(n, H, W, 3)
    boxes = []
    for i in range(n):
        with open(os.path.join(d, 'labels', f'{i:05d}.txt')) as f:
            boxes.append([[float(v) for v in line.split()] for line in f if line.strip()])
    m = max(1, max(len(b) for b in boxes))
    y = np.full((n, m, 5), -1, dtype=np.float32)
    for i, b in enumerate(boxes):
        if b:
            y[i, :len(b)] = b
    return torch.from_numpy(x.transpose(0, 3, 1, 2).copy()), torch.from_numpy(y)


def kmeans_anchors(y, k, seed=1, iters=100):
    """k anchor shapes (w, h in grid cells) by k-means with distance 1 - IoU of centred boxes."""
    b = y.reshape(-1, 5)
    b = b[b[:, 0] >= 0][:, 3:5].numpy() * np.array([GW, GH], dtype=np.float32)
    rng = np.random.default_rng(seed)
    c = b[rng.choice(len(b), k, replace=False)]
    for _ in range(iters):
        inter = np.minimum(b[:, None, 0], c[None, :, 0]) * np.minimum(b[:, None, 1], c[None, :, 1])
        iou = inter / (b[:, None, 0] * b[:, None, 1] + c[None, :, 0] * c[None, :, 1] - inter)
        a = iou.argmax(1)
        new = np.array([np.median(b[a == j], 0) if np.any(a == j) else c[j] for j in range(k)])
        if np.allclose(new, c):
            break
        c = new
    return c[np.argsort(c[:, 0] * c[:, 1])].round(3).tolist()


def jitter(x, gen):
    """Per-image contrast (0.75..1.25) and brightness (-25..25) on uint8 [N,3,H,W]."""
    n = x.shape[0]
    a = 0.75 + 0.5 * torch.rand(n, 1, 1, 1, generator=gen)
    b = -25 + 50 * torch.rand(n, 1, 1, 1, generator=gen)
    return ((x.float() - 128) * a + 128 + b).clamp(0, 255).round().to(torch.uint8)


def shift(x, y, max_shift=16):
    """Rolls each frame (any dtype, [N,C,H,W]) right or left by up to max_shift pixels (the
    background wraps; torch's global generator, seeded per epoch by common.train) and moves
    its boxes; a box that would wrap gets class -2: neither a target nor background."""
    n = x.shape[0]
    d = torch.randint(-max_shift, max_shift + 1, (n,))
    x = torch.stack([torch.roll(x[i], int(d[i]), dims=2) for i in range(n)])
    y = y.clone()
    cx = y[:, :, 1] + d[:, None].float() / W
    wrap = ((cx - y[:, :, 3] / 2) < 0) | ((cx + y[:, :, 3] / 2) > 1)
    y[:, :, 1] = cx
    y[:, :, 0] = torch.where(wrap & (y[:, :, 0] >= 0), torch.full_like(y[:, :, 0], -2), y[:, :, 0])
    return x, y


# ---------------------------------------------------------------- model

class TinyYolo(nn.Module):
    def __init__(self, channels, anchors, binary_weights=False):
        super().__init__()
        self.register_buffer('anchors', torch.tensor(anchors, dtype=torch.float32))
        na, c = len(anchors), 3
        layers = []
        for i, co in enumerate(channels):
            conv = BinConv2d if binary_weights and i > 0 else nn.Conv2d
            layers += [conv(c, co, 3, stride=2 if i == 0 else 1, padding=1, bias=False), nn.BatchNorm2d(co), nn.ReLU()]
            if 1 <= i <= 3:
                layers.append(nn.MaxPool2d(2))
            elif i == 4:
                layers.append(nn.MaxPool2d(3, stride=1, padding=1))
            c = co
        self.features = nn.Sequential(*layers)
        self.head = nn.Conv2d(c, na * (5 + len(CLASSES)), 1)
        with torch.no_grad():  # objectness starts near 0.01 (the background is most of every grid)
            self.head.bias.view(na, 5 + len(CLASSES))[:, 4] = -4.6

    def forward(self, x):
        return self.head(self.features(x))


def split_output(p, na):
    """[N, A*(5+C), GH, GW] -> [N, A, GH, GW, 5+C]."""
    n = p.shape[0]
    return p.view(n, na, 5 + len(CLASSES), GH, GW).permute(0, 1, 3, 4, 2)


def decode(p, anchors):
    """Boxes (cx, cy, w, h in grid cells), objectness logits, class logits per anchor and cell."""
    gy, gx = torch.meshgrid(torch.arange(GH), torch.arange(GW), indexing='ij')
    xy = torch.sigmoid(p[..., 0:2]) + torch.stack([gx, gy], -1).float()
    wh = torch.exp(p[..., 2:4].clamp(max=8)) * anchors.view(1, -1, 1, 1, 2)
    return torch.cat([xy, wh], -1), p[..., 4], p[..., 5:]


def iou_cxcywh(a, b):
    """IoU of boxes [..., 4] (cx, cy, w, h) broadcast against each other."""
    ax0, ay0, ax1, ay1 = a[..., 0] - a[..., 2] / 2, a[..., 1] - a[..., 3] / 2, a[..., 0] + a[..., 2] / 2, a[..., 1] + a[..., 3] / 2
    bx0, by0, bx1, by1 = b[..., 0] - b[..., 2] / 2, b[..., 1] - b[..., 3] / 2, b[..., 0] + b[..., 2] / 2, b[..., 1] + b[..., 3] / 2
    iw = (torch.minimum(ax1, bx1) - torch.maximum(ax0, bx0)).clamp(min=0)
    ih = (torch.minimum(ay1, by1) - torch.maximum(ay0, by0)).clamp(min=0)
    inter = iw * ih
    return inter / (a[..., 2] * a[..., 3] + b[..., 2] * b[..., 3] - inter + 1e-9)


def targets(y, anchors):
    """Per anchor and cell: positive mask, (tx, ty, tw, th), class, coord weight; and the
    ground-truth boxes in grid cells [N, M, 4] with their validity [N, M] (for the ignore mask)."""
    n, m, _ = y.shape
    na = anchors.shape[0]
    pos = torch.zeros(n, na, GH, GW, dtype=torch.bool)
    tbox = torch.zeros(n, na, GH, GW, 4)
    tcls = torch.zeros(n, na, GH, GW, dtype=torch.long)
    wgt = torch.zeros(n, na, GH, GW)
    gt = y[:, :, 1:5] * torch.tensor([GW, GH, GW, GH], dtype=torch.float32)
    valid = y[:, :, 0] >= 0
    for i, j in valid.nonzero().tolist():
        cx, cy, w, h = gt[i, j].tolist()
        col, row = min(int(cx), GW - 1), min(int(cy), GH - 1)
        inter = torch.minimum(anchors[:, 0], torch.tensor(w)) * torch.minimum(anchors[:, 1], torch.tensor(h))
        a = int((inter / (anchors[:, 0] * anchors[:, 1] + w * h - inter)).argmax())
        pos[i, a, row, col] = True
        tbox[i, a, row, col] = torch.tensor([cx - col, cy - row, np.log(w / float(anchors[a, 0])), np.log(h / float(anchors[a, 1]))])
        tcls[i, a, row, col] = int(y[i, j, 0])
        wgt[i, a, row, col] = 2 - w * h / (GW * GH)
    # boxes that shift() made wrap (class -2): not targets, but not background either
    seen = y[:, :, 0] != -1
    return pos, tbox, tcls, wgt, gt, seen


def yolo_loss(p, y, anchors):
    na = anchors.shape[0]
    p = split_output(p, na)
    pos, tbox, tcls, wgt, gt, seen = targets(y, anchors)
    box, obj, cls = decode(p, anchors)
    with torch.no_grad():
        iou = iou_cxcywh(box.unsqueeze(-2), gt.view(gt.shape[0], 1, 1, 1, -1, 4))  # [N,A,GH,GW,M]
        iou = torch.where(seen.view(gt.shape[0], 1, 1, 1, -1), iou, torch.zeros_like(iou))
        ignore = iou.max(-1).values > 0.6
    n = p.shape[0]
    coord = (wgt[pos].unsqueeze(-1) * ((torch.sigmoid(p[..., 0:2][pos]) - tbox[pos][:, :2]) ** 2)).sum() + \
        (wgt[pos].unsqueeze(-1) * ((p[..., 2:4][pos] - tbox[pos][:, 2:]) ** 2)).sum()
    obj_pos = F.binary_cross_entropy_with_logits(obj[pos], torch.ones_like(obj[pos]), reduction='sum')
    neg = ~pos & ~ignore
    obj_neg = F.binary_cross_entropy_with_logits(obj[neg], torch.zeros_like(obj[neg]), reduction='sum')
    cls_loss = F.cross_entropy(cls[pos], tcls[pos], reduction='sum')
    parts = {'coord': 5 * coord / n, 'obj': obj_pos / n, 'noobj': obj_neg / n, 'cls': cls_loss / n}
    return sum(parts.values()), parts


def distill_loss(p, t, anchors, T):
    """The student's outputs p against the teacher's t (both raw), weighted by the teacher's objectness."""
    na = anchors.shape[0]
    p, t = split_output(p, na), split_output(t, na)
    to = torch.sigmoid(t[..., 4])
    obj = F.binary_cross_entropy_with_logits(p[..., 4], to, reduction='sum')
    box = (to.unsqueeze(-1) * ((torch.sigmoid(p[..., 0:2]) - torch.sigmoid(t[..., 0:2])) ** 2)).sum() + \
        (to.unsqueeze(-1) * ((p[..., 2:4] - t[..., 2:4]) ** 2)).sum()
    kl = (to * F.kl_div(F.log_softmax(p[..., 5:] / T, -1), F.softmax(t[..., 5:] / T, -1), reduction='none').sum(-1)).sum() * T * T
    n = p.shape[0]
    return (obj + 5 * box + kl) / n


# ---------------------------------------------------------------- evaluation (monitoring; `branchy eval --task detect` is the reference)

@torch.no_grad()
def detections(model, x, score_thr=0.005, iou_thr=0.45, batch_size=100, max_det=100):
    """Per image a list of (label, score, x0, y0, x1, y1) in pixels: best class per box, NMS per
    class (torchvision's batched_nms), the best max_det."""
    from torchvision.ops import batched_nms
    model.eval()
    out = []
    for b in range(0, len(x), batch_size):
        p = split_output(model(common.normalize(x[b:b + batch_size], NORM)), model.anchors.shape[0])
        box, obj, cls = decode(p, model.anchors)
        prob, label = F.softmax(cls, -1).max(-1)
        score = torch.sigmoid(obj) * prob
        for i in range(p.shape[0]):
            keep = score[i] > score_thr
            bx, sc, lb = box[i][keep] * STRIDE, score[i][keep], label[i][keep]
            xyxy = torch.stack([bx[:, 0] - bx[:, 2] / 2, bx[:, 1] - bx[:, 3] / 2, bx[:, 0] + bx[:, 2] / 2, bx[:, 1] + bx[:, 3] / 2], -1)
            xyxy = torch.stack([xyxy[:, 0].clamp(0, W), xyxy[:, 1].clamp(0, H), xyxy[:, 2].clamp(0, W), xyxy[:, 3].clamp(0, H)], -1)
            kept = batched_nms(xyxy, sc, lb, iou_thr)[:max_det]
            out.append([(int(lb[k]), float(sc[k]), *xyxy[k].tolist()) for k in kept])
    return out


def xyxy_to_cxcywh(b):
    return torch.stack([(b[..., 0] + b[..., 2]) / 2, (b[..., 1] + b[..., 3]) / 2, b[..., 2] - b[..., 0], b[..., 3] - b[..., 1]], -1)


def voc_map50(dets, y):
    """mAP@0.5 with VOC's all-point interpolation, mean over classes."""
    aps = []
    for c in range(len(CLASSES)):
        gts = {i: (y[i][y[i][:, 0] == c][:, 1:5] * torch.tensor([W, H, W, H])) for i in range(len(y))}
        npos = sum(len(g) for g in gts.values())
        used = {i: torch.zeros(len(g), dtype=torch.bool) for i, g in gts.items()}
        ds = sorted(((d[1], i, d[2:]) for i, ds in enumerate(dets) for d in ds if d[0] == c), key=lambda t: -t[0])
        tp = []
        for _, i, b in ds:
            g = gts[i]
            if len(g) == 0:
                tp.append(0)
                continue
            ov = iou_cxcywh(xyxy_to_cxcywh(torch.tensor(b)), g)
            k = int(ov.argmax())
            if ov[k] >= 0.5 and not used[i][k]:
                used[i][k] = True
                tp.append(1)
            else:
                tp.append(0)
        tp = np.array(tp, dtype=np.float64)
        ctp = np.cumsum(tp)
        rec = ctp / max(1, npos)
        prec = ctp / np.arange(1, len(tp) + 1)
        mrec = np.concatenate([[0], rec, [1]])
        mpre = np.concatenate([[0], prec, [0]])
        for k in range(len(mpre) - 2, -1, -1):
            mpre[k] = max(mpre[k], mpre[k + 1])
        idx = np.nonzero(mrec[1:] != mrec[:-1])[0]
        aps.append(float(np.sum((mrec[idx + 1] - mrec[idx]) * mpre[idx + 1])))
    return aps


# ---------------------------------------------------------------- main

def load_teacher(path, channels):
    state = torch.load(os.path.join(common.REPO, path), map_location='cpu')
    t = TinyYolo(channels, state['model']['anchors'].tolist())
    t.load_state_dict(state['model'])
    t.eval()
    for q in t.parameters():
        q.requires_grad_(False)
    return t, state


def main():
    p = common.arg_parser(__doc__, epochs=30, batch_size=32, lr=0.002)
    p.add_argument('--optimizer', choices=['adam', 'sgd'], default='adam')
    p.add_argument('--binary-weights', action='store_true', help='binary weights between the first conv and the head, KD from --teacher')
    p.add_argument('--channels', default='8,16,32,64,96,96', help='output channels of the six 3x3 convs')
    p.add_argument('--anchors', type=int, default=5, help='number of anchors (k-means on the training boxes)')
    p.add_argument('--teacher', default='checkpoints/yolo-subtitles/last.pt')
    p.add_argument('--kd', type=float, default=0.5, help='weight of the distillation term')
    p.add_argument('--no-init', action='store_true', help='binary weights: start from random weights, not the teacher\'s')
    p.add_argument('--temperature', type=float, default=2.0)
    p.add_argument('--data', default=DATA)
    p.add_argument('--limit', type=int, default=0, help='train on the first N frames only (quick check)')
    p.add_argument('--out', help='ONNX file (default models/yolo-subtitles[-bwn].onnx)')
    args = p.parse_args()
    common.setup(args)
    channels = [int(c) for c in args.channels.split(',')]
    variant = 'yolo-subtitles' + ('-bwn' if args.binary_weights else '') + (f'-limit{args.limit}' if args.limit else '')
    out = args.out or f'models/{variant}.onnx'

    train, val = load_split('train', args.data), load_split('val', args.data)
    if args.limit:
        train = (train[0][:args.limit], train[1][:args.limit])
        val = (val[0][:100], val[1][:100])
    teacher = None
    if args.binary_weights:
        teacher, tstate = load_teacher(args.teacher, channels)
        anchors = tstate['model']['anchors'].tolist()
    else:
        anchors = kmeans_anchors(train[1], args.anchors)
    print(json.dumps({'variant': variant, 'anchors': anchors, 'train': len(train[1]), 'val': len(val[1])}), flush=True)
    model = TinyYolo(channels, anchors, args.binary_weights)
    if teacher is not None and not args.no_init:
        model.load_state_dict(teacher.state_dict())  # the latent weights start at the teacher's
    a = model.anchors

    def loss_fn(model, x, y):
        xb, y = shift(x, y)
        xb = xb.contiguous(memory_format=torch.channels_last)
        pred = model(xb)
        loss, parts = yolo_loss(pred, y, a)
        logs = {k: v.item() for k, v in parts.items()}
        if teacher is not None:
            with torch.no_grad():
                t = teacher(xb)
            kd = distill_loss(pred, t, a, args.temperature)
            loss = (1 - args.kd) * loss + args.kd * kd
            logs['kd'] = kd.item()
        logs['loss'] = loss.item()
        return loss, logs

    def evaluate(model):
        aps = voc_map50(detections(model, val[0]), val[1])
        model.train()
        return {'val_map50': sum(aps) / len(aps), **{f'val_ap50_{c}': ap for c, ap in zip(CLASSES, aps)}}

    history = common.train(variant, model, args, train, NORM, loss_fn, evaluate, augment=jitter, weight_decay=0.01,
                           channels_last=True)

    test = load_split('test', args.data)
    aps = voc_map50(detections(model, test[0]), test[1])
    summary = {'variant': variant, 'epochs': args.epochs, 'channels': channels, 'anchors': anchors,
               'params': sum(q.numel() for q in model.parameters()), 'test_ap50': dict(zip(CLASSES, aps)),
               'test_map50': sum(aps) / len(aps), 'seconds': sum(h['seconds'] for h in history)}
    if teacher is not None:
        taps = voc_map50(detections(teacher, test[0]), test[1])
        summary['teacher_test_map50'] = sum(taps) / len(taps)
    print(json.dumps(summary), flush=True)

    if args.binary_weights:
        for m in model.modules():
            if isinstance(m, BinConv2d):
                m.register_buffer('frozen', binary_weight(m.weight, exact=True).detach())
    common.export_onnx(model, (3, H, W), ['output'], out, NORM, check_inputs=common.normalize(test[0][:4], NORM))
    flat = ','.join(f'{v:g}' for wh in anchors for v in wh)
    cmd = f'branchy convert {out} --detect yolov2 --anchors {flat} --classes {",".join(CLASSES)}'
    if args.binary_weights:
        layers = binarizable(os.path.join(common.REPO, out))
        summary['binarize'] = layers
        cmd += f' --binarize {",".join(layers)}'
    with open(os.path.join(common.REPO, 'checkpoints', variant, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=1)
    print(cmd + f' --quant int8 --calib data/subtitles/train -o {out[:-5]}.int8.branchy', flush=True)


if __name__ == '__main__':
    main()
