// The ResNet model zoo: torchvision's names and knobs, bit for bit with torchvision.
//
//   import { resnet50 } from 'libtorch-resnet/resnet';
//   const model = resnet50({ numClasses: 10 }).eval();

export { BasicBlock, type BlockOptions, type BlockType, Bottleneck, conv1x1, conv3x3, type NormLayer } from './blocks.js';
export {
  ResNet,
  type ResNetOptions,
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
  resnext50_32x4d,
  resnext101_32x8d,
  resnext101_64x4d,
  wide_resnet50_2,
  wide_resnet101_2,
} from './resnet.js';
export { CifarResNet, type CifarResNetOptions, resnet20, resnet32, resnet44, resnet56, resnet110 } from './cifar.js';
export { IMAGENET_CLASSES } from './imagenet-classes.js';
