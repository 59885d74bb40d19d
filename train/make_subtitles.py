#!/usr/bin/python3
"""Synthetic subtitle / logo detection data set: 16:9 broadcast-like frames with boxes.

    /usr/bin/python3 train/make_subtitles.py [--out data/subtitles] [--seed 1] [--sizes 6000,500,1000]

Needs Debian's python3-pil and python3-numpy, and the fonts of fonts-noto-cjk (Hangul) and
fonts-dejavu (Latin): apt-get install -y python3-pil python3-numpy fonts-noto-cjk fonts-dejavu.

Frames are 256x144 RGB. Backgrounds are real photographs: CIFAR-10 training images
(../shared/data/cifar10/train-jpg.tar.gz, read straight from the tar), upscaled and either
stretched over the frame, tiled 2..4 across, or cropped from a zoomed copy, with a random
brightness and contrast. The splits draw their backgrounds from disjoint images of all ten
classes (by the image's number within its class: last digit 0-7 train (40,000 images), 8 val,
9 test (5,000 each)).

On them:
  class 0 `subtitle`: one box per text line, Hangul or Latin (or mixed) text in Noto Sans CJK
    (regular, bold) or DejaVu Sans / Serif; 9..20 px glyphs; white, yellow, cyan or a random
    light colour; a dark outline, a drop shadow, a (semi-transparent) box behind, or plain;
    one or two lines, centred in the bottom third mostly (15% top or middle, some left-aligned).
    The box is the line's ink (outline and shadow included), or its background box when boxed.
  class 1 `logo`: a small mark (12..40 px): a filled circle, rounded square, diamond, triangle
    or ring, with or without 1..4 letters or one Hangul syllable, or letters alone; opaque or
    semi-transparent (alpha 0.35..1); in a corner mostly (80%), else anywhere above the
    subtitles. Boxes are the mark's visible pixels.

Output: <out>/<split>/images/NNNNN.png and <out>/<split>/labels/NNNNN.txt (YOLO: one line
`class cx cy w h`, normalised to [0, 1], 6 decimals), <out>/data.yaml (ultralytics style),
and <out>/<split>/frames.u8 (all frames of the split, N x 144 x 256 x 3 uint8, HWC, for fast
loading; the PNGs are the same pixels). Deterministic: every frame draws from its own
numpy generator seeded by (seed, split, index); the same seed gives the same bytes (with the
same Pillow, zlib and fonts; `--check` prints a SHA-256 of every split).
"""
import argparse
import hashlib
import io
import os
import sys
import tarfile

import numpy as np
from PIL import Image, ImageDraw, ImageFont

W, H = 256, 144
CLASSES = ['subtitle', 'logo']
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TAR = os.path.join(REPO, '..', 'shared', 'data', 'cifar10', 'train-jpg.tar.gz')
SPLITS = ['train', 'val', 'test']
# background images per split, by the image's number within its class (train/<class>/NNNN.jpg):
# the last digit 0-7 train, 8 val, 9 test, so every split has all ten classes
BG_DIGITS = {'train': range(0, 8), 'val': range(8, 9), 'test': range(9, 10)}

NOTO = '/usr/share/fonts/opentype/noto/NotoSansCJK-{}.ttc'
DEJAVU = '/usr/share/fonts/truetype/dejavu/{}.ttf'
# (path, face index): Noto Sans CJK's face 1 is KR; DejaVu has no Hangul, so Latin only
HANGUL_FONTS = [(NOTO.format('Regular'), 1), (NOTO.format('Bold'), 1)]
LATIN_FONTS = HANGUL_FONTS + [(DEJAVU.format(n), 0) for n in
                              ('DejaVuSans', 'DejaVuSans-Bold', 'DejaVuSansCondensed-Bold', 'DejaVuSerif', 'DejaVuSerif-Bold')]

HANGUL_WORDS = (
    '안녕하세요 감사합니다 오늘 내일 어제 우리 여러분 사람 시간 정말 그리고 하지만 그래서 지금 여기 거기 '
    '사랑 친구 가족 학교 회사 나라 세상 이야기 생각 마음 소리 노래 영화 뉴스 날씨 경제 정치 사회 문화 '
    '스포츠 경기 선수 감독 결과 시작 마지막 다시 함께 모두 조금 많이 빨리 천천히 괜찮아요 알겠습니다 '
    '무엇을 어디서 언제 누구 왜 어떻게 했습니다 합니다 입니다 있습니다 없습니다 됩니다 보세요 들어보세요 '
    '서울 부산 대구 인천 광주 대전 울산 제주 한국 세계 미국 일본 중국 유럽 방송 기자 앵커 시청자 '
    '오후 오전 밤 아침 저녁 주말 봄 여름 가을 겨울 비 눈 바람 하늘 바다 산 강 길 집 문 물 불'
).split()
LATIN_WORDS = (
    'the of and to in is you that it he was for on are as with his they at be this have from or one '
    'had by word but not what all were we when your can said there use an each which she do how their '
    'if will up other about out many then them these so some her would make like him into time has look '
    'two more write go see number no way could people my than first water been call who oil its now find '
    'long down day did get come made may part news weather tonight live breaking report world sport '
    'music love city river north south market season final match goal coach player team'
).split()
LATIN_CAPS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
HANGUL_SYLLABLES = '가나다라마바사아자차카타파하강남동서북방송국한우리티비'
SUB_COLOURS = [(255, 255, 255), (255, 255, 255), (255, 255, 255), (255, 235, 60), (255, 255, 160),
               (120, 240, 255), (235, 235, 235)]


# ---------------------------------------------------------------- backgrounds

def load_backgrounds():
    """The 50,000 CIFAR-10 training images, uint8 [N, 32, 32, 3] per split (BG_DIGITS), each in
    sorted name order."""
    items = []
    with tarfile.open(TAR, 'r:gz') as tar:
        for m in tar:
            if m.isfile() and m.name.endswith('.jpg'):
                items.append((m.name, np.asarray(Image.open(io.BytesIO(tar.extractfile(m).read())).convert('RGB'))))
    items.sort(key=lambda it: it[0])
    digit = lambda name: int(os.path.basename(name).split('.')[0]) % 10  # noqa: E731
    return {s: np.stack([im for name, im in items if digit(name) in BG_DIGITS[s]]) for s in SPLITS}


def resized(im, w, h, rng):
    resample = [Image.BILINEAR, Image.BICUBIC, Image.LANCZOS][rng.integers(3)]
    return Image.fromarray(im).resize((w, h), resample)


def background(rng, pool):
    kind = rng.random()
    pick = lambda: pool[rng.integers(len(pool))]  # noqa: E731
    if kind < 0.35:  # one photo over the whole frame
        frame = resized(pick(), W, H, rng)
    elif kind < 0.7:  # tiles: 2..4 columns, 1..3 rows
        cols, rows = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        frame = Image.new('RGB', (W, H))
        xs = np.linspace(0, W, cols + 1).round().astype(int)
        ys = np.linspace(0, H, rows + 1).round().astype(int)
        for r in range(rows):
            for c in range(cols):
                frame.paste(resized(pick(), xs[c + 1] - xs[c], ys[r + 1] - ys[r], rng), (int(xs[c]), int(ys[r])))
    else:  # a crop of a zoomed photo
        zoom = rng.uniform(8, 16)
        big = resized(pick(), int(32 * zoom), int(32 * zoom), rng)
        bw = max(W, big.width)
        big = big.resize((bw, max(H, int(big.height * bw / big.width))))
        x0, y0 = int(rng.integers(0, big.width - W + 1)), int(rng.integers(0, big.height - H + 1))
        frame = big.crop((x0, y0, x0 + W, y0 + H))
    a = np.asarray(frame, dtype=np.float32)
    a = (a - 128) * rng.uniform(0.7, 1.2) + 128 + rng.uniform(-30, 30)
    if rng.random() < 0.5:
        a = np.fliplr(a)
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8))


# ---------------------------------------------------------------- text

FONT_CACHE = {}


def font(spec, size):
    key = (spec, size)
    if key not in FONT_CACHE:
        FONT_CACHE[key] = ImageFont.truetype(spec[0], size, index=spec[1])
    return FONT_CACHE[key]


def words(rng, pool, n):
    return ' '.join(pool[rng.integers(len(pool))] for _ in range(n))


def subtitle_text(rng):
    lang = rng.random()
    if lang < 0.5:
        t, fonts = words(rng, HANGUL_WORDS, int(rng.integers(1, 6))), HANGUL_FONTS
    elif lang < 0.85:
        t, fonts = words(rng, LATIN_WORDS, int(rng.integers(1, 8))), LATIN_FONTS
        if rng.random() < 0.5:
            t = t[0].upper() + t[1:]
        if rng.random() < 0.1:
            t = t.upper()
    else:
        t = words(rng, HANGUL_WORDS, int(rng.integers(1, 4))) + ' ' + words(rng, LATIN_WORDS, int(rng.integers(1, 3))).upper()
        fonts = HANGUL_FONTS
    if rng.random() < 0.2:
        t += ['.', '?', '!', '...'][rng.integers(4)]
    return t, fonts[rng.integers(len(fonts))]


def ink_box(img_a):
    """Bounding box (x0, y0, x1, y1) of the pixels with alpha > 0, or None."""
    ys, xs = np.nonzero(np.asarray(img_a) > 24)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def render_line(rng, text, spec, size, style):
    """The line as an RGBA image (its own canvas) and the box of what it shows in that canvas."""
    f = font(spec, size)
    stroke = style['outline']
    x0, y0, x1, y1 = f.getbbox(text, stroke_width=stroke)
    pad = 8
    cw, chh = x1 - x0 + 2 * pad, y1 - y0 + 2 * pad
    layer = Image.new('RGBA', (cw, chh), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    org = (pad - x0, pad - y0)
    if style['shadow']:
        s = style['shadow']
        d.text((org[0] + s, org[1] + s), text, font=f, fill=(0, 0, 0, 200), stroke_width=stroke, stroke_fill=(0, 0, 0, 200))
    d.text(org, text, font=f, fill=style['colour'] + (255,), stroke_width=stroke, stroke_fill=style['outline_colour'] + (255,))
    box = ink_box(layer.getchannel('A'))
    if style['boxed']:
        bx0, by0, bx1, by1 = box
        m = style['box_margin']
        canvas = Image.new('RGBA', (cw + 2 * m, chh + 2 * m), (0, 0, 0, 0))
        box = (bx0, by0, bx1 + 2 * m, by1 + 2 * m)
        ImageDraw.Draw(canvas).rectangle((box[0], box[1], box[2] - 1, box[3] - 1), fill=style['box_colour'])
        canvas.alpha_composite(layer, (m, m))
        layer = canvas
    return layer, box


def subtitle_style(rng):
    light = SUB_COLOURS[rng.integers(len(SUB_COLOURS))] if rng.random() < 0.85 else \
        tuple(int(v) for v in rng.integers(150, 256, 3))
    kind = rng.random()
    return {
        'colour': light,
        'outline': int(rng.integers(1, 3)) if kind < 0.4 else 0,
        'outline_colour': (0, 0, 0) if rng.random() < 0.8 else tuple(int(v) for v in rng.integers(0, 80, 3)),
        'shadow': int(rng.integers(1, 3)) if 0.4 <= kind < 0.65 or rng.random() < 0.15 else 0,
        'boxed': 0.65 <= kind < 0.9,
        'box_colour': (0, 0, 0, int(rng.integers(110, 256))) if rng.random() < 0.85 else
        tuple(int(v) for v in rng.integers(0, 90, 3)) + (int(rng.integers(150, 256)),),
        'box_margin': int(rng.integers(1, 5)),
    }


def place_subtitles(rng, frame):
    """Draws 0..2 subtitle lines; returns their boxes (x0, y0, x1, y1) in frame pixels."""
    r = rng.random()
    n = 0 if r < 0.15 else 1 if r < 0.6 else 2
    if n == 0:
        return []
    style = subtitle_style(rng)
    size = int(rng.integers(9, 21))
    lines = []
    for _ in range(n):
        for _try in range(10):
            text, spec = subtitle_text(rng)
            layer, box = render_line(rng, text, spec, size, style)
            if box[2] - box[0] <= W - 8:
                lines.append((layer, box))
                break
            size = max(9, size - 2)
    if not lines:
        return []
    gap = int(rng.integers(1, 5))
    heights = [b[3] - b[1] for _, b in lines]
    block = sum(heights) + gap * (len(lines) - 1)
    where = rng.random()
    if where < 0.85:  # bottom third
        bottom = H - int(rng.integers(3, 16))
        top = bottom - block
    elif where < 0.93:  # top
        top = int(rng.integers(3, 16))
    else:  # middle
        top = int(rng.integers(H // 3, max(H // 3 + 1, 2 * H // 3 - block)))
    top = max(1, min(top, H - block - 1))
    align_left = rng.random() < 0.12
    left_margin = int(rng.integers(6, 30))
    boxes, y = [], top
    for layer, (bx0, by0, bx1, by1) in lines:
        w = bx1 - bx0
        x = left_margin if align_left else (W - w) // 2 + int(rng.integers(-6, 7))
        x = max(1, min(x, W - w - 1))
        frame.alpha_composite(layer, (x - bx0, y - by0))
        boxes.append((x, y, x + w, y + by1 - by0))
        y += by1 - by0 + gap
    return boxes


# ---------------------------------------------------------------- logos

def logo_layer(rng):
    """A small mark as an RGBA image cropped to its visible pixels."""
    size = int(rng.integers(12, 41))
    s = 4  # drawn at 4x, then reduced (anti-aliased)
    big = Image.new('RGBA', (size * s * 3, size * s), (0, 0, 0, 0))
    d = ImageDraw.Draw(big)
    col = tuple(int(v) for v in rng.integers(0, 256, 3))
    col2 = tuple(int(v) for v in (255 - np.array(col) + rng.integers(-40, 41, 3)).clip(0, 255))
    if rng.random() < 0.5:
        col2 = (255, 255, 255) if sum(col) < 380 else (20, 20, 20)
    shape = rng.integers(6)
    e = size * s
    if shape == 0:
        d.ellipse((0, 0, e - 1, e - 1), fill=col + (255,))
    elif shape == 1:
        d.rounded_rectangle((0, 0, e - 1, e - 1), radius=e // 5, fill=col + (255,))
    elif shape == 2:
        d.polygon([(e // 2, 0), (e - 1, e // 2), (e // 2, e - 1), (0, e // 2)], fill=col + (255,))
    elif shape == 3:
        d.polygon([(e // 2, 0), (e - 1, e - 1), (0, e - 1)], fill=col + (255,))
    elif shape == 4:
        d.ellipse((0, 0, e - 1, e - 1), outline=col + (255,), width=max(4, e // 7))
    text_only = shape == 5
    r = rng.random()
    if text_only or r < 0.7:
        if rng.random() < 0.7 or text_only:
            n = int(rng.integers(1, 5)) if text_only else int(rng.integers(1, 4))
            text = ''.join(LATIN_CAPS[rng.integers(26)] for _ in range(n))
            spec = LATIN_FONTS[2 + rng.integers(len(LATIN_FONTS) - 2)] if rng.random() < 0.6 else HANGUL_FONTS[1]
        else:
            text = ''.join(HANGUL_SYLLABLES[rng.integers(len(HANGUL_SYLLABLES))] for _ in range(int(rng.integers(1, 3))))
            spec = HANGUL_FONTS[rng.integers(2)]
        fs = int(e * (0.75 if text_only else 0.5) / max(1, (len(text) - 1) * 0.35 + 1) if len(text) > 2 else e * (0.7 if text_only else 0.45))
        f = ImageFont.truetype(spec[0], max(8, fs), index=spec[1])
        bx = f.getbbox(text)
        tw, th = bx[2] - bx[0], bx[3] - bx[1]
        cx = (e if not text_only else tw + 8) // 2
        tcol = (col if text_only else col2) + (255,)
        d.text((cx - tw // 2 - bx[0], e // 2 - th // 2 - bx[1]), text, font=f, fill=tcol,
               stroke_width=s if text_only and rng.random() < 0.5 else 0, stroke_fill=col2 + (255,))
    box = ink_box(big.getchannel('A'))
    big = big.crop(box)
    small = big.resize((max(4, round(big.width / s)), max(4, round(big.height / s))), Image.LANCZOS)
    alpha = rng.uniform(0.35, 1.0) if rng.random() < 0.45 else 1.0
    if alpha < 1.0:
        a = (np.asarray(small.getchannel('A'), dtype=np.float32) * alpha).astype(np.uint8)
        small.putalpha(Image.fromarray(a))
    return small


def overlaps(a, b, margin=2):
    return a[0] - margin < b[2] and b[0] - margin < a[2] and a[1] - margin < b[3] and b[1] - margin < a[3]


def place_logos(rng, frame, taken):
    r = rng.random()
    n = 0 if r < 0.2 else 1 if r < 0.85 else 2
    boxes = []
    corners = list(rng.permutation(4))
    for _ in range(n):
        for _try in range(20):
            layer = logo_layer(rng)
            w, h = layer.size
            if w > W // 3 or h > H // 2:
                continue
            if corners and rng.random() < 0.8:
                c = corners.pop()
                mx, my = int(rng.integers(3, 18)), int(rng.integers(3, 14))
                x = mx if c in (0, 2) else W - w - mx
                y = my if c in (0, 1) else H - h - my
            else:
                x, y = int(rng.integers(1, W - w)), int(rng.integers(1, H - h))
            vis = ink_box(layer.getchannel('A'))
            if vis is None or min(vis[2] - vis[0], vis[3] - vis[1]) < 8:
                continue
            box = (x + vis[0], y + vis[1], x + vis[2], y + vis[3])
            if any(overlaps(box, t) for t in taken + boxes):
                continue
            frame.alpha_composite(layer, (x, y))
            boxes.append(box)
            break
    return boxes


# ---------------------------------------------------------------- frames and splits

def make_frame(seed, split, index, pool):
    rng = np.random.default_rng([seed, SPLITS.index(split), index])
    frame = background(rng, pool).convert('RGBA')
    # subtitles first: logos keep clear of their boxes
    subs = place_subtitles(rng, frame)
    logos = place_logos(rng, frame, subs)
    img = frame.convert('RGB')
    if rng.random() < 0.3:  # mild compression-like blur / noise
        a = np.asarray(img, dtype=np.float32) + rng.normal(0, rng.uniform(1, 5), (H, W, 3))
        img = Image.fromarray(np.clip(a, 0, 255).round().astype(np.uint8))
    labels = [(0, b) for b in subs] + [(1, b) for b in logos]
    return img, labels


def yolo_lines(labels):
    out = []
    for cls, (x0, y0, x1, y1) in labels:
        out.append(f'{cls} {(x0 + x1) / 2 / W:.6f} {(y0 + y1) / 2 / H:.6f} {(x1 - x0) / W:.6f} {(y1 - y0) / H:.6f}\n')
    return ''.join(out)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--out', default=os.path.join(REPO, 'data', 'subtitles'))
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--sizes', default='6000,500,1000', help='frames in train,val,test')
    p.add_argument('--splits', default='train,val,test', help='which splits to write')
    p.add_argument('--check', action='store_true', help='print a SHA-256 of each split written')
    args = p.parse_args()
    sizes = dict(zip(SPLITS, (int(s) for s in args.sizes.split(','))))
    for path, _ in LATIN_FONTS:
        if not os.path.exists(path):
            sys.exit(f'missing font {path}: apt-get install -y fonts-noto-cjk fonts-dejavu')
    print('reading CIFAR-10 training images from', os.path.relpath(TAR), flush=True)
    all_bg = load_backgrounds()
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, 'data.yaml'), 'w') as f:
        f.write(f'# made by train/make_subtitles.py --seed {args.seed} --sizes {args.sizes}\n'
                f'path: {os.path.abspath(args.out)}\ntrain: train/images\nval: val/images\ntest: test/images\n'
                f'nc: {len(CLASSES)}\nnames: [{", ".join(CLASSES)}]\n')
    for split in args.splits.split(','):
        pool = all_bg[split]
        d = os.path.join(args.out, split)
        os.makedirs(os.path.join(d, 'images'), exist_ok=True)
        os.makedirs(os.path.join(d, 'labels'), exist_ok=True)
        n = sizes[split]
        frames = np.zeros((n, H, W, 3), dtype=np.uint8)
        digest = hashlib.sha256()
        counts = [0, 0]
        for i in range(n):
            img, labels = make_frame(args.seed, split, i, pool)
            frames[i] = np.asarray(img)
            text = yolo_lines(labels)
            for c, _ in labels:
                counts[c] += 1
            buf = io.BytesIO()
            img.save(buf, format='PNG', compress_level=6)
            with open(os.path.join(d, 'images', f'{i:05d}.png'), 'wb') as f:
                f.write(buf.getvalue())
            with open(os.path.join(d, 'labels', f'{i:05d}.txt'), 'w') as f:
                f.write(text)
            digest.update(buf.getvalue())
            digest.update(text.encode())
            if (i + 1) % 500 == 0:
                print(f'{split}: {i + 1}/{n}', flush=True)
        frames.tofile(os.path.join(d, 'frames.u8'))
        msg = f'{split}: {n} frames, {counts[0]} subtitle lines, {counts[1]} logos'
        print(msg + (f', sha256 {digest.hexdigest()}' if args.check else ''), flush=True)


if __name__ == '__main__':
    main()
