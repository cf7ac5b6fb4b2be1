// Small user-defined modules shared by tests that need "a user's own Module"
// (not a ResNet): forwardAsync and optimizeForInference must handle them too.

import * as torch from '../../lib/index.js';
import { nn, type Tensor } from '../../lib/index.js';

const F = torch.nn.functional;

/** A user's own module: conv, BatchNorm, a residual add, pooling and a classifier ([N, 3, H, W] -> [N, 5]). */
export class Residual extends nn.Module {
  declare conv: nn.Conv2d;
  declare bn: nn.BatchNorm2d;
  declare fc: nn.Linear;
  constructor() {
    super();
    this.registerModule('conv', new nn.Conv2d(3, 3, 3, { padding: 1, bias: false }));
    this.registerModule('bn', new nn.BatchNorm2d(3));
    this.registerModule('fc', new nn.Linear(3, 5));
  }
  forward(x: Tensor): Tensor {
    const y = F.relu(this.bn.forward(this.conv.forward(x)));
    const pooled = F.adaptiveAvgPool2d(y.add(x), 1).flatten(1);
    return this.fc.forward(pooled);
  }
}
