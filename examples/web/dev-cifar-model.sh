#!/bin/sh
# A stand-in for models/mobilenet-exits-cifar10.int8.branchy while the real one trains: the
# same architecture, from whatever epoch checkpoints/mobilenet-exits-cifar10/last.pt holds
# (read only), exported to ONNX, converted to int8 and calibrated like the real model.
# Everything goes to bench/out/ (git-ignored): never commit it.
#
#   npm run build && sh examples/web/dev-cifar-model.sh
#   node examples/web/serve.mjs --data ../shared/data
#   open http://127.0.0.1:8080/examples/web/?cifarModel=/bench/out/mobilenet-exits-cifar10.dev.int8.branchy
#   BRANCHY_CIFAR_MODEL=bench/out/mobilenet-exits-cifar10.dev.int8.branchy npx vitest run test/browser
#
# Needs /usr/bin/python3 (torch, onnx), data/cifar10/train.bin and val.bin (made by the training
# script) for int8 calibration and exit thresholds. Runs niced: the cores are shared.
set -eu
cd "$(dirname "$0")/../.."
ckpt=checkpoints/mobilenet-exits-cifar10/last.pt
onnx=bench/out/mobilenet-exits-cifar10.dev.onnx
model=bench/out/mobilenet-exits-cifar10.dev.int8.branchy
[ -f "$ckpt" ] || { echo "no checkpoint at $ckpt: start train/cifar_mobilenet_exits.py first" >&2; exit 1; }
[ -f dist/cli/main.js ] || { echo "dist/ is missing: npm run build" >&2; exit 1; }
mkdir -p bench/out

nice -n 19 /usr/bin/python3 - "$ckpt" "$onnx" <<'EOF'
import sys
sys.path.insert(0, 'train')
import common  # first: it sets OMP_WAIT_POLICY before torch loads
import torch
from cifar_mobilenet_exits import MobileNetExits, NORM

ckpt, out = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)
state = torch.load(ckpt, map_location='cpu')
model = MobileNetExits(state['args']['width'])
model.load_state_dict(state['model'])
model.to(memory_format=torch.contiguous_format).eval()
print(f'{ckpt}: epoch {state["epoch"]} of {state["args"]["epochs"]}, last validation row {state["history"][-1]}')
nex = len(model.heads) + 1
common.export_onnx(model, (3, 32, 32), [f'exit{i}' for i in range(nex)] + [f'predict{i}' for i in range(nex - 1)], out, NORM)
EOF

nice -n 19 node dist/cli/main.js convert "$onnx" -o "$model" --quant int8 --calib cifar10
nice -n 19 node dist/cli/main.js calibrate "$model" --data cifar10 --max-drop 1 --count 2000
echo "wrote $model (development model: do not commit)"
