// Error paths of the tensor surface (issue #11), table-driven in the style of
// errors.test.ts: the error's class (TypeError for a wrong kind of argument,
// RangeError for a bad value, Error for what libtorch rejects), a message
// that starts with the op name and says what is wrong, no C++ backtrace, and
// a process that keeps working (a real op runs after every failure).

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { bad, type Case, checkErrorCase as check } from './setup/error-cases.js';

const F = torch.nn.functional;

const x = (): Tensor => torch.randn([3, 4]);
const bool = (shape: number[]): Tensor => torch.ones(shape, { dtype: 'bool' });
const long = (values: number[]): Tensor => torch.tensor(values, undefined, { dtype: 'int64' });


const reductions: Case[] = [
  ['max: dim out of range', () => x().max(5), Error, /^max: Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)$/],
  ['max: a string dim never falls back to the global max', () => x().max(bad('1')), TypeError, /^max: expected integer or Tensor for dim but received string$/],
  ['max: options without a dim', () => x().max(bad(undefined), { keepdim: true }), TypeError, /^max: expected integer or Tensor for dim but received undefined$/],
  ['max: snake_case option', () => x().max(1, bad({ keep_dim: true })), TypeError, /^max: unknown option 'keep_dim' \(known options: keepdim\)$/],
  ['max: reducing an empty dim', () => torch.zeros([0, 3]).max(0), Error, /^max: max\(\): Expected reduction dim 0 to have non-zero size\.$/],
  ['min: fractional dim', () => x().min(0.5), RangeError, /^min: expected an integer for dim/],
  ['argmin: dim out of range', () => x().argmin(2), Error, /^argmin: Dimension out of range/],
  ['std: an int64 tensor', () => torch.arange(5).std(), TypeError, /^std: expected a floating point tensor for input but it is int64$/],
  ['var: negative correction', () => x().var(0, { correction: -1 }), RangeError, /^var: correction must be >= 0 but received -1$/],
  ['norm: an int64 tensor', () => torch.arange(5).norm(), TypeError, /^norm: expected a floating point tensor for input but it is int64$/],
  ['logsumexp: no dim', () => x().logsumexp(bad(undefined)), RangeError, /^logsumexp: dim is required/],
  ['cumsum: dim out of range', () => x().cumsum(3), Error, /^cumsum: Dimension out of range/],
  ['topk: k larger than the dim', () => x().topk(9), RangeError, /^topk: k \(9\) is larger than the size of dim -1 \(4\)$/],
  ['topk: negative k', () => x().topk(-1), RangeError, /^topk: k must be >= 0 but received -1$/],
  ['topk: dim out of range', () => x().topk(1, { dim: 4 }), RangeError, /^topk: dim 4 is out of range for a tensor with 2 dimensions \(expected -2 to 1\)$/],
  ['sort: dim out of range', () => x().sort({ dim: 2 }), Error, /^sort: Dimension out of range/],
  ['sort: misspelled option', () => x().sort(bad({ descnding: true })), TypeError, /^sort: unknown option 'descnding' \(known options: dim, descending, stable\)$/],
  ['unique: dim out of range', () => x().unique({ dim: 3 }), Error, /^unique: Dimension out of range/],
  ['any: dim out of range', () => x().any(3), Error, /^any: Dimension out of range/],
];

const compare: Case[] = [
  ['eq: shapes that do not broadcast', () => x().eq(torch.randn([5])), Error, /^eq: The size of tensor a \(4\) must match the size of tensor b \(5\) at non-singleton dimension 1$/],
  ['gt: a string', () => x().gt(bad('0')), TypeError, /^gt: expected Tensor or number for other but received string$/],
  ['where: a float condition', () => torch.where(torch.ones([3]), torch.ones([3]), 0), TypeError, /^where: expected a bool tensor for condition but it is float32 \(make one with a comparison, e\.g\. x\.gt\(0\)\)$/],
  ['where: shapes that do not broadcast', () => torch.where(bool([3]), torch.ones([4]), 0), Error, /^where: The size of tensor a \(3\) must match the size of tensor b \(4\)/],
  ['maskedFill: a float mask', () => x().maskedFill(torch.ones([3, 4]), 0), TypeError, /^maskedFill: expected a bool tensor for mask but it is float32/],
  ['maskedFill: a mask of another shape', () => x().maskedFill(bool([5]), 0), Error, /^maskedFill: The size of tensor a \(5\) must match the size of tensor b \(4\)/],
  ['maskedFill: a 1-d value', () => x().maskedFill(bool([3, 4]), torch.ones([2])), RangeError, /^maskedFill: value must be a number or a 0-d tensor but it is 1-d$/],
  ['logicalAnd: shapes that do not broadcast', () => x().logicalAnd(torch.ones([2])), Error, /^logicalAnd: The size of tensor a \(4\)/],
  ['where: a string input', () => torch.where(bool([3]), bad('a'), 0), TypeError, /^where: expected Tensor or number for input but received string$/],
];

const indexing: Case[] = [
  ['index: too many indices', () => x().index(0, 0, 0), Error, /^index: too many indices for tensor of dimension 2$/],
  ['index: out of range', () => x().index(5), Error, /^index: index 5 is out of bounds for dimension 0 with size 3$/],
  ['index: negative out of range', () => x().index(-4), Error, /^index: index -4 is out of bounds for dimension 0 with size 3$/],
  ['index: an unreadable slice string', () => x().index('1-3'), RangeError, /^index: cannot read '1-3' as an index \(expected a slice like ':', '1:3', '::2', '-3:' or '\.\.\.'\)$/],
  ['index: a negative step', () => x().index('::-1'), RangeError, /^index: slice step must be positive but received -1 at indices\[0\] \(PyTorch has no negative steps either; use flip\)$/],
  ['index: step 0', () => x().index([0, 3, 0]), RangeError, /^index: slice step must be positive but received 0 at indices\[0\]/],
  ['index: a float tensor', () => x().index(torch.ones([2])), TypeError, /^index: tensors used as indices must be int64, int32, bool or uint8 but indices\[0\] is float32$/],
  ['index: a tensor index out of range', () => x().index(long([7])), Error, /^index: index 7 is out of bounds for dimension 0 with size 3$/],
  ['index: a mask of another shape', () => x().index(bool([2])), Error, /^index: The shape of the mask \[2\] at index 0 does not match the shape of the indexed tensor \[3, 4\] at index 0$/],
  ['index: an object', () => x().index(bad({})), TypeError, /^index: expected integer, slice \[start, stop, step\], null, '\.\.\.', boolean or Tensor for indices\[0\] but received object$/],
  ['index: a 4-entry slice', () => x().index(bad([1, 2, 3, 4])), RangeError, /^index: a slice at indices\[0\] is \[start, stop, step\?\] but it has 4 entries$/],
  ['index: a fractional index', () => x().index(1.5), RangeError, /^index: expected an integer for indices\[0\]/],
  ['setItem: a value that does not broadcast', () => x().setItem([[0, 2]], torch.ones([3])), Error, /^setItem: The expanded size of the tensor \(4\) must match the existing size \(3\)/],
  ['setItem: indices not in a list', () => x().setItem(bad(0), 1), TypeError, /^setItem: expected Array of indices for indices but received number$/],
  ['setItem: a string value', () => x().setItem([0], bad('a')), TypeError, /^setItem: expected Tensor, number or boolean for value but received string$/],
  ['narrow: past the end', () => x().narrow(1, 2, 5), Error, /^narrow: start \(2\) \+ length \(5\) exceeds dimension size \(4\)\.$/],
  ['select: index out of range', () => x().select(0, 3), Error, /^select: select\(\): index 3 out of range for tensor of size \[3, 4\] at dimension 0$/],
  ['select: negative index out of range', () => x().select(1, -5), Error, /^select: select\(\): index -5 out of range/],
  ['slice: step 0', () => x().slice(0, 0, 2, 0), RangeError, /^slice: step must be positive but received 0/],
  ['slice: a 0-d tensor', () => torch.tensor([1]).reshape([]).slice(0), RangeError, /^slice: cannot slice a 0-d tensor$/],
  ['slice: dim out of range', () => x().slice(2, 0, 1), Error, /^slice: Dimension out of range/],
  ['indexSelect: a float index', () => x().indexSelect(0, torch.ones([2])), Error, /^indexSelect: index_select\(\): Expected dtype int32 or int64 for index$/],
  ['indexSelect: index out of range', () => x().indexSelect(0, long([3])), Error, /^indexSelect: index out of range in self$/],
  ['indexSelect: a 2-d index', () => x().indexSelect(0, torch.zeros([2, 2], { dtype: 'int64' })), RangeError, /^indexSelect: index must be 0-d or 1-d but it has 2 dimensions$/],
  ['gather: an int32 index', () => x().gather(1, torch.zeros([3, 1], { dtype: 'int32' })), TypeError, /^gather: expected an int64 tensor for index but it is int32$/],
  ['gather: index out of range', () => x().gather(1, torch.tensor([[5], [0], [0]], undefined, { dtype: 'int64' })), Error, /^gather: index 5 is out of bounds for dimension 1 with size 4$/],
  ['gather: index of another rank', () => x().gather(1, long([1])), Error, /^gather: Index tensor must have the same number of dimensions as input tensor$/],
  ['scatter: unknown reduce', () => x().scatter(1, torch.zeros([3, 1], { dtype: 'int64' }), 1, { reduce: bad('max') }), RangeError, /^scatter: reduce must be 'add' or 'multiply' but received 'max'$/],
  ['scatter: index out of range', () => x().scatter(1, torch.tensor([[9], [0], [0]], undefined, { dtype: 'int64' }), 1), Error, /^scatter: index 9 is out of bounds for dimension 1 with size 4$/],
  ['take: index out of range', () => x().take(long([12])), Error, /^take: out of range: tried to access index 12 on a tensor of 12 elements\.$/],
  ['maskedSelect: a float mask', () => x().maskedSelect(torch.ones([4])), TypeError, /^maskedSelect: expected a bool tensor for mask but it is float32$/],
  ['indexPut_: a tensor instead of a list', () => x().indexPut_(bad(long([0])), torch.ones([1])), TypeError, /^indexPut_: expected Array of Tensor or null for indices but received Tensor$/],
  ['indexPut_: index out of range', () => x().indexPut_([long([5])], torch.ones([4])), Error, /^indexPut_: index 5 is out of bounds for dimension 0 with size 3$/],
  ['indexPut_: values that do not broadcast', () => x().indexPut_([long([0])], torch.ones([3])), Error, /^indexPut_: shape mismatch: value tensor of shape \[3\] cannot be broadcast to indexing result of shape \[1, 4\]$/],
];

const math: Case[] = [
  ['sqrt_: an int64 tensor in place', () => torch.arange(3).sqrt_(), Error, /^sqrt_: result type Float can't be cast to the desired output type Long$/],
  ['exp_: a leaf that requires grad', () => torch.ones([2], { requiresGrad: true }).exp_(), Error, /^exp_: a leaf Variable that requires grad is being used in an in-place operation\.$/],
  ['pow: a string exponent', () => x().pow(bad('2')), TypeError, /^pow: expected Tensor or number for exponent but received string$/],
  ['pow: an int64 tensor to a negative power', () => torch.arange(3).pow(-1), Error, /^pow: Integers to negative integer powers are not allowed\.$/],
  ['clamp: neither bound', () => x().clamp(null, null), RangeError, /^clamp: at least one of min and max must be given$/],
  ['clamp: a string bound', () => x().clamp(bad('0')), TypeError, /^clamp: expected number for min but received string$/],
  ['lerp: an int64 tensor', () => torch.arange(3).lerp(torch.arange(3), 0.5), Error, /^lerp: "lerp_kernel_scalar" not implemented for 'Long'$/],
  ['lerp: shapes that do not broadcast', () => x().lerp(torch.ones([5]), 0.5), Error, /^lerp: The size of tensor a \(4\) must match the size of tensor b \(5\)/],
  ['addcmul: shapes that do not broadcast', () => x().addcmul(torch.ones([5]), torch.ones([5])), Error, /^addcmul: The size of tensor a \(4\) must match the size of tensor b \(5\)/],
  ['addcdiv: int64 tensors', () => torch.arange(3).addcdiv(torch.arange(3), torch.arange(3)), Error, /^addcdiv: Integer division with addcdiv is no longer supported/],
];

const shapes: Case[] = [
  ['stack: an empty list', () => torch.stack([]), RangeError, /^stack: expected a non-empty list of tensors$/],
  ['stack: different shapes', () => torch.stack([x(), torch.ones([2])]), Error, /^stack: stack expects each tensor to be equal size, but got \[3, 4\] at entry 0 and \[2\] at entry 1$/],
  ['stack: a tensor instead of a list', () => torch.stack(bad(x())), TypeError, /^stack: expected Array of Tensor for tensors but received Tensor$/],
  ['split: size 0', () => x().split(0), RangeError, /^split: splitSize must be > 0 but received 0$/],
  ['split: sections that do not add up', () => x().split([1, 1], 0), Error, /^split: split_with_sizes expects split_sizes to sum exactly to 3/],
  ['split: a negative section', () => x().split([-1, 4], 0), RangeError, /^split: splitSizes must be >= 0 but received -1$/],
  ['chunk: 0 chunks', () => x().chunk(0), RangeError, /^chunk: chunks must be > 0 but received 0$/],
  ['expand: a size that is not 1', () => x().expand(5, 4), Error, /^expand: The expanded size of the tensor \(5\) must match the existing size \(3\) at non-singleton dimension 0/],
  ['expand: fewer sizes than dims', () => x().expand(4), Error, /^expand: .*the number of sizes provided \(1\) must be greater or equal to the number of dimensions in the tensor \(2\)$/],
  ['repeat: fewer repeats than dims', () => x().repeat(2), Error, /^repeat: Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor$/],
  ['repeat: a negative count', () => x().repeat(-1, 1), RangeError, /^repeat: repeats must be >= 0 but received -1$/],
  ['flip: the same dim twice', () => x().flip(0, 0), Error, /^flip: dim 0 appears multiple times in the list of dims$/],
  ['roll: shifts and dims of different lengths', () => x().roll([1, 2], [0]), Error, /^roll: shifts and dimensions must align\. shifts: 2, dims:1$/],
  ['t: a 3-d tensor', () => torch.ones([2, 2, 2]).t(), RangeError, /^t: expects a tensor with <= 2 dimensions but it has 3 \(use transpose or permute\)$/],
  ['mm: shapes that do not multiply', () => x().mm(torch.ones([3, 4])), Error, /^mm: (mm: )?mat1 and mat2 shapes cannot be multiplied \(3x4 and 3x4\)$/],
  ['mm: a 1-d operand', () => x().mm(torch.ones([4])), RangeError, /^mm: expects 2-d tensors but received 2-d and 1-d$/],
  ['bmm: batch sizes differ', () => torch.ones([2, 3, 4]).bmm(torch.ones([3, 4, 5])), Error, /^bmm: Expected size for first two dimensions of batch2 tensor to be: \[2, 4\] but got: \[3, 4\]\.$/],
  ['movedim: source and destination of different lengths', () => x().movedim([0, 1], [0]), Error, /^movedim: movedim: Invalid source or destination dims/],
  ['squeeze: dim out of range', () => x().squeeze(3), Error, /^squeeze: Dimension out of range/],
];

const creation: Case[] = [
  ['randLike: an int64 tensor', () => torch.randLike(torch.arange(3)), TypeError, /^randLike: randLike needs a floating point dtype but the result would be int64 \(pass \{ dtype: 'float32' \}\)$/],
  ['fullLike: a string value', () => torch.fullLike(x(), bad('a')), TypeError, /^fullLike: expected number for value but received string$/],
  ['zerosLike: unknown option', () => torch.zerosLike(x(), bad({ device: 'cpu' })), TypeError, /^zerosLike: unknown option 'device' \(known options: dtype, requiresGrad\)$/],
  ['eye: negative n', () => torch.eye(-1), RangeError, /^eye: n and m must be >= 0 but received -1 and -1$/],
  ['linspace: negative steps', () => torch.linspace(0, 1, -1), RangeError, /^linspace: steps must be >= 0 but received -1$/],
  ['linspace: fractional steps', () => torch.linspace(0, 1, 1.5), RangeError, /^linspace: expected an integer for steps/],
  ['randint: low == high', () => torch.randint(5, 5, [2]), RangeError, /^randint: low must be < high but received low 5 and high 5$/],
  ['fill_: a string', () => x().fill_(bad('a')), TypeError, /^fill_: expected number for value but received string$/],
  ['fill_: a 1-d tensor value', () => x().fill_(torch.ones([2])), RangeError, /^fill_: value must be a number or a 0-d tensor but it is 1-d$/],
  ['size: dim out of range', () => x().size(2), RangeError, /^size: dim 2 is out of range for a tensor with 2 dimensions \(expected -2 to 1\)$/],
  ['size: fractional dim', () => x().size(0.5), TypeError, /^size: expected integer for dim but received number$/],
];

const functional: Case[] = [
  ['pad: an odd-length pad', () => F.pad(x(), [1]), RangeError, /^pad: pad must have an even number of entries but it has 1$/],
  ['pad: more pads than dims', () => F.pad(x(), [1, 1, 1, 1, 1, 1]), RangeError, /^pad: pad has 6 entries, more than twice the tensor's 2 dimensions$/],
  ['pad: unknown mode', () => F.pad(x(), [1, 1], { mode: bad('wrap') }), RangeError, /^pad: mode must be 'constant', 'reflect', 'replicate' or 'circular' but received 'wrap'$/],
  ['pad: reflect wider than the input', () => F.pad(torch.ones([1, 1, 3]), [3, 3], { mode: 'reflect' }), Error, /^pad: Argument #4: Padding size should be less than the corresponding input dimension/],
  ['pad: value with reflect', () => F.pad(torch.ones([1, 1, 3]), [1, 1], { mode: 'reflect', value: 1 }), RangeError, /^pad: value is only used with mode 'constant'$/],
  ['dropout: p above 1', () => F.dropout(x(), { p: 1.5 }), RangeError, /^dropout: p must be in \[0, 1\] but received 1\.5$/],
  ['dropout: an int64 tensor', () => F.dropout(torch.arange(4), { p: 0.5 }), Error, /^dropout: result type Float can't be cast to the desired output type Long$/],
  ['gelu: unknown approximation', () => F.gelu(x(), { approximate: bad('fast') }), RangeError, /^gelu: approximate must be 'none' or 'tanh' but received 'fast'$/],
  ['leakyRelu: an int64 tensor', () => F.leakyRelu(torch.arange(3)), Error, /^leakyRelu: "leaky_relu_cpu" not implemented for 'Long'$/],
  ['hardtanh: minVal above maxVal', () => F.hardtanh(x(), { minVal: 2, maxVal: 1 }), RangeError, /^hardtanh: minVal must be <= maxVal but received 2 and 1$/],
  ['mseLoss: shapes that do not broadcast', () => F.mseLoss(x(), torch.ones([5])), Error, /^mseLoss: The size of tensor a \(4\) must match the size of tensor b \(5\)/],
  ['mseLoss: unknown reduction', () => F.mseLoss(x(), x(), { reduction: bad('avg') }), RangeError, /^mseLoss: reduction must be 'mean', 'sum' or 'none' but received 'avg'$/],
  ['nllLoss: a float target', () => F.nllLoss(x(), torch.ones([3])), TypeError, /^nllLoss: expected int64 class indices for target but it is float32$/],
  ['nllLoss: a class out of range', () => F.nllLoss(x(), long([0, 9, 1])), Error, /^nllLoss: Target 9 is out of bounds\.$/],
  ['nllLoss: batch sizes differ', () => F.nllLoss(x(), long([0, 1])), Error, /^nllLoss: Expected input batch_size \(3\) to match target batch_size \(2\)\.$/],
  ['binaryCrossEntropyWithLogits: shapes differ', () => F.binaryCrossEntropyWithLogits(x(), torch.ones([4])), RangeError, /^binaryCrossEntropyWithLogits: target size \[4\] must be the same as input size \[3, 4\]$/],
  ['oneHot: a float tensor', () => F.oneHot(x()), TypeError, /^oneHot: expected an int64 tensor for input but it is float32$/],
  ['oneHot: a class >= numClasses', () => F.oneHot(long([3]), 2), Error, /^oneHot: Class values must be smaller than num_classes\.$/],
  ['oneHot: a negative class', () => F.oneHot(long([-1])), Error, /^oneHot: Class values must be non-negative\.$/],
  ['normalize: an int64 tensor', () => F.normalize(torch.arange(3)), TypeError, /^normalize: expected a floating point tensor for input but it is int64$/],
  ['cosineSimilarity: shapes that do not broadcast', () => F.cosineSimilarity(x(), torch.ones([5])), Error, /^cosineSimilarity: The size of tensor a \(4\) must match the size of tensor b \(5\)/],
];


describe('tensor surface errors', () => {
  describe('reductions', () => it.each(reductions)('%s', (...c) => check(c as unknown as Case)));
  describe('comparison and logic', () => it.each(compare)('%s', (...c) => check(c as unknown as Case)));
  describe('selection and indexing', () => it.each(indexing)('%s', (...c) => check(c as unknown as Case)));
  describe('pointwise math', () => it.each(math)('%s', (...c) => check(c as unknown as Case)));
  describe('shapes', () => it.each(shapes)('%s', (...c) => check(c as unknown as Case)));
  describe('creation, filling, sizes', () => it.each(creation)('%s', (...c) => check(c as unknown as Case)));
  describe('torch.nn.functional', () => it.each(functional)('%s', (...c) => check(c as unknown as Case)));
});
