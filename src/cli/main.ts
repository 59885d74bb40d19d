#!/usr/bin/env node
// branchy command line: convert, inspect, calibrate, attach, run, eval, export.
import { createRequire } from 'node:module';
import { BranchyError } from '../errors.js';

/** This package's version (dist/cli/main.js -> package.json). */
const version = (): string => (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

const HELP = `branchy — compressed CNNs with early exits, in WebAssembly SIMD

  branchy convert MODEL.(onnx|tflite) -o OUT.branchy [--quant none|int8] [--calib mnist|cifar10|FILE.npy|DIR] [--detect yolov2|yolov8 ...] ...
  branchy inspect MODEL.(branchy|onnx|tflite)
  branchy calibrate MODEL.branchy --data mnist|cifar10 (--max-drop POINTS [--confidence 0.95] | --mean-macs N) [--rule entropy|maxprob]
  branchy attach MODEL.(onnx|branchy|tflite) --data mnist|cifar10|DIR -o OUT.branchy [--at auto|TENSOR,...] [--max-drop P] [--confidence C]
  branchy run MODEL.(branchy|onnx|tflite) --input NAME=FILE.npy --out DIR     (--detect: a detector's boxes)
  branchy export MODEL.branchy -o OUT.onnx      (int8 models as QDQ ONNX, for ONNX Runtime)
  branchy export MODEL.branchy -o OUT.tflite [--io float|int8]   (for LiteRT / TFLite-Micro)
  branchy eval MODEL.(branchy|onnx|tflite) --data mnist|cifar10 [--data-dir DIR] [--policy P] [--sweep OUT.csv]
  branchy eval DETECTOR.branchy --task detect --data DIR     (mAP on a YOLO-format split of PNG frames)
  branchy --version

Run a command with --help for its options. (npm package: branchy-wasm)`;

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'convert':
      return (await import('./commands/convert.js')).convert(rest);
    case 'inspect':
      return (await import('./commands/inspect.js')).inspect(rest);
    case 'calibrate':
      return (await import('./commands/calibrate.js')).calibrate(rest);
    case 'attach':
      return (await import('./commands/attach.js')).attach(rest);
    case 'run':
      return (await import('./commands/run.js')).run(rest);
    case 'eval':
      return (await import('./commands/eval.js')).evalCommand(rest);
    case 'export':
      return (await import('./commands/export.js')).exportCommand(rest);
    case '--version':
    case '-v':
    case 'version':
      console.log(version());
      return;
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(HELP);
      return;
    default:
      throw new BranchyError(`unknown command '${cmd}'\n\n${HELP}`);
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof BranchyError) {
    console.error(`branchy: ${e.name}: ${e.message}`);
    process.exit(2);
  }
  throw e;
});
