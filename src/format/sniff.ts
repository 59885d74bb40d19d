// What a file that is not a .branchy model is, from its first bytes, so that the reader's error
// says what it got and what to do with it instead of reporting a nonsense header length.

/** ModelProto's field tags that follow ir_version (field 1) in an ONNX file: producer, domain, graph, opsets… */
const ONNX_NEXT_TAGS = new Set([0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72]);

/** Whether these bytes start like an ONNX model (protobuf ModelProto: ir_version 1–127, then a known field). */
export function looksLikeOnnx(bytes: Uint8Array): boolean {
  return bytes.length > 3 && bytes[0] === 0x08 && bytes[1] >= 1 && bytes[1] < 0x80 && ONNX_NEXT_TAGS.has(bytes[2]);
}

const ascii = (bytes: Uint8Array, from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));

/** Whether these bytes are a TensorFlow Lite flatbuffer (file identifier "TFL3" at byte 4). */
export const looksLikeTflite = (bytes: Uint8Array): boolean => bytes.length > 8 && ascii(bytes, 4, 8) === 'TFL3';

/** A sentence naming what these bytes are and what to do, or null when they are nothing this knows. */
export function describeForeign(bytes: Uint8Array): string | null {
  if (looksLikeOnnx(bytes)) {
    return (
      'this is an ONNX model, not a .branchy file: convert it first (npx branchy convert model.onnx -o model.branchy, ' +
      "with --quant int8 --calib … for int8), or in Node load it as it is with loadModel() from 'branchy-wasm/convert'"
    );
  }
  if (looksLikeTflite(bytes)) {
    return 'this is a TensorFlow Lite model, not a .branchy file: convert it first (npx branchy convert model.tflite -o model.branchy), ' +
      "or in Node load it as it is with loadModel() from 'branchy-wasm/convert'";
  }
  if (ascii(bytes, 0, 4) === 'PK\x03\x04') return 'this is a ZIP archive (a PyTorch checkpoint?), not a .branchy file: export the model to ONNX (torch.onnx.export), then branchy convert it';
  if (/^\s*</.test(ascii(bytes, 0, 64))) return 'this is text that starts with "<" (an HTML page, such as a server\'s error page?), not a .branchy file';
  return null;
}
