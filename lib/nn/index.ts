// torch.nn: Module and the layers a ResNet is made of.
//
//   import * as torch from 'libtorch-resnet';
//   const block = new torch.nn.Sequential(new torch.nn.Conv2d(3, 16, 3, { padding: 1 }), new torch.nn.ReLU());

export { type AnyModule, type BackwardHook, Buffer, type ForwardHook, type ForwardPreHook, isParameter, type LoadStateDictResult, Module, Parameter, type RemovableHandle } from './module.js';
export { Conv2d, type Conv2dOptions } from './conv.js';
export { Identity, Linear, type LinearOptions } from './linear.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './normalization.js';
export { GELU, LeakyReLU, ReLU, SiLU, Sigmoid, Tanh } from './activation.js';
export { Dropout, Dropout2d } from './dropout.js';
export { AdaptiveAvgPool2d, MaxPool2d, type MaxPool2dOptions } from './pooling.js';
export { Flatten } from './flatten.js';
export { ModuleDict, ModuleList, ParameterList, Sequential } from './container.js';
export { BCEWithLogitsLoss, CrossEntropyLoss, type CrossEntropyLossOptions, L1Loss, MSELoss, NLLLoss } from './loss.js';
export * as init from './init.js';
// torch.nn.functional: PyTorch's home for the functional ops (torch.functional is another module there).
export * as functional from '../functional.js';
export * as utils from './utils.js';
export { createFeatureExtractor, FeatureExtractor } from './feature_extraction.js';
export { AvgPool2d, type AvgPool2dOptions, BatchNorm1d, Conv1d, type Conv1dOptions, Embedding, GroupNorm, LayerNorm, LogSoftmax, Softmax, Upsample } from './layers.js';
export { forwardChain, release, releasesTensors } from './container.js';
export * as parallel from './parallel.js';
