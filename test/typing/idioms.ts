// Compiled by test/typing.test.ts with `tsc --strict` (never run): the typed
// public API accepts PyTorch's idioms and rejects wrong uses; every line
// marked with a ts-expect-error directive must be an error, or the compile fails.
import * as torch from '../../lib/index.js';
import { type Tensor } from '../../lib/index.js';
import { BasicBlock, Bottleneck, resnet18 } from '../../resnet/index.js';

const { nn } = torch;

// Module<Input, Output>: forward is typed.
class Net extends nn.Module {
  fc = new nn.Linear(4, 2);
  forward(x: Tensor): Tensor {
    return this.fc.forward(x);
  }
}
const net = new Net();
const y: Tensor = net.forward(torch.zeros([1, 4]));
// @ts-expect-error forward takes a Tensor
net.forward(3);
// @ts-expect-error a Tensor -> Tensor module returns a Tensor, not a string
const wrong: string = net.forward(torch.zeros([1, 4]));

class Pair extends nn.Module<[Tensor, Tensor], { sum: Tensor }> {
  forward(a: Tensor, b: Tensor): { sum: Tensor } {
    return { sum: a.add(b) };
  }
}
const generic: torch.nn.Module<[Tensor, Tensor], { sum: Tensor }> = new Pair();
const s: Tensor = generic.forward(y, y).sum;
// @ts-expect-error two inputs are required
generic.forward(y);

// children()/modules() give modules of unknown signature: no `any` to call blindly.
for (const child of net.children()) {
  // @ts-expect-error narrow first (instanceof) before calling forward
  child.forward(y);
  if (child instanceof nn.Linear) child.forward(y);
}

// Containers are typed: model.layer1.at(0).conv1 type-checks.
const model = resnet18();
const conv1: torch.nn.Conv2d = model.layer1.at(0).conv1;
const block: BasicBlock | Bottleneck = model.layer2.at(-1);
const trunk: torch.nn.Sequential<BasicBlock | Bottleneck> = model.layer3.slice(0, 1);
// @ts-expect-error blocks have no conv9
model.layer1.at(0).conv9;
const list = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 3)]);
const l0: torch.nn.Linear = list.at(0);
const dict = new nn.ModuleDict({ head: new nn.Conv2d(1, 1, 1) });
const head: torch.nn.Conv2d | undefined = dict.get('head');

// Hooks: the module argument has the module's own type.
model.layer3.registerForwardHook((m, inputs, output) => {
  const n: number = m.length;
  void n, inputs, output;
});
model.fc.registerForwardPreHook((m) => {
  const w: Tensor = m.weight;
  void w;
});

// Optimizers: options are checked.
const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
// @ts-expect-error snake_case options do not exist
new torch.optim.SGD(net.parameters(), { lr: 0.1, weight_decay: 1e-4 });
const sd = opt.stateDict();
const first: torch.optim.ParamState | undefined = sd.state.get(0);
// @ts-expect-error state keys are numbers (PyTorch's ints)
sd.state.get('0');
const sched = new torch.optim.lrScheduler.SequentialLR(opt, {
  schedulers: [new torch.optim.lrScheduler.LinearLR(opt, { startFactor: 0.1, totalIters: 5 }), new torch.optim.lrScheduler.ExponentialLR(opt, { gamma: 0.9 })],
  milestones: [5],
});
sched.step();

// Data: the DataLoader's batches are typed from the dataset.
const ds: torch.data.Dataset<{ x: Tensor; label: number; name: string }> = {
  length: 2,
  get: async (i) => ({ x: torch.zeros([3]), label: i, name: String(i) }),
};
async function loop(): Promise<void> {
  for await (const batch of new torch.data.DataLoader(ds, { batchSize: 2 })) {
    const x: Tensor = batch.x;
    const labels: Tensor = batch.label;
    const names: string[] = batch.name;
    // @ts-expect-error collated numbers are tensors
    const n: number = batch.label;
    void x, labels, names, n;
  }
  const images = new torch.data.TensorDataset(torch.zeros([2, 1, 2, 2], { dtype: 'uint8' }), torch.tensor([0n, 1n]));
  for await (const { input, target } of new torch.data.DataLoader(images, { batchSize: 2 })) void input, target;
}

// loadCheckpoint: a typed tree, narrowed by the helpers.
const ckpt = torch.loadCheckpoint('last.pth');
// @ts-expect-error the tree must be narrowed before use as a state dict
net.loadStateDict(ckpt.model);
net.loadStateDict(torch.io.asStateDict(ckpt, 'model'));
const epoch: number = torch.io.asNumber(ckpt, 'epoch');

// Grad scopes take synchronous functions; the result type flows through.
const out: Tensor = torch.noGrad(() => net.forward(y));
void conv1, block, trunk, l0, head, first, s, wrong, epoch, out, loop;
