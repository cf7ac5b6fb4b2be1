// libtorch-resnet: tensors, autograd, functional ops, nn modules and I/O on libtorch.
//
//   import * as torch from 'libtorch-resnet';
//   const x = torch.randn([2, 3, 224, 224]);

export {
  arange,
  cat,
  checkOptions,
  type Device,
  type DType,
  empty,
  full,
  isDType,
  keep,
  manualSeed,
  ones,
  rand,
  randn,
  randperm,
  type Shape,
  Tensor,
  tensor,
  type TensorData,
  type TensorOptions,
  tidy,
  zeros,
} from './tensor.js';
export { enableGrad, isGradEnabled, noGrad } from './autograd.js';
export { cuda, getNumThreads, setNumThreads, type Versions, versions } from './runtime.js';
export { type OpenMPWaitState, openmpWaitState } from './openmp.js';
export { type CheckpointValue, type FileSummary, inspectFile, load, loadCheckpoint, loadNpy, save, saveCheckpoint, saveNpy } from './io/index.js';
export {
  emptyLike,
  eye,
  fullLike,
  type LikeOptions,
  linspace,
  logspace,
  onesLike,
  randint,
  randLike,
  randnLike,
  stack,
  where,
  zerosLike,
} from './ops.js';
export type { IndexSpec, NestedList, UniqueOptions, UniqueResult, ValuesIndices } from './tensor.js';
export * as optim from './optim/index.js';
export * as nn from './nn/index.js';
export * as data from './data/index.js';
export { inferenceMode, isInferenceModeEnabled, registerHook, setGradEnabled, type TensorHookHandle } from './autograd.js';
export * as io from './io/checkpoint.js';
export { Generator } from './generator.js';
// Memory accounting of the GC backstop (README, "Memory").
export { nativeMemory } from './tensor.js';
export { cpu, type CpuMemoryStats } from './memory.js';
// The fast inference mode (BN folded, oneDNN prepacked; not bit-exact).
export { type InferenceModule, optimizeForInference, type OptimizeForInferenceOptions } from './inference.js';
export * as distributed from './distributed/index.js';
