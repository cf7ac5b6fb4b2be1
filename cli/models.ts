// Model construction by architecture name, for the CLI.

import type { nn, Tensor } from '../lib/index.js';
import * as zoo from '../resnet/index.js';

type Factory = (options: { numClasses?: number; inChannels?: number }) => nn.Module;

export const ARCHITECTURES: Record<string, Factory> = {
  resnet18: zoo.resnet18,
  resnet34: zoo.resnet34,
  resnet50: zoo.resnet50,
  resnet101: zoo.resnet101,
  resnet152: zoo.resnet152,
  resnext50_32x4d: zoo.resnext50_32x4d,
  resnext101_32x8d: zoo.resnext101_32x8d,
  resnext101_64x4d: zoo.resnext101_64x4d,
  wide_resnet50_2: zoo.wide_resnet50_2,
  wide_resnet101_2: zoo.wide_resnet101_2,
  resnet20: zoo.resnet20,
  resnet32: zoo.resnet32,
  resnet44: zoo.resnet44,
  resnet56: zoo.resnet56,
  resnet110: zoo.resnet110,
};

export function makeModel(arch: string, options: { numClasses: number; inChannels: number }): nn.Module {
  const factory = ARCHITECTURES[arch];
  if (!factory) throw new UsageError(`unknown --arch '${arch}' (one of: ${Object.keys(ARCHITECTURES).join(', ')})`);
  return factory(options);
}

/** Reads numClasses and inChannels off a state dict, so `evaluate` needs only --arch and --weights. */
export function shapeOfWeights(sd: Record<string, Tensor>, source: string): { numClasses: number; inChannels: number } {
  const conv1 = sd['conv1.weight'];
  const fc = sd['fc.weight'];
  if (!conv1 || !fc) throw new UsageError(`${source} does not hold a ResNet state dict (no conv1.weight / fc.weight)`);
  return { numClasses: fc.shape[0], inChannels: conv1.shape[1] };
}

/** A mistake in how the command was called: printed without a stack trace, exit code 2. */
export class UsageError extends Error {}
