// The only untyped boundary: loads the compiled addon (from one place) and
// declares its interface once. Everything else imports `native` from here.
//
// The argument types are deliberately loose (`unknown`) where the C++ side
// checks them: JavaScript callers can pass anything, and the addon's own
// checks produce the messages users see ("conv2d: expected Tensor for weight
// but received number").

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
  getNumThreads(): number;
  setGradEnabled(enabled: U): boolean;
  isGradEnabled(): boolean;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  versions(): { libtorch: string; addon: string; cuda: string | null; cudnn: string | null; parallel: string };
  // serialize.cc (lib/io checks every number first; the addon checks again)
  readStorage(fd: U, position: U, byteLength: U, dtype: U, crc32?: U): T;
  asStrided(storage: U, shape: U, strides: U, storageOffset: U): T;
}

const ADDON_FILE = 'libtorch_resnet.node';

function packageRoot(): string {
  // lib/native.ts (tests, tsx) and dist/lib/native.js (compiled) sit at
  // different depths: walk up to our own package.json.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        if (JSON.parse(readFileSync(candidate, 'utf8')).name === 'libtorch-resnet') return dir;
      } catch {
        // not ours, keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('libtorch-resnet: cannot find the package root (no package.json named libtorch-resnet above ' + fileURLToPath(import.meta.url) + ')');
    dir = parent;
  }
}

/** Where the addon was loaded from, and whether it is a prebuilt binary. */
export const addonLocation: { path: string; prebuilt: boolean } = (() => {
  const root = packageRoot();
  // A prebuilt binary shipped in the npm tarball wins over a local build only
  // when no local build exists: a developer's fresh build must never be
  // shadowed by a stale prebuilt one.
  const built = join(root, 'build', 'Release', ADDON_FILE);
  const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, ADDON_FILE);
  if (existsSync(built)) return { path: built, prebuilt: false };
  if (existsSync(prebuilt)) return { path: prebuilt, prebuilt: true };
  throw new Error(
    `libtorch-resnet: the native addon is not built (looked for ${built} and ${prebuilt}). ` +
      'Run `npm run setup` (installs libtorch and builds it) or `npm run build:native`.',
  );
})();

export const native: NativeAddon = createRequire(import.meta.url)(addonLocation.path) as NativeAddon;
