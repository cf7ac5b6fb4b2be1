// The only untyped boundary: loads the compiled addon (from one place) and
// declares its interface once. Everything else imports `native` from here.
//
// The argument types are deliberately loose (`unknown`) where the C++ side
// checks them: JavaScript callers can pass anything, and the addon's own
// checks produce the messages users see ("conv2d: expected Tensor for weight
// but received number").

import { type Binary, loadBinary, type Resolution, resolveBinary } from './libtorch.js';

export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'bool';

/** The native handle of one at::Tensor (see native/tensor.h). */
export interface NativeTensor {
  readonly isDisposed: boolean;
  readonly shape: number[];
  readonly strides: number[];
  readonly dtype: DType;
  readonly device: string;
  readonly numel: number;
  readonly isContiguous: boolean;
  requiresGrad: boolean;
  readonly isLeaf: boolean;
  grad: NativeTensor | null;
  readonly hasGradFn: boolean;
  dispose(): void;
  toArray(): Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array;
  item(): number;
  backward(gradient?: unknown, retainGraph?: unknown, createGraph?: unknown): void;
  sameStorage(other: unknown): boolean;
  /** Reports the tensor's bytes to V8 now (tensors made inside tidy are not reported until they leave it). */
  charge(): void;
}

type T = NativeTensor;
type U = unknown;

export interface NativeAddon {
  // tensor.cc
  fromData(data: U, shape: U, dtype?: U, device?: U): T;
  setChargeNewTensors(flag: U): boolean;
  to(input: U, dtype: U, device: U, copy?: U): T;
  clone(input: U): T;
  detach(input: U): T;
  contiguous(input: U): T;
  nativeMemory(): { bytes: number; tensors: number; reportedToV8: number };
  cpuMemoryStats(): { allocator: string; liveBytes: number; cachedBytes: number; peakLiveBytes: number; cacheLimitBytes: number; liveBlocks: number; cachedBlocks: number; hits: number; misses: number };
  cpuEmptyCache(): number;
  sweep(): number;
  // factory.cc
  zeros(shape: U, dtype?: U, device?: U): T;
  ones(shape: U, dtype?: U, device?: U): T;
  empty(shape: U, dtype?: U, device?: U): T;
  rand(shape: U, dtype?: U, device?: U): T;
  randn(shape: U, dtype?: U, device?: U): T;
  full(shape: U, value: U, dtype?: U, device?: U): T;
  arange(start: U, end: U, step: U, dtype?: U, device?: U): T;
  randperm(n: U, dtype?: U): T;
  manualSeed(seed: U): void;
  uniform_(input: U, from: U, to: U): T;
  normal_(input: U, mean: U, std: U): T;
  fill_(input: U, value: U): T;
  copy_(input: U, src: U): T;
  setData(input: U, src: U): T;
  // shape.cc
  reshape(input: U, shape: U): T;
  view(input: U, shape: U): T;
  permute(input: U, dims: U): T;
  transpose(input: U, dim0: U, dim1: U): T;
  flatten(input: U, startDim: U, endDim: U): T;
  unsqueeze(input: U, dim: U): T;
  squeeze(input: U, dim?: U): T;
  cat(tensors: U, dim: U): T;
  // arith.cc
  add(input: U, other: U, alpha?: U, inPlace?: U): T;
  sub(input: U, other: U, alpha?: U, inPlace?: U): T;
  mul(input: U, other: U, alpha?: U, inPlace?: U): T;
  div(input: U, other: U, alpha?: U, inPlace?: U): T;
  matmul(input: U, other: U): T;
  neg(input: U): T;
  abs(input: U): T;
  // reduce.cc
  sum(input: U, dim?: U, keepdim?: U, dtype?: U): T;
  mean(input: U, dim?: U, keepdim?: U, dtype?: U): T;
  argmax(input: U, dim?: U, keepdim?: U): T;
  max(input: U): T;
  min(input: U): T;
  equal(input: U, other: U): boolean;
  allclose(input: U, other: U, rtol: U, atol: U, equalNan: U): boolean;
  // activation.cc
  relu(input: U, inPlace?: U): T;
  softmax(input: U, dim: U, dtype?: U): T;
  logSoftmax(input: U, dim: U, dtype?: U): T;
  // conv.cc, norm.cc, pooling.cc, linear.cc, loss.cc
  conv2d(input: U, weight: U, bias: U, stride: U, padding: U, dilation: U, groups: U): T;
  batchNorm(input: U, runningMean: U, runningVar: U, weight: U, bias: U, training: U, momentum: U, eps: U): T;
  maxPool2d(input: U, kernelSize: U, stride: U, padding: U, dilation: U, ceilMode: U): T;
  avgPool2d(input: U, kernelSize: U, stride: U, padding: U, ceilMode: U, countIncludePad: U, divisorOverride: U): T;
  adaptiveAvgPool2d(input: U, outputSize: U): T;
  linear(input: U, weight: U, bias: U): T;
  crossEntropy(input: U, target: U, weight: U, reduction: U, ignoreIndex: U, labelSmoothing: U): T;
  // optim.cc
  sgdStep(params: U, momentumBuffers: U, lr: U, momentum: U, dampening: U, weightDecay: U, nesterov: U, maximize: U): (T | null)[];
  adamStep(
    params: U, steps: U, expAvgs: U, expAvgSqs: U, maxExpAvgSqs: U, lr: U, beta1: U, beta2: U, eps: U,
    weightDecay: U, amsgrad: U, decoupledWeightDecay: U, maximize: U,
  ): { steps: (T | null)[]; expAvgs: (T | null)[]; expAvgSqs: (T | null)[]; maxExpAvgSqs: (T | null)[] };
  zeroGrad(params: U, setToNone: U): void;
  mathCos(x: U): number;
  mathPow(x: U, y: U): number;
  // data.cc
  makeBatch(images: U, labels: U, indices: U, options: U): Promise<[T, T]>;
  // runtime.cc
  setNumThreads(n: U): void;
  openmpWaitState(): { mode: string; throttled: boolean; othersBusy: number; switches: number; cpus: number };
  openmpWaitDecide(loads: U, threads: U, cpus: U): boolean[];
  getNumThreads(): number;
  setGradEnabled(enabled: U): boolean;
  isGradEnabled(): boolean;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  versions(): {
    libtorch: string; addon: string; cuda: string | null; cudnn: string | null; parallel: string;
    builtWithCuda: boolean; cudaAvailable: boolean; mkl: boolean; mkldnn: boolean; openmp: boolean; cxx11abi: boolean;
  };
  // serialize.cc (lib/io checks every number first; the addon checks again)
  readStorage(fd: U, position: U, byteLength: U, dtype: U, crc32?: U): T;
  asStrided(storage: U, shape: U, strides: U, storageOffset: U): T;
  // The tensor surface (issue #11). Ops with several results return arrays of handles.
  // reduce.cc
  maxDim(input: U, dim: U, keepdim?: U): T[];
  minDim(input: U, dim: U, keepdim?: U): T[];
  argmin(input: U, dim?: U, keepdim?: U): T;
  prod(input: U, dim?: U, keepdim?: U, dtype?: U): T;
  stdVar(input: U, isStd: U, dim?: U, correction?: U, keepdim?: U): T;
  norm(input: U, p?: U, dim?: U, keepdim?: U): T;
  logsumexp(input: U, dim: U, keepdim?: U): T;
  cumsum(input: U, dim: U, dtype?: U): T;
  cumprod(input: U, dim: U, dtype?: U): T;
  topk(input: U, k: U, dim?: U, largest?: U, sorted?: U): T[];
  sort(input: U, dim?: U, descending?: U, stable?: U): T[];
  argsort(input: U, dim?: U, descending?: U, stable?: U): T;
  unique(input: U, sorted?: U, returnInverse?: U, returnCounts?: U, dim?: U): T[];
  // compare.cc
  compareOp(op: U, input: U, other: U): T;
  predicate(op: U, input: U): T;
  where(condition: U, input: U, other: U): T;
  any(input: U, dim?: U, keepdim?: U): T;
  all(input: U, dim?: U, keepdim?: U): T;
  maskedFill(input: U, mask: U, value: U, inPlace?: U): T;
  nonzero(input: U): T;
  // index.cc
  index(input: U, indices: U): T;
  setItem(input: U, indices: U, value: U): T;
  indexPut_(input: U, indices: U, values: U, accumulate?: U): T;
  narrow(input: U, dim: U, start: U, length: U): T;
  select(input: U, dim: U, index: U): T;
  slice(input: U, dim: U, start?: U, end?: U, step?: U): T;
  indexSelect(input: U, dim: U, index: U): T;
  gather(input: U, dim: U, index: U): T;
  scatter(input: U, dim: U, index: U, src: U, reduce?: U, inPlace?: U): T;
  scatterAdd(input: U, dim: U, index: U, src: U, inPlace?: U): T;
  take(input: U, index: U): T;
  maskedSelect(input: U, mask: U): T;
  // math.cc
  unary(op: U, input: U, inPlace?: U): T;
  pow(input: U, exponent: U, inPlace?: U): T;
  clamp(input: U, min: U, max: U, inPlace?: U): T;
  lerp(input: U, end: U, weight: U, inPlace?: U): T;
  addcmul(input: U, tensor1: U, tensor2: U, value?: U, inPlace?: U): T;
  addcdiv(input: U, tensor1: U, tensor2: U, value?: U, inPlace?: U): T;
  // shape.cc
  stack(tensors: U, dim: U): T;
  split(input: U, splitSize: U, dim: U): T[];
  chunk(input: U, chunks: U, dim: U): T[];
  unbind(input: U, dim: U): T[];
  expand(input: U, sizes: U): T;
  repeat(input: U, repeats: U): T;
  flip(input: U, dims: U): T;
  roll(input: U, shifts: U, dims?: U): T;
  t(input: U): T;
  mm(input: U, mat2: U): T;
  bmm(input: U, mat2: U): T;
  movedim(input: U, source: U, destination: U): T;
  // creation.cc
  like(kind: U, input: U, value?: U, dtype?: U): T;
  eye(n: U, m?: U, dtype?: U, device?: U): T;
  linspace(start: U, end: U, steps: U, dtype?: U, device?: U): T;
  logspace(start: U, end: U, steps: U, base?: U, dtype?: U, device?: U): T;
  randint(low: U, high: U, shape: U, dtype?: U, device?: U): T;
  fillTensor_(input: U, value: U): T;
  zeroTensor_(input: U): T;
  // loss.cc, nnfunc.cc
  mseLoss(input: U, target: U, reduction: U): T;
  l1Loss(input: U, target: U, reduction: U): T;
  nllLoss(input: U, target: U, weight: U, reduction: U, ignoreIndex: U): T;
  binaryCrossEntropyWithLogits(input: U, target: U, weight: U, posWeight: U, reduction: U): T;
  pad(input: U, pad: U, mode?: U, value?: U): T;
  dropout(input: U, p: U, training?: U, inPlace?: U, channelWise?: U): T;
  gelu(input: U, approximate?: U): T;
  silu(input: U, inPlace?: U): T;
  leakyRelu(input: U, negativeSlope?: U, inPlace?: U): T;
  hardtanh(input: U, minVal?: U, maxVal?: U, inPlace?: U): T;
  oneHot(input: U, numClasses?: U): T;
  normalize(input: U, p?: U, dim?: U, eps?: U): T;
  cosineSimilarity(x1: U, x2: U, dim?: U, eps?: U): T;
  // jit.cc (forwardAsync: trace once, replay off the JS thread)
  jitTrace(fn: (handles: T[]) => T | T[], inputs: U): { plan: NativePlan; outputs: T[] };
  jitRun(plan: U, inputs: U, gradEnabled: U, numThreads: U): Promise<T[]>;
  jitSave(plan: U, names: U, state: U, path: U): void;
  // interpolate.cc
  interpolate(input: U, size: U, scaleFactor: U, mode: U, alignCorners: U, antialias: U): T;
  tvResize(img: U, size: U, interpolation: U, antialias: U): T;
  tvPad(img: U, padding: U, fill: U, paddingMode: U): T;
  tvCrop(img: U, top: U, left: U, height: U, width: U): T;
  tvCenterCrop(img: U, size: U): T;
  tvImagenetAsync(img: U, resizeSize: U, cropSize: U, interpolation: U, antialias: U, mean: U, std: U): Promise<T>;
  tvHflip(img: U): T;
  tvConvertDtype(img: U, dtype: U): T;
  tvNormalize(img: U, mean: U, std: U, inplace: U): T;
  // grad_utils.cc
  clipGradNorm_(params: U, maxNorm: U, normType: U, errorIfNonfinite: U): T;
  clipGradValue_(params: U, clipValue: U): void;
  vectorToParameters(vec: U, params: U): void;
  inferenceMode<R>(fn: () => R, enabled?: U): R;
  isInferenceModeEnabled(): boolean;
  registerHook(tensor: U, fn: (grad: T) => T | undefined): number;
  removeHook(tensor: U, id: U): void;
  // rmsprop.cc
  rmspropStep(
    params: U, squareAvgs: U, gradAvgs: U, momentumBuffers: U, lr: U, alpha: U, eps: U, weightDecay: U,
    momentum: U, centered: U, maximize: U,
  ): { squareAvgs: (T | null)[]; gradAvgs: (T | null)[]; momentumBuffers: (T | null)[] };
  // layers.cc
  layerNorm(input: U, normalizedShape: U, weight: U, bias: U, eps: U): T;
  groupNorm(input: U, numGroups: U, weight: U, bias: U, eps: U): T;
  conv1d(input: U, weight: U, bias: U, stride: U, padding: U, dilation: U, groups: U): T;
  embedding(weight: U, indices: U, paddingIdx: U, scaleGradByFreq: U, sparse: U): T;
  upsample(input: U, size: U, scaleFactor: U, mode: U, alignCorners: U): T;
  // generator.cc
  generatorNew(seed: U): object;
  generatorManualSeed(generator: U, seed: U): void;
  randpermWith(generator: U, n: U): T;
  // inference.cc (optimizeForInference)
  inferenceOptimize(plan: U, names: U, state: U, example: U, backend: U): object;
  inferenceBackends(): ('onednn' | 'torchscript')[];
  inferenceRun(handle: U, input: U): T;
  inferenceRunAsync(handle: U, input: U, numThreads: U): Promise<T>;
  // distributed.cc (c10d: TCPStore + ProcessGroupGloo, DDP's Reducer)
  readonly distAvailable: boolean;
  distInit(host: U, port: U, rank: U, worldSize: U, timeoutMs: U, agentPrefix?: U): Promise<{ group: object; rank: number; worldSize: number }>;
  distDestroy(group: U): void;
  distAllReduce(group: U, tensor: U, op: U, async: U): Promise<void> | void;
  distBroadcast(group: U, tensor: U, src: U, async: U): Promise<void> | void;
  distAllGather(group: U, tensor: U, async: U): Promise<T[]> | T[];
  distBarrier(group: U, async: U): Promise<void> | void;
  distBroadcastCoalesced(group: U, tensors: U, bufferBytes: U, src: U): void;
  distVerifyParams(group: U, params: U): void;
  ddpReducerNew(group: U, params: U, names: U, bucketCapBytes: U, findUnusedParameters: U, gradientAsBucketView: U): object;
  ddpReducerPrepareForward(reducer: U, requireBackwardGradSync: U): boolean;
  ddpReducerPrepareBackward(reducer: U, outputs: U): void;
  ddpReducerBuckets(reducer: U): number[];
  ddpReducerDestroy(reducer: U): void;
}

/** A recorded forward (native/jit.cc): opaque to JavaScript. */
export interface NativePlan {
  readonly __plan: unique symbol;
}

/**
 * The binary that was loaded and the libtorch it runs on (see lib/libtorch.ts
 * for the order things are looked up in; `libtorch-resnet doctor` prints it).
 */
export const resolution: Resolution = resolveBinary();

export const addonLocation: { path: string; prebuilt: boolean } = (() => {
  const { binary } = resolution;
  if (binary === null) {
    throw new Error(
      `libtorch-resnet: ${resolution.problem}.\n  looked at: ${resolution.searched.join('; ')}\n  fix: ${resolution.fix}\n` +
        '  (`npx libtorch-resnet doctor` explains more)',
    );
  }
  return { path: binary.path, prebuilt: binary.kind === 'prebuilt' };
})();

export const native: NativeAddon = (() => {
  try {
    return loadBinary(resolution.binary as Binary) as NativeAddon;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new Error(`libtorch-resnet: cannot load ${addonLocation.path} against libtorch ${resolution.libtorch?.fullVersion} (${resolution.libtorch?.libDir}): ${why}\n  (\`npx libtorch-resnet doctor\` names the missing library and the fix)`);
  }
})();
