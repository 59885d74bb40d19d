// The ONNX backend node tests branchy claims (PASS: must match the expected outputs) and
// those it must refuse with a clear error (REJECT). Shared by the importer's and the runtime's suites.

const CLAIMED = [
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
  // Element-wise ops with broadcasting and activations (issue 16).
  'test_sub_bcast', 'test_mul_bcast', 'test_div_bcast', 'test_max_one_input', 'test_min_one_input',
  'test_tanh', 'test_tanh_example', 'test_erf', 'test_hardswish_expanded', 'test_prelu_broadcast',
];

// Data movement, shape, softmax, reductions, resize, 1-D windows, transposed convolution (issue 16
// item 4). The reference evaluator matches each; the runtime refuses those in MOVES_BATCH with a
// typed error, and runs the rest.
export const MOVEMENT = [
  'test_averagepool_1d_default', 'test_concat_1d_axis_0', 'test_concat_1d_axis_negative_1', 'test_concat_2d_axis_0',
  'test_concat_2d_axis_1', 'test_concat_2d_axis_negative_1', 'test_concat_2d_axis_negative_2', 'test_concat_3d_axis_0',
  'test_concat_3d_axis_1', 'test_concat_3d_axis_2', 'test_concat_3d_axis_negative_1', 'test_concat_3d_axis_negative_2',
  'test_concat_3d_axis_negative_3', 'test_constant_pad', 'test_convtranspose', 'test_convtranspose_1d',
  'test_convtranspose_autopad_same', 'test_convtranspose_kernel_shape',
  'test_convtranspose_output_shape', 'test_convtranspose_pad', 'test_convtranspose_pads',
  'test_convtranspose_with_kernel', 'test_depthtospace_crd_mode', 'test_depthtospace_crd_mode_example',
  'test_depthtospace_dcr_mode', 'test_depthtospace_example', 'test_flatten_axis0', 'test_flatten_axis2',
  'test_flatten_axis3', 'test_flatten_negative_axis1', 'test_flatten_negative_axis2', 'test_flatten_negative_axis3',
  'test_flatten_negative_axis4', 'test_gemm_all_attributes', 'test_gemm_transposeA',
  'test_maxpool_1d_default', 'test_reduce_max_default_axes_keepdim_example',
  'test_reduce_max_default_axes_keepdims_random', 'test_reduce_max_do_not_keepdims_example',
  'test_reduce_max_do_not_keepdims_random', 'test_reduce_max_keepdims_example', 'test_reduce_max_keepdims_random',
  'test_reduce_max_negative_axes_keepdims_example', 'test_reduce_max_negative_axes_keepdims_random',
  'test_reduce_mean_default_axes_keepdims_example', 'test_reduce_mean_default_axes_keepdims_random',
  'test_reduce_mean_do_not_keepdims_example', 'test_reduce_mean_do_not_keepdims_random',
  'test_reduce_mean_keepdims_example', 'test_reduce_mean_keepdims_random',
  'test_reduce_mean_negative_axes_keepdims_example', 'test_reduce_mean_negative_axes_keepdims_random',
  'test_reduce_sum_default_axes_keepdims_example', 'test_reduce_sum_default_axes_keepdims_random',
  'test_reduce_sum_do_not_keepdims_example', 'test_reduce_sum_do_not_keepdims_random',
  'test_reduce_sum_empty_axes_input_noop_example', 'test_reduce_sum_empty_axes_input_noop_random',
  'test_reduce_sum_keepdims_example', 'test_reduce_sum_keepdims_random',
  'test_reduce_sum_negative_axes_keepdims_example', 'test_reduce_sum_negative_axes_keepdims_random',
  'test_reshape_extended_dims', 'test_reshape_negative_dim', 'test_reshape_negative_extended_dims',
  'test_reshape_one_dim', 'test_reshape_reduced_dims', 'test_reshape_reordered_all_dims',
  'test_reshape_reordered_last_dims', 'test_reshape_zero_and_negative_dim', 'test_reshape_zero_dim',
  'test_resize_downsample_scales_linear', 'test_resize_downsample_scales_nearest',
  'test_resize_downsample_sizes_linear_pytorch_half_pixel', 'test_resize_downsample_sizes_nearest',
  'test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn', 'test_resize_upsample_scales_linear',
  'test_resize_upsample_scales_linear_align_corners', 'test_resize_upsample_scales_nearest',
  'test_resize_upsample_sizes_nearest', 'test_resize_upsample_sizes_nearest_ceil_half_pixel',
  'test_resize_upsample_sizes_nearest_floor_align_corners',
  'test_resize_upsample_sizes_nearest_round_prefer_ceil_asymmetric', 'test_slice', 'test_slice_default_axes',
  'test_slice_default_steps', 'test_slice_end_out_of_bounds', 'test_slice_neg', 'test_slice_neg_steps',
  'test_slice_negative_axes', 'test_softmax_axis_0', 'test_softmax_axis_1', 'test_softmax_axis_2',
  'test_softmax_negative_axis', 'test_spacetodepth', 'test_spacetodepth_example', 'test_split_equal_parts_1d',
  'test_split_equal_parts_2d', 'test_split_equal_parts_default_axis', 'test_split_variable_parts_1d',
  'test_split_variable_parts_2d', 'test_split_variable_parts_default_axis', 'test_squeeze',
  'test_squeeze_negative_axes', 'test_transpose_all_permutations_0', 'test_transpose_all_permutations_1',
  'test_transpose_all_permutations_2', 'test_transpose_all_permutations_3', 'test_transpose_all_permutations_4',
  'test_transpose_all_permutations_5', 'test_transpose_default', 'test_unsqueeze_axis_1', 'test_unsqueeze_axis_2',
  'test_unsqueeze_axis_3', 'test_unsqueeze_negative_axes', 'test_unsqueeze_three_axes', 'test_unsqueeze_two_axes',
  'test_unsqueeze_unsorted_axes', 'test_upsample_nearest',
];

// Node tests that move or mix data along axis 0 with a batch above 1 (axis 0 is the batch, which
// the runtime runs sample by sample): it refuses them with BranchyUnsupportedError naming the node.
export const MOVES_BATCH = [
  'test_concat_1d_axis_0', 'test_concat_1d_axis_negative_1', 'test_concat_2d_axis_0', 'test_concat_2d_axis_1',
  'test_concat_2d_axis_negative_1', 'test_concat_2d_axis_negative_2', 'test_concat_3d_axis_0', 'test_concat_3d_axis_1',
  'test_concat_3d_axis_2', 'test_concat_3d_axis_negative_1', 'test_concat_3d_axis_negative_2',
  'test_concat_3d_axis_negative_3', 'test_flatten_axis0', 'test_flatten_axis2', 'test_flatten_axis3',
  'test_flatten_negative_axis1', 'test_flatten_negative_axis2', 'test_flatten_negative_axis3',
  'test_gemm_all_attributes', 'test_gemm_transposeA',
  'test_reduce_max_default_axes_keepdim_example', 'test_reduce_max_default_axes_keepdims_random',
  'test_reduce_mean_default_axes_keepdims_example', 'test_reduce_mean_default_axes_keepdims_random',
  'test_reduce_sum_default_axes_keepdims_example', 'test_reduce_sum_default_axes_keepdims_random',
  'test_reshape_negative_extended_dims', 'test_reshape_one_dim', 'test_reshape_reordered_all_dims', 'test_slice',
  'test_slice_neg_steps', 'test_softmax_axis_0', 'test_split_equal_parts_1d', 'test_split_equal_parts_default_axis',
  'test_split_variable_parts_1d', 'test_split_variable_parts_default_axis', 'test_squeeze',
  'test_transpose_all_permutations_2', 'test_transpose_all_permutations_3', 'test_transpose_all_permutations_4',
  'test_transpose_all_permutations_5', 'test_transpose_default',
];

// 3-D windows, a dilated transposed convolution; tensors with no elements;
// cubic and crop-and-resize interpolation; a constant operand that varies along the first axis (the
// batch: these tests give every input but the first as an initializer; Gemm's matrix bias [M, N]
// with M > 1 too), a slope per element.
export const REJECT = [
  'test_averagepool_3d_default', 'test_convtranspose_dilations',
  'test_add', 'test_sub', 'test_sub_example', 'test_mul', 'test_mul_example', 'test_div', 'test_div_example',
  'test_max_example', 'test_max_two_inputs', 'test_min_example', 'test_min_two_inputs', 'test_prelu_example',
  // PyTorch-converted (opset 6): 3-D windows, BatchNorm of [N, C, L], PRelu-6's slope per channel of a
  // rank-3 input, LogSoftmax, Selu, an int64 input.
  'test_AvgPool3d', 'test_Conv3d', 'test_MaxPool3d', 'test_BatchNorm1d_3d_input_eval', 'test_PReLU_1d_multiparam',
  'test_LogSoftmax', 'test_SELU', 'test_Embedding', 'test_gemm_default_matrix_bias',
  'test_convtranspose_3d', 'test_slice_start_out_of_bounds', 'test_split_zero_size_splits', 'test_reshape_allowzero_reordered',
  'test_resize_upsample_scales_cubic', 'test_resize_downsample_sizes_cubic', 'test_resize_tf_crop_and_resize',
];

// Where branchy follows ONNX Runtime, not the reference outputs stored with the test (the test then
// checks ONNX Runtime's output), and why.
export const AS_ONNX_RUNTIME: Record<string, string> = {
  test_resize_downsample_scales_linear_align_corners:
    'align_corners with scales: ONNX\'s reference divides by the fractional output size (scale * in - 1), ONNX Runtime and PyTorch by the integer one (out - 1)',
};

// ONNX opsets 1-6 (issue 16 item 5): the node tests of old opsets, and the PyTorch-converted module
// tests (onnx/backend/test/data/pytorch-converted, opset 6), read as their opset-7 forms.
export const OLD_OPSETS = [
  'test_globalaveragepool', 'test_globalaveragepool_precomputed', 'test_globalmaxpool', 'test_globalmaxpool_precomputed',
  'test_hardsigmoid', 'test_hardsigmoid_default', 'test_hardsigmoid_example', 'test_elu', 'test_elu_default', 'test_elu_example',
  'test_AvgPool1d', 'test_AvgPool1d_stride', 'test_AvgPool2d', 'test_AvgPool2d_stride', 'test_BatchNorm2d_eval',
  'test_BatchNorm2d_momentum_eval', 'test_ConstantPad2d', 'test_Conv1d', 'test_Conv1d_dilated', 'test_Conv1d_groups',
  'test_Conv1d_pad1', 'test_Conv1d_pad1size1', 'test_Conv1d_pad2', 'test_Conv1d_pad2size1', 'test_Conv1d_stride', 'test_Conv2d',
  'test_Conv2d_depthwise', 'test_Conv2d_depthwise_padded', 'test_Conv2d_depthwise_strided', 'test_Conv2d_depthwise_with_multiplier',
  'test_Conv2d_dilated', 'test_Conv2d_groups', 'test_Conv2d_groups_thnn', 'test_Conv2d_no_bias', 'test_Conv2d_padding',
  'test_Conv2d_strided', 'test_ConvTranspose2d', 'test_ConvTranspose2d_no_bias', 'test_ELU', 'test_GLU', 'test_GLU_dim',
  'test_LeakyReLU', 'test_LeakyReLU_with_negval', 'test_Linear', 'test_Linear_no_bias', 'test_MaxPool1d', 'test_MaxPool1d_stride',
  'test_MaxPool1d_stride_padding_dilation', 'test_MaxPool2d', 'test_MaxPool2d_stride_padding_dilation', 'test_PReLU_1d',
  'test_PReLU_2d', 'test_PReLU_3d', 'test_PixelShuffle', 'test_ReLU', 'test_ReflectionPad2d', 'test_ReplicationPad2d',
  'test_Sigmoid', 'test_Softmax', 'test_Tanh', 'test_ZeroPad2d', 'test_softmax_functional_dim3', 'test_softmax_lastdim',
];

/** Every node test branchy claims: the reference evaluator matches its stored outputs. */
export const PASS = [...CLAIMED, ...MOVEMENT, ...OLD_OPSETS];

// Quantized graph inputs and outputs (issue 16 item 6): uint8 values in, uint8 out. The runtime's
// integers (a Uint8Array) equal the stored ones exactly, in every build (test/runtime/onnx-node-tests.test.ts).
export const INT_IO = ['test_quantizelinear', 'test_dequantizelinear'];

// The rest of that family is refused at import; what each error says (op or input, node, what to do).
const DYNAMIC = /found a graph input -> (ConvInteger|MatMulInteger) -> nothing; branchy runs static int8 only .*quantize statically/;
const ASYMMETRIC_WEIGHTS = /minus zero point \d+ does not fit int8; branchy runs symmetric int8 weights .*quantize weights symmetrically/;
export const INT_IO_REJECT: Record<string, RegExp> = {
  test_quantizelinear_axis: /QuantizeLinear node '\(unnamed\)': per-channel quantization of an activation .*use per-tensor activation scales/,
  test_dequantizelinear_axis: /graph input 'x' has type UINT8 and is read by DequantizeLinear node '\(unnamed\)' with 3 scales \(per axis\).*quantize the input per tensor/,
  test_qlinearconv: ASYMMETRIC_WEIGHTS,
  test_qlinearmatmul_2D: ASYMMETRIC_WEIGHTS,
  test_qlinearmatmul_3D: /MatMul node '\(unnamed\)': right-hand side of shape \[2, 4, 3\]; branchy runs MatMul with a constant \[K, N\] matrix/,
  test_basic_convinteger: DYNAMIC, test_convinteger_with_padding: DYNAMIC, test_convinteger_without_padding: DYNAMIC, test_matmulinteger: DYNAMIC,
  test_dynamicquantizelinear: /DynamicQuantizeLinear node '\(unnamed\)': dynamic quantization .*quantize statically/,
  test_dynamicquantizelinear_max_adjusted: /DynamicQuantizeLinear node '\(unnamed\)': dynamic quantization .*quantize statically/,
  test_dynamicquantizelinear_min_adjusted: /DynamicQuantizeLinear node '\(unnamed\)': dynamic quantization .*quantize statically/,
};
