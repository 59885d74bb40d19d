// The ONNX backend node tests branchy claims (PASS: must match the expected outputs) and
// those it must refuse with a clear error (REJECT). Shared by the importer's and the runtime's suites.

export const PASS = [
  'test_basic_conv_with_padding', 'test_basic_conv_without_padding', 'test_conv_with_autopad_same',
  'test_conv_with_strides_and_asymmetric_padding', 'test_conv_with_strides_no_padding', 'test_conv_with_strides_padding',
  'test_averagepool_2d_ceil', 'test_averagepool_2d_default', 'test_averagepool_2d_pads', 'test_averagepool_2d_pads_count_include_pad',
  'test_averagepool_2d_precomputed_pads', 'test_averagepool_2d_precomputed_pads_count_include_pad',
  'test_averagepool_2d_precomputed_same_upper', 'test_averagepool_2d_precomputed_strides', 'test_averagepool_2d_same_lower',
  'test_averagepool_2d_same_upper', 'test_averagepool_2d_strides',
  'test_maxpool_2d_ceil', 'test_maxpool_2d_default', 'test_maxpool_2d_dilations', 'test_maxpool_2d_pads',
  'test_maxpool_2d_precomputed_pads', 'test_maxpool_2d_precomputed_same_upper', 'test_maxpool_2d_precomputed_strides',
  'test_maxpool_2d_same_lower', 'test_maxpool_2d_same_upper', 'test_maxpool_2d_strides',
  'test_batchnorm_epsilon', 'test_batchnorm_example',
  'test_relu', 'test_sigmoid', 'test_sigmoid_example', 'test_leakyrelu', 'test_leakyrelu_default', 'test_leakyrelu_example',
  'test_hardswish',
  'test_clip', 'test_clip_default_inbounds', 'test_clip_default_max', 'test_clip_default_min', 'test_clip_example',
  'test_clip_inbounds', 'test_clip_outbounds', 'test_clip_splitbounds',
  'test_flatten_axis1', 'test_flatten_default_axis',
  'test_gemm_alpha', 'test_gemm_beta', 'test_gemm_default_no_bias', 'test_gemm_default_scalar_bias',
  'test_gemm_default_single_elem_vector_bias', 'test_gemm_default_vector_bias', 'test_gemm_default_zero_bias', 'test_gemm_transposeB',
  'test_matmul_2d', 'test_softmax_default_axis', 'test_softmax_example', 'test_softmax_large_number',
  'test_add_bcast', 'test_identity', 'test_dropout_default', 'test_unsqueeze_axis_0',
  'test_convtranspose', 'test_convtranspose_autopad_same', 'test_convtranspose_kernel_shape',
  'test_convtranspose_pad', 'test_convtranspose_pads', 'test_convtranspose_with_kernel',
];

// Old opsets (1, 6), transA, softmax across a non-last axis, squeezing the batch of an image,
// 1-D and 3-D windows, an output_shape past the transposed convolution's extent, products of two computed tensors.
export const REJECT = [
  'test_globalaveragepool', 'test_globalmaxpool', 'test_hardsigmoid', 'test_gemm_all_attributes', 'test_softmax_axis_1',
  'test_squeeze',
  'test_averagepool_3d_default', 'test_averagepool_1d_default', 'test_convtranspose_1d', 'test_convtranspose_3d', 'test_convtranspose_output_shape', 'test_convtranspose_dilations', 'test_gemm_transposeA', 'test_flatten_axis0',
  'test_mul', 'test_flatten_axis2',
];

