// Module idioms as PyTorch writes them: attribute registration (__setattr__),
// containers, hooks that never see their tensors disposed.
import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { type Tensor } from '../lib/index.js';

const { nn } = torch;

// Plain class fields, compiled with useDefineForClassFields (this project's
// tsconfig, target ES2022): fields are defined with Object.defineProperty after super().
class FieldNet extends nn.Module {
  conv = new nn.Conv2d(3, 4, 3);
  bn = new nn.BatchNorm2d(4);
  scale = nn.Parameter(torch.ones([1]));
  offsets = nn.Buffer(torch.zeros([4]));
  cache: Tensor | null = null;
  forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x)).mul(this.scale);
  }
}

// The same written as assignments in the constructor (what useDefineForClassFields=false emits).
class AssignNet extends nn.Module {
  declare conv: nn.Conv2d;
  declare bn: nn.BatchNorm2d;
  declare scale: Tensor;
  declare offsets: Tensor;
  constructor() {
    super();
    this.conv = new nn.Conv2d(3, 4, 3);
    this.bn = new nn.BatchNorm2d(4);
    this.scale = nn.Parameter(torch.ones([1]));
    this.offsets = nn.Buffer(torch.zeros([4]));
  }
  forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x)).mul(this.scale);
  }
}

// Fields declared first and assigned later (the third common form).
class LateNet extends nn.Module {
  conv!: nn.Conv2d;
  constructor() {
    super();
    this.conv = new nn.Conv2d(3, 4, 3);
  }
  forward(x: Tensor): Tensor {
    return this.conv.forward(x);
  }
}

const PYTORCH_KEYS = [
  'scale', 'offsets', 'conv.weight', 'conv.bias',
  'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
];

describe('attribute registration (PyTorch __setattr__)', () => {
  for (const [name, Net] of [['class fields', FieldNet], ['constructor assignments', AssignNet]] as const) {
    it(`${name}: modules, nn.Parameter and nn.Buffer register, in PyTorch's state_dict order`, () => {
      const net = new Net();
      // PyTorch: own parameters, then own buffers, then children in assignment order.
      expect(Object.keys(net.stateDict())).toEqual(PYTORCH_KEYS);
      expect(net.parameters().length).toBe(5);
      expect(net.namedChildren().map(([n]) => n)).toEqual(['conv', 'bn']);
      expect(net.scale.requiresGrad).toBe(true);
      expect(net.offsets.requiresGrad).toBe(false);
    });
  }

  it('an assignment after construction registers too, and reassigning replaces in place (order kept)', () => {
    const net = new LateNet();
    expect(Object.keys(net.stateDict())).toEqual(['conv.weight', 'conv.bias']);
    const replacement = new nn.Conv2d(3, 4, 1, { bias: false });
    net.conv = replacement;
    expect(net.conv).toBe(replacement);
    expect(Object.keys(net.stateDict())).toEqual(['conv.weight']);
    (net as unknown as { extra: nn.Linear }).extra = new nn.Linear(2, 2);
    expect(Object.keys(net.stateDict())).toEqual(['conv.weight', 'extra.weight', 'extra.bias']);
    net.conv = new nn.Conv2d(3, 4, 1);
    expect(Object.keys(net.stateDict())).toEqual(['conv.weight', 'conv.bias', 'extra.weight', 'extra.bias']);
  });

  it('the registerModule form keeps tracking after reassignment', () => {
    class Old extends nn.Module {
      declare fc: nn.Linear;
      constructor() {
        super();
        this.registerModule('fc', new nn.Linear(4, 2));
      }
      forward(x: Tensor): Tensor {
        return this.fc.forward(x);
      }
    }
    const m = new Old();
    const fc = new nn.Linear(4, 3);
    m.fc = fc;
    expect(m.namedChildren()).toEqual([['fc', fc]]);
    expect(m.stateDict()['fc.weight'].shape).toEqual([3, 4]);
  });

  it('wrong values for a registered name are TypeErrors naming the attribute', () => {
    const net = new AssignNet();
    expect(() => ((net as unknown as { conv: number }).conv = 3)).toThrow(new TypeError("cannot assign 'number' as child module 'conv' (expected Module or null)"));
    expect(() => ((net as unknown as { scale: string }).scale = 'x')).toThrow(new TypeError("cannot assign 'string' as parameter 'scale' (expected Tensor or null, e.g. nn.Parameter(t))"));
    expect(() => ((net as unknown as { offsets: number }).offsets = 1)).toThrow(new TypeError("cannot assign 'number' as buffer 'offsets' (expected Tensor or null)"));
    expect(() => nn.Parameter(torch.ones([2], { dtype: 'int64' }))).toThrow(/only floating point tensors can require gradients/);
  });

  it('null clears a slot, a module replaces a parameter, delete unregisters', () => {
    const net = new AssignNet();
    (net as unknown as { conv: null }).conv = null;
    expect(Object.keys(net.stateDict())).not.toContain('conv.weight');
    // A Module over a parameter is a TypeError in PyTorch too; a new nn.Parameter over a child moves the name.
    expect(() => ((net as unknown as { scale: nn.Linear }).scale = new nn.Linear(1, 1))).toThrow(/cannot assign 'Linear' as parameter 'scale'/);
    (net as unknown as { bn: Tensor }).bn = nn.Parameter(torch.ones([2]));
    expect(Object.keys(net.stateDict())).toEqual(['scale', 'bn', 'offsets']);
    delete (net as unknown as { offsets?: Tensor }).offsets;
    expect(Object.keys(net.stateDict())).not.toContain('offsets');
    expect('offsets' in net).toBe(false);
  });

  it('plain values and unmarked tensors stay plain attributes', () => {
    const net = new FieldNet();
    const t = torch.ones([2]);
    net.cache = t;
    (net as unknown as { n: number }).n = 3;
    expect(net.parameters().length).toBe(5);
    expect(net.buffers().length).toBe(4);
    expect(net.cache).toBe(t);
  });

  it('a registered model trains: the optimizer sees every parameter', () => {
    torch.manualSeed(0);
    const net = new FieldNet();
    const opt = new torch.optim.SGD(net.parameters(), { lr: 0.1 });
    const before = net.conv.weight.clone();
    const loss = net.forward(torch.randn([2, 3, 5, 5])).sum();
    loss.backward();
    opt.step();
    expect(net.conv.weight.equal(before)).toBe(false);
  });
});

describe('containers', () => {
  it('Sequential at() / slice() share modules; negative indices count from the end', () => {
    const s = new nn.Sequential(new nn.Linear(4, 3), new nn.ReLU(), new nn.Linear(3, 2));
    expect(s.at(-1)).toBe(s.at(2));
    const head = s.slice(0, -1);
    expect(head.length).toBe(2);
    expect(head.at(0)).toBe(s.at(0));
    expect(Object.keys(head.stateDict())).toEqual(['0.weight', '0.bias']);
    expect(s.slice(-2).at(0)).toBe(s.at(1));
    expect(s.slice(5).length).toBe(0);
    expect(() => s.at(3)).toThrow(new RangeError('Sequential.at: index 3 is out of range for 3 modules'));
    expect(() => s.at(-4)).toThrow(RangeError);
    expect(() => s.at(1.5)).toThrow(TypeError);
  });

  it('ModuleList / ModuleDict / ParameterList register their members with PyTorch keys', () => {
    class Net extends nn.Module {
      blocks = new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2, { bias: false })]);
      heads = new nn.ModuleDict({ cls: new nn.Linear(2, 3), box: new nn.Linear(2, 4) });
      scales = new nn.ParameterList([torch.ones([2]), torch.zeros([1])]);
      forward(x: Tensor): Tensor {
        for (const b of this.blocks) x = b.forward(x);
        return this.heads.get('cls')!.forward(x);
      }
    }
    const net = new Net();
    expect(Object.keys(net.stateDict())).toEqual([
      'blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight',
      'heads.cls.weight', 'heads.cls.bias', 'heads.box.weight', 'heads.box.bias',
      'scales.0', 'scales.1',
    ]);
    expect(net.parameters().length).toBe(9);
    expect(net.heads.keys()).toEqual(['cls', 'box']);
    net.blocks.set(-1, new nn.Linear(2, 2));
    expect(Object.keys(net.stateDict()).slice(0, 4)).toEqual(['blocks.0.weight', 'blocks.0.bias', 'blocks.1.weight', 'blocks.1.bias']);
    expect(net.forward(torch.ones([1, 2])).shape).toEqual([1, 3]);
    expect(() => net.blocks.forward()).toThrow(/ModuleList has no forward/);
    expect(() => new nn.ModuleList([3 as never])).toThrow(new TypeError('ModuleList.append: expected Module but received number'));
  });
});

describe('forward hooks', () => {
  it('pre-hooks and hooks see inputs and outputs, may replace them, and are removable', () => {
    const lin = new nn.Linear(3, 2);
    const x = torch.randn([4, 3]);
    const seen: unknown[] = [];
    const h1 = lin.registerForwardPreHook((m, inputs) => {
      seen.push(['pre', m, inputs[0]]);
      return [(inputs[0] as Tensor).mul(2)];
    });
    const h2 = lin.registerForwardHook((m, inputs, output) => {
      seen.push(['post', inputs[0], output]);
      return (output as Tensor).neg();
    });
    const y = lin.forward(x);
    const expected = torch.nn.functional.linear(x.mul(2), lin.weight, lin.bias).neg();
    expect(y.equal(expected)).toBe(true);
    expect(seen[0]).toEqual(['pre', lin, x]);
    h1.remove();
    h2.remove();
    expect(lin.forward(x).equal(torch.nn.functional.linear(x, lin.weight, lin.bias))).toBe(true);
    expect(seen.length).toBe(2);
  });

  it('a tensor captured by a hook inside Sequential and tidy is not disposed', () => {
    const s = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const captured: Tensor[] = [];
    s.at(0).registerForwardHook((_m, _inputs, out) => {
      captured.push(out as Tensor);
    });
    const out = torch.tidy(() => s.forward(torch.randn([2, 3])));
    expect(captured[0].isDisposed).toBe(false);
    expect(out.isDisposed).toBe(false);
    expect(captured[0].shape).toEqual([2, 4]);
  });

  it("a user's module inside Sequential that keeps its output does not get it disposed", () => {
    class Tap extends nn.Module {
      kept: Tensor[] = [];
      forward(x: Tensor): Tensor {
        const y = x.mul(1);
        this.kept.push(y); // a closure-held reference: Sequential cannot see it
        return y;
      }
    }
    const tap = new Tap();
    const s = new nn.Sequential(new nn.Linear(3, 4), tap, new nn.ReLU(), new nn.Linear(4, 2));
    s.forward(torch.randn([2, 3]));
    expect(tap.kept[0].isDisposed).toBe(false);
    expect(tap.kept[0].shape).toEqual([2, 4]);
  });

  it('library layers still free their intermediates', () => {
    const s = new nn.Sequential(new nn.Linear(3, 4), new nn.Linear(4, 4), new nn.Linear(4, 2));
    const made: Tensor[] = [];
    const probe = new nn.Sequential(new nn.Linear(3, 4));
    // a probe on the first Linear would retain it: observe through a wrapper instead
    const first = s.at(0);
    const original = first.forward.bind(first);
    (first as unknown as { forward: (x: Tensor) => Tensor }).forward = (x: Tensor) => {
      const y = original(x);
      made.push(y);
      return y;
    };
    s.forward(torch.randn([2, 3]));
    expect(made[0].isDisposed).toBe(true);
    probe.dispose();
  });

  it('hook arguments are checked', () => {
    expect(() => new nn.ReLU().registerForwardHook(3 as never)).toThrow(new TypeError('registerForwardHook: expected function for hook but received number'));
  });
});

describe('both TypeScript emits of class fields', () => {
  // The same source compiled with useDefineForClassFields true (fields are
  // Object.defineProperty'd after super()) and false (they are assignments).
  const SOURCE = `
    class Net extends nn.Module {
      conv: any = new nn.Conv2d(3, 4, 3);
      bias: any = nn.Parameter(torch.zeros([4]));
      stats: any = nn.Buffer(torch.zeros([4]), { persistent: false });
      late!: any;
      constructor() { super(); this.late = new nn.Linear(2, 2); }
      forward(x: any) { return this.conv.forward(x); }
    }
    return new Net();`;
  for (const useDefine of [true, false]) {
    it(`useDefineForClassFields=${useDefine}`, async () => {
      const { transformSync } = await import('esbuild');
      const { code } = transformSync(SOURCE, {
        loader: 'ts',
        target: 'es2022',
        tsconfigRaw: { compilerOptions: { useDefineForClassFields: useDefine } },
      });
      expect(code.includes('this.conv =')).toBe(!useDefine);
      const net = new Function('nn', 'torch', code)(nn, torch) as torch.nn.Module;
      expect(Object.keys(net.stateDict())).toEqual(['bias', 'conv.weight', 'conv.bias', 'late.weight', 'late.bias']);
      expect(net.namedBuffers().map(([n]) => n)).toEqual(['stats']);
    });
  }
});
