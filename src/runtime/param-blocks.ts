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

/**
 * The im2col conv with the residual add after it in its epilogue (assembly/qs8/conv_add.ts): the
 * conv's output v (QS8_CONV's zp_out, qmin, qmax: the conv's own int8 tensor) is never stored;
 * each v becomes y = quantize(dequantize(v) + dequantize(r)) exactly as the element-wise add
 * (assembly/eltwise/binary.ts) computes it, r the residual's value at the same element.
 */
export const QS8_CONV_ADD = block('qs8_conv_add', 'int8 conv + residual add (assembly/qs8/conv_add.ts)', {
  ...QS8_CONV.fields,
  r_delta: i32('bytes from an output element to the same element of the residual (r_ptr - y_ptr, both dense like the output)'),
  r_zp: i32('zero point of the residual'),
  add_zp: i32('zero point of y, the add\'s output'),
  add_qmin: i32('clamp of y (the add\'s fused activation)'),
  add_qmax: i32('clamp of y'),
  m_v: f32('fround(s_v / s_y): the conv output\'s multiplier in the add'),
  m_r: f32('fround(s_r / s_y): the residual\'s multiplier in the add'),
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

/** The broadcast geometry every element-wise binary block starts with (assembly/eltwise/binary.ts). */
export const BCAST = block('bcast', 'element-wise binary ops with broadcasting (assembly/eltwise/binary.ts): the geometry', {
  op: i32('0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min'),
  a_inc: i32('a\'s stride inside a run, elements: 0 (broadcast) or 1'),
  b_inc: i32('b\'s stride inside a run, elements: 0 or 1 (not both 0)'),
  n1: i32('runs of the innermost outer loop (>= 1)'),
  n2: i32('iterations of the middle outer loop (>= 1)'),
  n3: i32('iterations of the outermost loop (>= 1)'),
  a_s1: i32('a\'s stride per run, elements'),
  a_s2: i32('a\'s stride of the middle loop, elements'),
  a_s3: i32('a\'s stride of the outermost loop, elements'),
  b_s1: i32('b\'s stride per run, elements'),
  b_s2: i32('b\'s stride of the middle loop, elements'),
  b_s3: i32('b\'s stride of the outermost loop, elements'),
});

export const F32_BINARY = block('f32_binary', 'f32 element-wise binary op (assembly/eltwise/binary.ts)', {
  ...BCAST.fields,
  ...F32_MINMAX.fields,
});

export const QS8_BINARY = block('qs8_binary', 'int8 element-wise binary op (assembly/eltwise/binary.ts)', {
  ...BCAST.fields,
  a_zp: i32('zero point of a'),
  b_zp: i32('zero point of b'),
  y_zp: i32('zero point of y'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
  m_a: f32('add, sub, max, min: fround(s_a / s_y); mul: fround(s_a * s_b / s_y); div: fround(s_a / (s_b * s_y))'),
  m_b: f32('add, sub, max, min: fround(s_b / s_y); mul, div: 0 (unused)'),
});

export const F32_ACT = block('f32_act', 'f32 activation (assembly/eltwise/act.ts)', {
  op: i32('0 clamp, 1 leakyrelu, 2 hardsigmoid, 3 hardswish, 4 sigmoid, 5 silu, 6 tanh, 7 elu, 8 gelu, 9 erf'),
  alpha: f32('leakyrelu, elu: alpha; hardsigmoid: alpha (0 otherwise)'),
  beta: f32('hardsigmoid: beta (0 otherwise)'),
  ...F32_MINMAX.fields,
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

// ------------------------------------------------------------------ data movement, reduce, resize, softmax

export const XX_COPY_ND = block('xx_copy_nd', 'strided N-d copy, six loops (assembly/move/copy_nd.ts)', {
  run: i32('bytes moved at each innermost step (a contiguous run, or one element of 1 or 4 bytes)'),
  n0: i32('count of loop 0 (outermost); 1 when unused'),
  xs0: i32('source stride of loop 0, bytes (signed; 0 broadcasts)'),
  ys0: i32('destination stride of loop 0, bytes (signed)'),
  n1: i32('count of loop 1; 1 when unused'),
  xs1: i32('source stride of loop 1, bytes (signed; 0 broadcasts)'),
  ys1: i32('destination stride of loop 1, bytes (signed)'),
  n2: i32('count of loop 2; 1 when unused'),
  xs2: i32('source stride of loop 2, bytes (signed; 0 broadcasts)'),
  ys2: i32('destination stride of loop 2, bytes (signed)'),
  n3: i32('count of loop 3; 1 when unused'),
  xs3: i32('source stride of loop 3, bytes (signed; 0 broadcasts)'),
  ys3: i32('destination stride of loop 3, bytes (signed)'),
  n4: i32('count of loop 4; 1 when unused'),
  xs4: i32('source stride of loop 4, bytes (signed; 0 broadcasts)'),
  ys4: i32('destination stride of loop 4, bytes (signed)'),
  n5: i32('count of loop 5 (innermost); 1 when unused'),
  xs5: i32('source stride of loop 5, bytes (signed; 0 broadcasts)'),
  ys5: i32('destination stride of loop 5, bytes (signed)'),
});

/** A tensor seen as [outer, n, inner] (row-major): softmax and the reductions run along n. */
const OUTER_N_INNER = {
  outer: i32('product of the axes before the ones reduced'),
  n: i32('product of the axes reduced (softmax: the axis size)'),
  inner: i32('product of the axes after them'),
};

export const F32_SOFTMAX = block('f32_softmax', 'f32 softmax along the middle axis of [outer, n, inner] (assembly/move/softmax.ts)', {
  ...OUTER_N_INNER,
});

export const F32_REDUCE = block('f32_reduce', 'f32 ReduceSum / ReduceMean / ReduceMax along the middle axis of [outer, n, inner] (assembly/move/f32_reduce.ts)', {
  ...OUTER_N_INNER,
  op: i32('0: sum divided by div (sum: 1, mean: n); 1: max'),
  div: f32('the divisor of the sum'),
});

export const QS8_REDUCE = block('qs8_reduce', 'int8 ReduceSum / ReduceMean / ReduceMax along the middle axis of [outer, n, inner] (assembly/move/qs8_reduce.ts)', {
  ...OUTER_N_INNER,
  op: i32('0: acc = sum of (x - zp_in); 1: acc = max(x) - zp_in'),
  zp_in: i32('input zero point'),
  zp_out: i32('output zero point'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
  m: f32('fround(s_in / (s_out * k)): k = n for a mean, 1 for a sum or max'),
});

/** A resize's output size and the host's coordinate tables (src/runtime/ops/resize.ts). */
const RESIZE = {
  oh: i32('output height'),
  ow: i32('output width'),
  c: i32('channels'),
  rows: ptr('per output row: nearest i32 [oh] byte offset of its input row; linear [oh] x {i32 offset 0, i32 offset 1, f32 w0, f32 w1}'),
  cols: ptr('per output column: the same, byte offsets of input pixels inside a row'),
};

export const XX_RESIZE_NEAREST = block('xx_resize_nearest', 'nearest-neighbour resize of NHWC images, any element size (assembly/move/resize.ts)', {
  ...RESIZE,
  el: i32('bytes per element (1 or 4)'),
});

export const F32_RESIZE_LINEAR = block('f32_resize_linear', 'f32 bilinear resize of NHWC images (assembly/move/resize.ts)', {
  ...RESIZE,
});

export const QS8_RESIZE_LINEAR = block('qs8_resize_linear', 'int8 bilinear resize of NHWC images (assembly/move/resize.ts)', {
  ...RESIZE,
  zp_in: i32('input zero point'),
  zp_out: i32('output zero point'),
  qmin: i32('output clamp'),
  qmax: i32('output clamp'),
  m: f32('fround(s_in / s_out)'),
});
