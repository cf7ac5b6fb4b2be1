// A custom residual block (the BasicBlock pattern written by hand), one forward and backward.
// The TypeScript port of residual_block.py. Run: npx tsc && node dist/examples/residual_block.js [OUTDIR]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import * as torch from '../lib/index.js';

const { nn } = torch;
const F = torch.nn.functional;

class ResidualBlock extends nn.Module {
  declare conv1: torch.nn.Conv2d;
  declare bn1: torch.nn.BatchNorm2d;
  declare conv2: torch.nn.Conv2d;
  declare bn2: torch.nn.BatchNorm2d;

  constructor(channels: number) {
    super();
    this.registerModule('conv1', new nn.Conv2d(channels, channels, 3, { padding: 1, bias: false }));
    this.registerModule('bn1', new nn.BatchNorm2d(channels));
    this.registerModule('conv2', new nn.Conv2d(channels, channels, 3, { padding: 1, bias: false }));
    this.registerModule('bn2', new nn.BatchNorm2d(channels));
  }

  forward(x: torch.Tensor): torch.Tensor {
    let out = F.relu(this.bn1.forward(this.conv1.forward(x)));
    out = this.bn2.forward(this.conv2.forward(out));
    return F.relu(out.add(x)); // the residual add, then ReLU
  }
}

export function main(out = 'examples-out/residual_block-ts'): void {
  torch.setNumThreads(1);
  mkdirSync(out, { recursive: true });
  torch.tidy(() => {
    torch.manualSeed(0);
    const block = new ResidualBlock(8);
    const x = torch.randn([2, 8, 10, 10], { requiresGrad: true });
    const y = block.forward(x);
    const loss = y.pow(2).mean();
    loss.backward();
    const count = block.parameters().reduce((n, p) => n + p.numel, 0);
    console.log(`loss ${loss.item().toFixed(6)}, ${count} parameters`);

    torch.saveNpy(join(out, 'output.npy'), y.detach());
    torch.saveNpy(join(out, 'input_grad.npy'), x.grad!);
    torch.saveNpy(join(out, 'conv1_weight_grad.npy'), block.conv1.weight.grad!);
    torch.saveNpy(join(out, 'bn2_running_var.npy'), block.bn2.running_var!);
  });
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv[2]);
