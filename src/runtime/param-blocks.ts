// Every kernel params block, described once (the mechanism: params.ts). Kernels read these
// through the generated assembly/common/params.ts; the host writes them with writeParams.
// A block that starts with another block's fields (`...QS8_GEMM.fields`) can be handed to
// the kernels of that block too (the conv passes its params straight to the GEMM).
// Changing a block changes the generated offsets: run `npm run asbuild`.
import { alias, block, bound, f32, i32, pad, ptr, table } from './params.js';

// ------------------------------------------------------------------ int8 GEMM / conv

export const QS8_GEMM = block('qs8_gemm', 'int8 GEMM (assembly/qs8/gemm_scalar.ts); also the block-sparse and binary-weight GEMMs', {
  zp_out: i32('output zero point'),
  qmin: i32('lower clamp of the int8 output (fused activation), >= -128'),
  qmax: i32('upper clamp of the int8 output, <= 127'),
});

/** Input and output sizes of an NHWC image op (H_out, W_out computed by the host). */
const IMAGE = {
  n: i32('batch'),
  h: i32('input height'),
  w: i32('input width'),
  c: i32('input channels'),
  oh: i32('output height'),
  ow: i32('output width'),
};

/** A sliding window: size, strides, dilations, top and left padding. */
const WINDOW = {
  kh: i32('kernel (window) height'),
  kw: i32('kernel (window) width'),
  sh: i32('stride along H'),
  sw: i32('stride along W'),
  dh: i32('dilation along H'),
  dw: i32('dilation along W'),
  pt: i32('top padding'),
  pl: i32('left padding'),
};

const BOTTOM_RIGHT = {
  pb: i32('bottom padding'),
  pr: i32('right padding'),
};

/**
 * Pixel strides of a conv's input and output in elements: c and c_out for a conv over whole
 * tensors; a group of a grouped conv reads c of x_stride input channels and writes c_out of
 * y_stride output channels (the host offsets the pointers per group); a phase of a transposed
 * conv writes every s-th pixel of every s-th row (y_stride = s * c_out, y_row_stride = s * row).
 */
const PIXEL_STRIDES = {
  x_stride: i32('input pixel stride in elements (>= c)'),
  x_row_stride: i32('elements from one input row to the next (w * x_stride: dense; more: a window of a wider input)'),
  y_stride: i32('output pixel stride in elements (>= c_out)'),
  y_row_stride: i32('elements from one output row to the next (ow * y_stride: dense; more: a phase of a transposed conv)'),
};

/** The int8 conv's fields after QS8_GEMM: zp_in and the geometry. */
const QS8_CONV_GEOMETRY = {
  ...QS8_GEMM.fields,
  zp_in: i32('input zero point (what padding reads)'),
  ...IMAGE,
  c_out: i32('output channels'),
  ...WINDOW,
  ...BOTTOM_RIGHT,
};

export const QS8_CONV = block('qs8_conv', 'int8 im2col + GEMM conv (assembly/qs8/conv_scalar.ts); also the binary-weight conv', {
  ...QS8_CONV_GEOMETRY,
  block_m: i32('output pixels per im2col block (>= 1)'),
  ...PIXEL_STRIDES,
});

export const QS8_CONV_CIN4 = block('qs8_conv_cin4', 'direct int8 conv (assembly/qs8/conv_cin4_scalar.ts): the im2col conv\'s block with a fused pool in place of block_m', {
  ...QS8_CONV_GEOMETRY,
  pool: i32('0, or 2: a fused 2x2 stride-2 max pool after the conv'),
});

/** The geometry every depthwise and f32 conv block starts with (bottom and right pads are implicit in H_out, W_out). */
const CONV_GEOMETRY = { ...IMAGE, ...WINDOW };

export const QS8_DWCONV = block('qs8_dwconv', 'int8 depthwise conv (assembly/qs8/dwconv.ts)', {
  ...CONV_GEOMETRY,
  ...QS8_GEMM.fields,
});

// ------------------------------------------------------------------ f32

export const F32_MINMAX = block('f32_minmax', 'f32 output clamp: the f32 GEMM, add and per-channel multiply-add (assembly/f32/gemm.ts, assembly/eltwise/f32_eltwise.ts)', {
  fmin: bound('lower clamp (-Infinity: none)'),
  fmax: bound('upper clamp (+Infinity: none)'),
});

export const F32_CONV = block('f32_conv', 'f32 conv (assembly/f32/conv.ts)', {
  ...CONV_GEOMETRY,
  c_out: i32('output channels'),
  ...F32_MINMAX.fields,
  ...PIXEL_STRIDES,
});

export const F32_DWCONV = block('f32_dwconv', 'f32 depthwise conv (assembly/f32/dwconv.ts)', {
  ...CONV_GEOMETRY,
  ...F32_MINMAX.fields,
});

// ------------------------------------------------------------------ pooling

/** Windowed pools (assembly/pool/window.ts): the geometry, then per data type. */
const POOL_WINDOW = {
  ...IMAGE,
  ...WINDOW,
  ...BOTTOM_RIGHT,
  x_stride: i32('input pixel stride, elements (>= c: a channel slice)'),
  y_stride: i32('output pixel stride, elements (>= c: a concat slice)'),
  flags: i32('bit 0: count_include_pad (average pool; the only reader of pb, pr)'),
  reserved: pad('0'),
};

export const QS8_POOL = block('qs8_pool', 'int8 max and average pools (assembly/pool/qs8_pool.ts)', {
  ...POOL_WINDOW,
  zp_in: i32('input zero point (average pool; 0 for max)'),
  zp_out: i32('output zero point (average pool; 0 for max)'),
  qmin: i32('output clamp (fused activation)'),
  qmax: i32('output clamp'),
  m: table('average pool: m[count] = fround(s_in / (s_out * count)), m[0] = 0, for count 0..kh*kw (max pool: empty)'),
});

export const F32_POOL = block('f32_pool', 'f32 max and average pools (assembly/pool/f32_pool.ts)', {
  ...POOL_WINDOW,
  ...F32_MINMAX.fields,
});

export const QS8_GAVGPOOL = block('qs8_gavgpool', 'int8 global average pool (assembly/pool/qs8_pool.ts)', {
  n: i32('batch'),
  hw: i32('pixels per image'),
  c: i32('channels'),
  x_stride: i32('input pixel stride, elements'),
  y_stride: i32('output row stride, elements'),
  zp_in: i32('input zero point'),
  zp_out: i32('output zero point'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
  m: f32('fround(s_in / (s_out * hw))'),
});

export const F32_GAVGPOOL = block('f32_gavgpool', 'f32 global average pool (assembly/pool/f32_pool.ts)', {
  n: i32('batch'),
  hw: i32('pixels per image'),
  c: i32('channels'),
  x_stride: i32('input pixel stride, elements'),
  y_stride: i32('output row stride, elements'),
  ...F32_MINMAX.fields,
});

// ------------------------------------------------------------------ element-wise, head

export const QS8_ADD = block('qs8_add', 'int8 add (assembly/eltwise/qs8_eltwise.ts)', {
  a_zp: i32('zero point of a'),
  b_zp: i32('zero point of b'),
  y_zp: i32('zero point of y'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
  a_mul: f32('fround(s_a / s_y)'),
  b_mul: f32('fround(s_b / s_y)'),
});

export const QS8_CVT = block('qs8_cvt', 'int8 requantize (assembly/eltwise/qs8_eltwise.ts)', {
  zp_in: i32('input zero point'),
  zp_out: i32('output zero point'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
  m: f32('fround(s_in / s_out)'),
});

export const F32_QS8_CVT = block('f32_qs8_cvt', 'QuantizeLinear f32 -> int8 (assembly/eltwise/qs8_eltwise.ts)', {
  zp_out: i32('output zero point'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
  scale: f32('output scale (y = round(x / scale) + zp)'),
});

export const QS8_F32_CVT = block('qs8_f32_cvt', 'DequantizeLinear int8 -> f32 (assembly/eltwise/qs8_eltwise.ts)', {
  zp_in: i32('input zero point'),
  scale: f32('input scale (y = (x - zp) * scale)'),
});

export const QS8_VMULCADDC = block('qs8_vmulcaddc', 'int8 per-channel multiply-add (assembly/eltwise/qs8_eltwise.ts)', {
  zp_in: i32('input zero point'),
  zp_out: i32('output zero point'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
});

export const QS8_EXIT_HEAD = block('qs8_exit_head', 'int8 exit head (assembly/head/exit_head.ts)', {
  zp_in: i32('the logits\' zero point'),
  scale: f32('the logits\' scale'),
});

// ------------------------------------------------------------------ binary

export const B1_GEMM = block('b1_gemm', 'binary GEMM (assembly/b1/gemm.ts)', {
  mode: i32('0: int8 out, 1: bits out, 2: f32 out'),
  zp_out: i32('output zero point (int8 out)'),
  qmin: i32('lower clamp of the int8 output'),
  qmax: i32('upper clamp of the int8 output'),
  fmin: alias('qmin', bound('f32 out: lower clamp')),
  fmax: alias('qmax', bound('f32 out: upper clamp')),
  base: ptr('base table, i32 [classes][ceil(C_out/8)*8] (FC: K for every channel)'),
});

export const B1_CONV = block('b1_conv', 'binary conv (assembly/b1/conv.ts): the binary GEMM\'s block, then the geometry', {
  ...B1_GEMM.fields,
  n: i32('batch'),
  h: i32('input height'),
  w: i32('input width'),
  cw: i32('input words per pixel (ceil(C_in/32))'),
  oh: i32('output height'),
  ow: i32('output width'),
  c_out: i32('output channels'),
  ...WINDOW,
  block_m: i32('output pixels per im2col block (>= 1)'),
  row_class: ptr('i32 [H_out]: each output row\'s border class'),
  col_class: ptr('i32 [W_out]: each output column\'s border class'),
  col_classes: i32('column classes (class = row_class * col_classes + col_class)'),
  c_stride: i32('output bytes per pixel'),
});
