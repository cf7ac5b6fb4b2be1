// Error paths of every op and factory, table-driven: the error's class
// (TypeError for a wrong kind of argument, RangeError for a bad value, Error
// for what libtorch rejects), a message that starts with the op name and says
// what is wrong, no C++ backtrace in it, and a process that still works
// afterwards (every case runs a real op after the failure).

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { bad, type Case, checkErrorCase as check, expectStillWorks } from './setup/error-cases.js';

const F = torch.nn.functional;


const x4 = (): Tensor => torch.randn([2, 3, 8, 8]);
const w4 = (): Tensor => torch.randn([4, 3, 3, 3]);
const logits = (): Tensor => torch.randn([4, 5]);
const labels = (): Tensor => torch.tensor([1n, 0n, 4n, 2n]);
const disposed = (shape: number[] = [2, 3]): Tensor => {
  const t = torch.ones(shape);
  t.dispose();
  return t;
};


const factories: Case[] = [
  ['tensor: a number for data', () => torch.tensor(bad(5)), TypeError, /^tensor: expected TypedArray or Array for data but received number$/],
  ['tensor: a string element', () => torch.tensor(bad(['a'])), TypeError, /^tensor: expected number, boolean or bigint at data\[0\] but received string$/],
  ['tensor: ragged rows', () => torch.tensor([[1, 2], [3]]), RangeError, /^tensor: nested arrays are not rectangular at data\[1\] \(expected 2 elements\)$/],
  ['tensor: ragged depth', () => torch.tensor(bad([1, [2, 3]])), TypeError, /^tensor: expected number, boolean or bigint at data\[1\] but received Array$/],
  ['tensor: data and shape disagree', () => torch.tensor([1, 2, 3], [2, 2]), RangeError, /^tensor: data has 3 elements but shape \[2, 2\] needs 4$/],
  ['tensor: an unsupported TypedArray', () => torch.tensor(bad(new Int16Array(2))), TypeError, /^tensor: data must be a Float32Array, Float64Array/],
  ['tensor: Uint16Array without a half dtype', () => torch.tensor(new Uint16Array(2)), TypeError, /^tensor: data must be .* Uint16Array of raw float16\/bfloat16 bits$/],
  ['tensor: bad dtype string', () => torch.tensor([1], undefined, { dtype: bad('float') }), RangeError, /^tensor: unknown dtype 'float' for dtype \(expected float32, float64/],
  ['tensor: snake_case option', () => torch.tensor([1], undefined, bad({ requires_grad: true })), TypeError, /^tensor: unknown option 'requires_grad' \(did you mean 'requiresGrad'\?\)$/],
  ['tensor: requiresGrad on int64', () => torch.tensor([1, 2], undefined, { dtype: 'int64', requiresGrad: true }), Error, /^requiresGrad: only floating point tensors can require gradients, this one is int64$/],
  ['tensor: bad shape entry', () => torch.tensor(new Float32Array(2), bad(['a'])), TypeError, /^tensor: expected integer for shape\[0\] but received string$/],
  ['zeros: a number for shape', () => torch.zeros(bad(3)), TypeError, /^zeros: expected Array of integers for shape but received number$/],
  ['zeros: negative size', () => torch.zeros([2, -1]), RangeError, /^zeros: shape must be >= 0 but received -1$/],
  ['zeros: fractional size', () => torch.zeros([2.5]), RangeError, /^zeros: expected an integer for shape\[0\]/],
  ['zeros: bad dtype string', () => torch.zeros([2], { dtype: bad('float') }), RangeError, /^zeros: unknown dtype 'float'/],
  ['ones: dtype of the wrong type', () => torch.ones([2], { dtype: bad(3) }), TypeError, /^ones: expected dtype string for dtype but received number$/],
  ['ones: unknown option', () => torch.ones([2], bad({ dtpye: 'float32' })), TypeError, /^ones: unknown option 'dtpye' \(known options: dtype, device, requiresGrad\)$/],
  ['empty: unknown device', () => torch.empty([2], { device: 'gpu' }), RangeError, /^empty: unknown device 'gpu' for device \(expected 'cpu', 'cuda' or 'cuda:N'\)$/],
  ['empty: shape of strings', () => torch.empty(bad('2')), TypeError, /^empty: expected Array of integers for shape but received string$/],
  ['full: a string value', () => torch.full([2], bad('a')), TypeError, /^full: expected number for value but received string$/],
  ['full: requiresGrad on int64', () => torch.full([2], 1, { dtype: 'int64', requiresGrad: true }), Error, /^requiresGrad: only floating point tensors can require gradients/],
  ['rand: integer dtype', () => torch.rand([2], { dtype: 'int64' }), TypeError, /^rand: .*floating point dtype/],
  ['randn: a string for shape', () => torch.randn(bad('a')), TypeError, /^randn: expected Array of integers for shape but received string$/],
  ['randn: bad dtype string', () => torch.randn([2], { dtype: bad('half') }), RangeError, /^randn: unknown dtype 'half'/],
  ['arange: step 0', () => torch.arange(0, 5, 0), RangeError, /^arange: step must be non-zero$/],
  ['arange: step in the wrong direction', () => torch.arange(5, 0, 1), RangeError, /^arange: upper bound and step are inconsistent/],
  ['arange: a string end', () => torch.arange(bad('a')), TypeError, /^arange: expected number for end but received string$/],
  ['randperm: negative n', () => torch.randperm(-1), RangeError, /^randperm: n must be >= 0$/],
  ['randperm: a string', () => torch.randperm(bad('a')), TypeError, /^randperm: expected integer for n but received string$/],
  ['manualSeed: a string', () => torch.manualSeed(bad('a')), TypeError, /^manualSeed: expected integer for seed but received string$/],
  ['manualSeed: a fraction', () => torch.manualSeed(1.5), RangeError, /^manualSeed: expected an integer for seed/],
  ['setNumThreads: 0', () => torch.setNumThreads(0), RangeError, /^setNumThreads: n must be between 1 and \d+ but received 0$/],
  ['setNumThreads: a string', () => torch.setNumThreads(bad('2')), TypeError, /^setNumThreads: expected integer for n but received string$/],
  ['cat: not an array', () => torch.cat(bad(torch.ones([2]))), TypeError, /^cat: expected Array of Tensor for tensors but received Tensor$/],
  ['cat: a number in the list', () => torch.cat([torch.ones([2]), bad(3)]), TypeError, /^cat: expected Tensor for tensors\[1\] but received number$/],
  ['cat: empty list', () => torch.cat([]), RangeError, /^cat: expected a non-empty list of tensors$/],
  ['cat: mismatched sizes', () => torch.cat([torch.ones([2, 3]), torch.ones([2, 4])], 0), Error, /^cat: Sizes of tensors must match except in dimension 0/],
];

const cuda: Case[] = [
  ['tensor', () => torch.tensor([1], undefined, { device: 'cuda' }), Error, /^tensor: this libtorch was built without CUDA, so device 'cuda' is not available/],
  ['zeros', () => torch.zeros([2], { device: 'cuda' }), Error, /^zeros: this libtorch was built without CUDA/],
  ['ones cuda:0', () => torch.ones([2], { device: 'cuda:0' }), Error, /^ones: this libtorch was built without CUDA, so device 'cuda:0'/],
  ['full', () => torch.full([2], 1, { device: 'cuda' }), Error, /^full: this libtorch was built without CUDA/],
  ['rand', () => torch.rand([2], { device: 'cuda' }), Error, /^rand: this libtorch was built without CUDA/],
  ['randn', () => torch.randn([2], { device: 'cuda' }), Error, /^randn: this libtorch was built without CUDA/],
  ['empty', () => torch.empty([2], { device: 'cuda' }), Error, /^empty: this libtorch was built without CUDA/],
  ['arange', () => torch.arange(3, { device: 'cuda' }), Error, /^arange: this libtorch was built without CUDA/],
  ["to('cuda')", () => torch.ones([2]).to('cuda'), Error, /^to: this libtorch was built without CUDA.*torch\.cuda\.isAvailable\(\) is false/],
  ['to({ device })', () => torch.ones([2]).to({ device: 'cuda:1', dtype: 'float16' }), Error, /^to: this libtorch was built without CUDA/],
];

const tensorMethods: Case[] = [
  ['item: several elements', () => torch.ones([2]).item(), RangeError, /^item: only a tensor with exactly one element can be converted to a number, this one has 2$/],
  ['item: no elements', () => torch.zeros([0]).item(), RangeError, /^item: only a tensor with exactly one element .* this one has 0$/],
  ['item: int64 beyond 2^53', () => torch.tensor([2n ** 60n]).item(), RangeError, /^item: the int64 value 1152921504606846976 is not exactly representable .* use toArray\(\)/],
  ['to: bad dtype string', () => torch.ones([2]).to(bad('float')), RangeError, /^to: unknown dtype or device 'float' \(dtypes: float32, .*; devices: 'cpu', 'cuda', 'cuda:N'\)$/],
  ['to: bad dtype in options', () => torch.ones([2]).to({ dtype: bad('double') }), RangeError, /^to: unknown dtype 'double' for dtype/],
  ['to: unknown option', () => torch.ones([2]).to(bad({ dtyp: 'float64' })), TypeError, /^to: unknown option 'dtyp'/],
  ['to: bad device index', () => torch.ones([2]).to('cpu:x'), RangeError, /^to: unknown device 'cpu:x'/],
  ['reshape: wrong element count', () => torch.ones([2, 3]).reshape([4, 2]), Error, /^reshape: shape '\[4, 2\]' is invalid for input of size 6$/],
  ['reshape: a string', () => torch.ones([2, 3]).reshape(bad('a')), TypeError, /^reshape: expected integer for shape\[0\] but received string$/],
  ['view: non-contiguous', () => torch.ones([2, 3]).transpose(0, 1).view([-1]), Error, /^view: view size is not compatible with input tensor's size and stride/],
  ['permute: wrong number of dims', () => torch.ones([2, 3, 4]).permute(0, 1), RangeError, /^permute: dims has 2 entries but the tensor has 3 dimensions$/],
  ['permute: repeated dim', () => torch.ones([2, 3]).permute(0, 0), Error, /^permute: .*duplicate dims are not allowed/],
  ['transpose: dim out of range', () => torch.ones([2, 3]).transpose(0, 5), Error, /^transpose: Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)$/],
  ['flatten: a string', () => torch.ones([2, 3]).flatten(bad('a')), TypeError, /^flatten: expected integer for startDim but received string$/],
  ['unsqueeze: out of range', () => torch.ones([2]).unsqueeze(4), Error, /^unsqueeze: Dimension out of range/],
  ['squeeze: a fraction', () => torch.ones([2]).squeeze(0.5), RangeError, /^squeeze: expected an integer for dim/],
  ['add: a string', () => torch.ones([2]).add(bad('1')), TypeError, /^add: expected Tensor or number for other but received string$/],
  ['add: shapes that do not broadcast', () => torch.ones([2, 3]).add(torch.ones([4])), Error, /^add: The size of tensor a \(3\) must match the size of tensor b \(4\) at non-singleton dimension 1$/],
  ['add: alpha of the wrong type', () => torch.ones([2]).add(1, { alpha: bad('2') }), TypeError, /^add: expected number for alpha but received string$/],
  ['add: unknown option', () => torch.ones([2]).add(1, bad({ alhpa: 2 })), TypeError, /^add: unknown option 'alhpa' \(known options: alpha\)$/],
  ['sub_: unknown option', () => torch.ones([2]).sub_(1, bad({ Alpha: 2 })), TypeError, /^sub: unknown option 'Alpha'/],
  ['sub: two bool tensors', () => torch.tensor([true]).sub(torch.tensor([false])), Error, /^sub: Subtraction, the `-` operator, with two bool tensors is not supported/],
  ['mul: null', () => torch.ones([2]).mul(bad(null)), TypeError, /^mul: expected Tensor or number for other but received null$/],
  ['div: an object', () => torch.ones([2]).div(bad({})), TypeError, /^div: expected Tensor or number for other but received object$/],
  ['mul_: int64 in place by a fraction', () => torch.tensor([1n]).mul_(2.5), Error, /^mul: result type Float can't be cast to the desired output type Long$/],
  ['add_: a leaf that requires grad', () => torch.ones([2], { requiresGrad: true }).add_(1), Error, /^add: a leaf Variable that requires grad is being used in an in-place operation\.$/],
  ['matmul: a number', () => torch.ones([2, 3]).matmul(bad(2)), TypeError, /^matmul: expected Tensor for other but received number$/],
  // libtorch 2.x prefixes its message with the inner op ('mm: ').
  ['matmul: inner sizes differ', () => torch.ones([2, 3]).matmul(torch.ones([4, 5])), Error, /^matmul: (mm: )?mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)$/],
  ['matmul: batched inner sizes differ', () => torch.ones([2, 2, 3]).matmul(torch.ones([2, 4, 5])), Error, /^matmul: .*(Expected size for first two dimensions|must match|cannot be multiplied)/],
  ['matmul: a 0-d operand', () => torch.ones([2]).matmul(torch.ones([2]).sum()), RangeError, /^matmul: both arguments need at least 1 dimension$/],
  ['sum: dim out of range', () => torch.ones([2, 3]).sum(2), Error, /^sum: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)$/],
  ['sum: keepdim of the wrong type', () => torch.ones([2, 3]).sum(1, { keepdim: bad('yes') }), TypeError, /^sum: expected boolean for keepdim but received string$/],
  ['sum: snake_case option', () => torch.ones([2, 3]).sum(1, bad({ keep_dim: true })), TypeError, /^sum: unknown option 'keep_dim' \(did you mean 'keepDim'\?\)|^sum: unknown option 'keep_dim'/],
  ['mean: an int64 tensor', () => torch.tensor([1n, 2n]).mean(), TypeError, /^mean: .*floating point tensor \(this one is int64\)/],
  ['argmax: dim out of range', () => torch.ones([2, 3]).argmax(3), Error, /^argmax: Dimension out of range/],
  ['argmax: unknown option', () => torch.ones([2, 3]).argmax(1, bad({ keepDim: true })), TypeError, /^argmax: unknown option 'keepDim' \(known options: keepdim\)$/],
  ['max: an empty tensor', () => torch.zeros([0]).max(), RangeError, /^max: the tensor is empty/],
  ['equal: a number', () => torch.ones([2]).equal(bad(1)), TypeError, /^equal: expected Tensor for other but received number$/],
  ['allclose: shapes that do not broadcast', () => torch.ones([2]).allclose(torch.ones([3])), Error, /^allclose: The size of tensor a \(2\) must match/],
  ['allclose: negative tolerance', () => torch.ones([2]).allclose(torch.ones([2]), { rtol: -1 }), RangeError, /^allclose: rtol and atol must be >= 0$/],
  ['sharesStorageWith: a number', () => torch.ones([2]).sharesStorageWith(bad(1)), TypeError, /^sameStorage: expected Tensor for other but received number$/],
  ['backward: non-scalar without gradient', () => torch.ones([2, 3], { requiresGrad: true }).mul(2).backward(), RangeError, /^backward: a gradient is needed for a non-scalar tensor of shape \[2, 3\]/],
  ['backward: nothing requires grad', () => torch.ones([1]).mul(2).backward(), Error, /^backward: the tensor does not require grad and has no grad_fn/],
  ['backward: gradient of the wrong shape', () => torch.ones([2, 3], { requiresGrad: true }).mul(2).backward(torch.ones([3, 2])), Error, /^backward: invalid gradient at index 0 - got \[3, 2\] but expected shape compatible with \[2, 3\]$/],
  ['backward: gradient of the wrong type', () => torch.ones([2], { requiresGrad: true }).sum().backward(bad(1)), TypeError, /^backward: expected Tensor or null for gradient but received number$/],
  ['backward: snake_case option', () => torch.ones([2], { requiresGrad: true }).sum().backward(null, bad({ retain_graph: true })), TypeError, /^backward: unknown option 'retain_graph' \(did you mean 'retainGraph'\?\)$/],
  [
    'backward: twice through a freed graph',
    () => {
      const x = torch.ones([2], { requiresGrad: true });
      const y = x.mul(x).sum();
      y.backward();
      y.backward();
    },
    Error,
    /^backward: Trying to backward through the graph a second time/,
  ],
  ['grad setter: wrong shape', () => (torch.ones([2]).grad = torch.ones([3])), RangeError, /^grad: shape \[3\] does not match the tensor's shape \[2\]$/],
  ['grad setter: wrong dtype', () => (torch.ones([2]).grad = torch.ones([2], { dtype: 'float64' })), TypeError, /^grad: gradient must have the tensor's dtype and device$/],
  ['grad setter: a number', () => (torch.ones([2]).grad = bad(0)), TypeError, /^grad: expected Tensor or null for grad but received number$/],
  ['requiresGrad setter: a string', () => (torch.ones([2]).requiresGrad = bad('yes')), TypeError, /^requiresGrad: expected boolean for requiresGrad but received string$/],
  ['requiresGrad setter: int64', () => (torch.ones([2], { dtype: 'int64' }).requiresGrad = true), Error, /^requiresGrad: only floating point tensors can require gradients, this one is int64$/],
  ['requiresGrad setter: a non-leaf', () => (torch.ones([2], { requiresGrad: true }).mul(2).requiresGrad = false), Error, /^requiresGrad: you can only change requiresGrad of leaf tensors, and this one was computed by an op; use detach\(\)/],
  ['noGrad: not a function', () => torch.noGrad(bad(1)), TypeError, /^noGrad: expected function for fn but received number$/],
  ['enableGrad: not a function', () => torch.enableGrad(bad(null)), TypeError, /^enableGrad: expected function for fn but received null$/],
  ['tidy: not a function', () => torch.tidy(bad('f')), TypeError, /^tidy: expected function for fn but received string$/],
  ['tidy: an async function', () => torch.tidy(bad(async () => torch.ones([1]))), TypeError, /^tidy: fn is an async function; tidy tracks synchronous code only/],
  ['tidy: a function returning a Promise', () => torch.tidy(bad(() => Promise.resolve(1))), TypeError, /^tidy: fn returned a Promise; tidy only tracks synchronous code/],
];

const functional: Case[] = [
  // conv2d
  ['conv2d: weight is a number', () => F.conv2d(x4(), bad(3)), TypeError, /^conv2d: expected Tensor for weight but received number$/],
  ['conv2d: input is a string', () => F.conv2d(bad('x'), w4()), TypeError, /^conv2d: expected Tensor for input but received string$/],
  ['conv2d: bias is a number', () => F.conv2d(x4(), w4(), bad(1)), TypeError, /^conv2d: expected Tensor or null for bias but received number$/],
  ['conv2d: weight with the wrong in-channels', () => F.conv2d(x4(), torch.randn([4, 2, 3, 3])), Error, /^conv2d: Given groups=1, weight of size \[4, 2, 3, 3\], expected input\[2, 3, 8, 8\] to have 2 channels, but got 3 channels instead$/],
  ['conv2d: bias of the wrong size', () => F.conv2d(x4(), w4(), torch.randn([3])), Error, /^conv2d: Given weight of size \[4, 3, 3, 3\], expected bias to be 1-dimensional with 4 elements, but got bias of size \[3\] instead$/],
  ['conv2d: stride 0', () => F.conv2d(x4(), w4(), null, { stride: 0 }), RangeError, /^conv2d: stride must be >= 1 but received 0$/],
  ['conv2d: negative stride', () => F.conv2d(x4(), w4(), null, { stride: [1, -2] }), RangeError, /^conv2d: stride must be >= 1 but received -2$/],
  ['conv2d: stride with 3 entries', () => F.conv2d(x4(), w4(), null, { stride: bad([1, 1, 1]) }), RangeError, /^conv2d: expected stride to have 2 elements but it has 3$/],
  ['conv2d: negative padding', () => F.conv2d(x4(), w4(), null, { padding: -1 }), RangeError, /^conv2d: padding must be >= 0 but received -1$/],
  ['conv2d: unknown padding mode', () => F.conv2d(x4(), w4(), null, { padding: bad('full') }), RangeError, /^conv2d: padding must be 'same', 'valid', a number or \[h, w\] but received 'full'$/],
  ["conv2d: padding 'same' with stride 2", () => F.conv2d(x4(), w4(), null, { padding: 'same', stride: 2 }), Error, /^conv2d: padding='same' is not supported for strided convolutions$/],
  ['conv2d: dilation 0', () => F.conv2d(x4(), w4(), null, { dilation: 0 }), RangeError, /^conv2d: dilation must be >= 1 but received 0$/],
  ['conv2d: groups 0', () => F.conv2d(x4(), w4(), null, { groups: 0 }), RangeError, /^conv2d: groups must be between 1 and 2147483647 but received 0$/],
  ['conv2d: fractional groups', () => F.conv2d(x4(), w4(), null, { groups: 1.5 }), RangeError, /^conv2d: expected an integer for groups/],
  ['conv2d: groups that do not divide the channels', () => F.conv2d(x4(), w4(), null, { groups: 2 }), Error, /^conv2d: Given groups=2, weight of size \[4, 3, 3, 3\], expected input\[2, 3, 8, 8\] to have 6 channels/],
  ['conv2d: 2-D input', () => F.conv2d(torch.randn([3, 8]), w4()), RangeError, /^conv2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input but it has 2 dimensions$/],
  ['conv2d: 3-D weight', () => F.conv2d(x4(), torch.randn([4, 3, 3])), RangeError, /^conv2d: expected a 4-D weight \(out, in \/ groups, kH, kW\) but it has 3 dimensions$/],
  ['conv2d: kernel larger than the input', () => F.conv2d(torch.randn([1, 3, 2, 2]), w4()), Error, /^conv2d: Calculated padded input size per channel: \(2 x 2\)\. Kernel size: \(3 x 3\)/],
  ['conv2d: float64 input, float32 weight', () => F.conv2d(x4().to('float64'), w4()), Error, /^conv2d: expected scalar type Double but found Float$/],
  ['conv2d: unknown option', () => F.conv2d(x4(), w4(), null, bad({ strides: 2 })), TypeError, /^conv2d: unknown option 'strides' \(known options: stride, padding, dilation, groups\)$/],
  ['conv2d: snake_case option', () => F.conv2d(x4(), w4(), null, bad({ padding_mode: 'zeros' })), TypeError, /^conv2d: unknown option 'padding_mode'/],
  // batchNorm
  ['batchNorm: input is a number', () => F.batchNorm(bad(1), null, null, { training: true }), TypeError, /^batchNorm: expected Tensor for input but received number$/],
  ['batchNorm: runningMean is a number', () => F.batchNorm(x4(), bad(0), torch.ones([3])), TypeError, /^batchNorm: expected Tensor or null for runningMean but received number$/],
  ['batchNorm: running stats of the wrong size', () => F.batchNorm(x4(), torch.zeros([4]), torch.ones([4])), RangeError, /^batchNorm: runningMean must have shape \[3\] to match the input's channels$/],
  ['batchNorm: weight of the wrong size', () => F.batchNorm(x4(), null, null, { training: true, weight: torch.ones([2]) }), RangeError, /^batchNorm: weight must have shape \[3\]/],
  ['batchNorm: only one running stat', () => F.batchNorm(x4(), torch.zeros([3]), null, { training: true }), RangeError, /^batchNorm: runningMean and runningVar must both be given or both be null$/],
  ['batchNorm: evaluation without running stats', () => F.batchNorm(x4(), null, null), RangeError, /^batchNorm: evaluation mode needs runningMean and runningVar$/],
  ['batchNorm: one value per channel in training', () => F.batchNorm(torch.randn([1, 3]), null, null, { training: true }), RangeError, /^batchNorm: expected more than 1 value per channel when training$/],
  ['batchNorm: momentum above 1', () => F.batchNorm(x4(), null, null, { training: true, momentum: 2 }), RangeError, /^batchNorm: momentum must be in \[0, 1\]$/],
  ['batchNorm: eps 0', () => F.batchNorm(x4(), null, null, { training: true, eps: 0 }), RangeError, /^batchNorm: eps must be > 0$/],
  ['batchNorm: training of the wrong type', () => F.batchNorm(x4(), null, null, { training: bad(1) }), TypeError, /^batchNorm: expected boolean for training but received number$/],
  ['batchNorm: snake_case option', () => F.batchNorm(x4(), null, null, bad({ running_mean: null })), TypeError, /^batchNorm: unknown option 'running_mean' \(known options: weight, bias, training, momentum, eps\)$/],
  ['batchNorm: 1-D input', () => F.batchNorm(torch.randn([3]), null, null, { training: true }), RangeError, /^batchNorm: expected an input with at least 2 dimensions/],
  // activations
  ['relu: a number', () => F.relu(bad(3)), TypeError, /^relu: expected Tensor for input but received number$/],
  ['relu_: an array', () => F.relu_(bad([1, 2])), TypeError, /^relu: expected Tensor for input but received Array$/],
  ['relu_: a leaf that requires grad', () => F.relu_(torch.randn([3], { requiresGrad: true })), Error, /^relu: a leaf Variable that requires grad is being used in an in-place operation\.$/],
  ['softmax: an int64 tensor', () => F.softmax(torch.tensor([1n, 2n]), 0), TypeError, /^softmax: expected a floating point tensor but it is int64$/],
  ['softmax: dim out of range', () => F.softmax(x4(), 5), Error, /^softmax: Dimension out of range \(expected to be in range of \[-4, 3\], but got 5\)$/],
  ['softmax: dim is a string', () => F.softmax(x4(), bad('1')), TypeError, /^softmax: expected integer for dim but received string$/],
  ['softmax: unknown option', () => F.softmax(x4(), 1, bad({ dim: 1 })), TypeError, /^softmax: unknown option 'dim' \(known options: dtype\)$/],
  ['logSoftmax: fractional dim', () => F.logSoftmax(x4(), 1.5), RangeError, /^logSoftmax: expected an integer for dim/],
  ['logSoftmax: bad dtype', () => torch.ones([2]).logSoftmax(0, { dtype: bad('f32') }), RangeError, /^logSoftmax: unknown dtype 'f32'/],
  // pooling
  ['maxPool2d: no options', () => F.maxPool2d(x4(), bad(undefined)), TypeError, /^maxPool2d: expected integer or Array of integers for kernelSize but received undefined$/],
  ['maxPool2d: kernelSize missing', () => F.maxPool2d(x4(), bad({ stride: 2 })), TypeError, /^maxPool2d: expected integer or Array of integers for kernelSize but received undefined$/],
  ['maxPool2d: kernel_size instead of kernelSize', () => F.maxPool2d(x4(), bad({ kernel_size: 3 })), TypeError, /^maxPool2d: unknown option 'kernel_size' \(did you mean 'kernelSize'\?\)$/],
  ['maxPool2d: ceil_mode instead of ceilMode', () => F.maxPool2d(x4(), bad({ kernelSize: 3, ceil_mode: true })), TypeError, /^maxPool2d: unknown option 'ceil_mode' \(did you mean 'ceilMode'\?\)$/],
  ['maxPool2d: kernelSize 0', () => F.maxPool2d(x4(), { kernelSize: 0 }), RangeError, /^maxPool2d: kernelSize must be >= 1 but received 0$/],
  ['maxPool2d: stride 0', () => F.maxPool2d(x4(), { kernelSize: 2, stride: 0 }), RangeError, /^maxPool2d: stride must be >= 1 but received 0$/],
  ['maxPool2d: negative padding', () => F.maxPool2d(x4(), { kernelSize: 2, padding: -1 }), RangeError, /^maxPool2d: padding must be >= 0 but received -1$/],
  ['maxPool2d: padding over half the kernel', () => F.maxPool2d(x4(), { kernelSize: 2, padding: 2 }), RangeError, /^maxPool2d: padding 2 must be at most half of the \(effective\) kernel size 2$/],
  ['maxPool2d: kernel larger than the input', () => F.maxPool2d(x4(), { kernelSize: 20 }), Error, /^maxPool2d: Given input size: \(3x8x8\)\. Calculated output size: \(3x0x0\)\. Output size is too small$/],
  ['maxPool2d: ceilMode of the wrong type', () => F.maxPool2d(x4(), { kernelSize: 2, ceilMode: bad('yes') }), TypeError, /^maxPool2d: expected boolean for ceilMode but received string$/],
  ['maxPool2d: kernelSize a string', () => F.maxPool2d(x4(), { kernelSize: bad('3') }), TypeError, /^maxPool2d: expected integer or Array of integers for kernelSize but received string$/],
  ['maxPool2d: 2-D input', () => F.maxPool2d(torch.randn([8, 8]), { kernelSize: 2 }), RangeError, /^maxPool2d: expected a 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input but it has 2 dimensions$/],
  ['avgPool2d: kernel_size instead of kernelSize', () => F.avgPool2d(x4(), bad({ kernel_size: 2 })), TypeError, /^avgPool2d: unknown option 'kernel_size' \(did you mean 'kernelSize'\?\)$/],
  ['avgPool2d: kernelSize missing', () => F.avgPool2d(x4(), bad({})), TypeError, /^avgPool2d: expected integer or Array of integers for kernelSize but received undefined$/],
  ['avgPool2d: stride 0', () => F.avgPool2d(x4(), { kernelSize: 2, stride: [0, 1] }), RangeError, /^avgPool2d: stride must be >= 1 but received 0$/],
  ['avgPool2d: negative padding', () => F.avgPool2d(x4(), { kernelSize: 2, padding: [0, -1] }), RangeError, /^avgPool2d: padding must be >= 0 but received -1$/],
  ['avgPool2d: divisorOverride 0', () => F.avgPool2d(x4(), { kernelSize: 2, divisorOverride: 0 }), RangeError, /^avgPool2d: divisorOverride must not be 0$/],
  ['adaptiveAvgPool2d: output size 0', () => F.adaptiveAvgPool2d(x4(), 0), RangeError, /^adaptiveAvgPool2d: outputSize must be >= 1 but received 0$/],
  ['adaptiveAvgPool2d: a string', () => F.adaptiveAvgPool2d(x4(), bad('1')), TypeError, /^adaptiveAvgPool2d: expected integer or Array of integers for outputSize but received string$/],
  ['adaptiveAvgPool2d: three sizes', () => F.adaptiveAvgPool2d(x4(), bad([1, 2, 3])), RangeError, /^adaptiveAvgPool2d: expected outputSize to have 2 elements but it has 3$/],
  ['adaptiveAvgPool2d: input is a number', () => F.adaptiveAvgPool2d(bad(1), 1), TypeError, /^adaptiveAvgPool2d: expected Tensor for input but received number$/],
  // linear, flatten
  ['linear: feature mismatch', () => F.linear(torch.randn([2, 5]), torch.randn([3, 4])), RangeError, /^linear: input has 5 features in its last dimension but weight expects 4$/],
  ['linear: 1-D weight', () => F.linear(torch.randn([2, 4]), torch.randn([4])), RangeError, /^linear: expected a 2-D weight \(out, in\) but it has 1 dimensions$/],
  ['linear: weight is a number', () => F.linear(torch.randn([2, 4]), bad(2)), TypeError, /^linear: expected Tensor for weight but received number$/],
  ['linear: bias of the wrong size', () => F.linear(torch.randn([2, 4]), torch.randn([3, 4]), torch.randn([2])), Error, /^linear: The expanded size of the tensor \(3\) must match the existing size \(2\)/],
  ['flatten: startDim out of range', () => F.flatten(x4(), 5), Error, /^flatten: Dimension out of range/],
  ['flatten: endDim a string', () => F.flatten(x4(), 0, bad('1')), TypeError, /^flatten: expected integer for endDim but received string$/],
  // crossEntropy
  ['crossEntropy: float32 class indices of the wrong shape', () => F.crossEntropy(logits(), torch.tensor([1, 0, 4, 2])), TypeError, /^crossEntropy: a float32 target is read as class probabilities and must have the input's shape \[4, 5\] but it has shape \[4\]; class indices must be int64$/],
  ['crossEntropy: int32 class indices', () => F.crossEntropy(logits(), torch.tensor([1, 0, 4, 2], undefined, { dtype: 'int32' })), TypeError, /^crossEntropy: expected int64 class indices or floating point probabilities for target but it is int32$/],
  ['crossEntropy: target is a number', () => F.crossEntropy(logits(), bad(1)), TypeError, /^crossEntropy: expected Tensor for target but received number$/],
  ['crossEntropy: class index out of range', () => F.crossEntropy(logits(), torch.tensor([1n, 0n, 9n, 2n])), Error, /^crossEntropy: Target 9 is out of bounds\.$/],
  ['crossEntropy: batch sizes differ', () => F.crossEntropy(logits(), torch.tensor([1n, 0n, 4n])), Error, /^crossEntropy: Expected input batch_size \(4\) to match target batch_size \(3\)\.$/],
  ['crossEntropy: unknown reduction', () => F.crossEntropy(logits(), labels(), { reduction: bad('avg') }), RangeError, /^crossEntropy: reduction must be 'mean', 'sum' or 'none' but received 'avg'$/],
  ['crossEntropy: labelSmoothing above 1', () => F.crossEntropy(logits(), labels(), { labelSmoothing: 1.5 }), RangeError, /^crossEntropy: labelSmoothing must be in \[0, 1\]/],
  ['crossEntropy: label_smoothing instead of labelSmoothing', () => F.crossEntropy(logits(), labels(), bad({ label_smoothing: 0.1 })), TypeError, /^crossEntropy: unknown option 'label_smoothing' \(did you mean 'labelSmoothing'\?\)$/],
  ['crossEntropy: fractional ignoreIndex', () => F.crossEntropy(logits(), labels(), { ignoreIndex: 0.5 }), RangeError, /^crossEntropy: expected an integer for ignoreIndex/],
  ['crossEntropy: class weights of the wrong size', () => F.crossEntropy(logits(), labels(), { weight: torch.ones([3]) }), Error, /^crossEntropy: weight tensor should be defined either for all 5 classes or no classes but got weight tensor of shape: \[3\]$/],
];

const disposedTensors: Case[] = [
  ['relu input', () => F.relu(disposed()), Error, /^relu: input is a disposed Tensor \(it was freed by dispose\(\) or tidy\(\)\)$/],
  ['conv2d weight', () => F.conv2d(x4(), disposed([4, 3, 3, 3])), Error, /^conv2d: weight is a disposed Tensor/],
  ['batchNorm runningVar', () => F.batchNorm(x4(), torch.zeros([3]), disposed([3])), Error, /^batchNorm: runningVar is a disposed Tensor/],
  ['linear bias', () => F.linear(torch.ones([2, 3]), torch.ones([4, 3]), disposed([4])), Error, /^linear: bias is a disposed Tensor/],
  ['crossEntropy target', () => F.crossEntropy(logits(), disposed([4])), Error, /^crossEntropy: target is a disposed Tensor/],
  ['add other', () => torch.ones([2, 3]).add(disposed()), Error, /^add: other is a disposed Tensor/],
  ['a method of a disposed tensor', () => disposed().mul(2), Error, /^mul: input is a disposed Tensor/],
  ['cat element', () => torch.cat([torch.ones([2, 3]), disposed()]), Error, /^cat: tensors\[1\] is a disposed Tensor/],
  ['shape', () => disposed().shape, Error, /^shape: this Tensor is disposed \(it was freed by dispose\(\) or tidy\(\)\)$/],
  ['dtype', () => disposed().dtype, Error, /^dtype: this Tensor is disposed/],
  ['toArray', () => disposed().toArray(), Error, /^toArray: this Tensor is disposed/],
  ['item', () => disposed([1]).item(), Error, /^item: this Tensor is disposed/],
  ['to', () => disposed().to('float64'), Error, /^to: input is a disposed Tensor/],
  ['grad getter', () => disposed().grad, Error, /^grad: this Tensor is disposed/],
  ['requiresGrad setter', () => (disposed().requiresGrad = true), Error, /^requiresGrad: this Tensor is disposed/],
  ['backward', () => disposed([1]).backward(), Error, /^backward: this Tensor is disposed/],
  ['as backward gradient', () => torch.ones([2], { requiresGrad: true }).mul(2).backward(disposed([2])), Error, /^backward: gradient is a disposed Tensor/],
  ['equal', () => torch.ones([2]).equal(disposed([2])), Error, /^equal: other is a disposed Tensor/],
  [
    'a tensor freed by tidy',
    () => {
      let inner!: Tensor;
      torch.tidy(() => {
        inner = torch.ones([2]);
        return torch.ones([2]);
      });
      return inner.add(1);
    },
    Error,
    /^add: input is a disposed Tensor \(it was freed by dispose\(\) or tidy\(\)\)$/,
  ],
];



describe('errors', () => {
  it('the process works before any error (baseline for the checks below)', () => expectStillWorks());
  describe('factories and tensor()', () => it.each(factories)('%s', (...c) => check(c as unknown as Case)));
  describe("'cuda' on a CPU-only libtorch", () => it.each(cuda)('%s', (...c) => check(c as unknown as Case)));
  describe('Tensor methods and autograd', () => it.each(tensorMethods)('%s', (...c) => check(c as unknown as Case)));
  describe('torch.nn.functional', () => it.each(functional)('%s', (...c) => check(c as unknown as Case)));
  describe('disposed tensors', () => it.each(disposedTensors)('%s', (...c) => check(c as unknown as Case)));
});
