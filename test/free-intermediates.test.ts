// The exact path frees each intermediate once its last use has passed
// (nn.forwardChain, nn.release), and never a tensor user code may hold.
// Also: the OpenMP wait policy default set before libtorch loads.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { nn, type Tensor } from '../lib/index.js';
import { resnet18 } from '../resnet/index.js';

/** Records every tensor a layer receives and returns (without keeping it alive: a plain array of handles). */
class Spy extends nn.Module {
  static readonly releasesTensors = true;
  seen: Tensor[] = [];
  forward(x: Tensor): Tensor {
    const y = x.mul(2);
    this.seen.push(y);
    return y;
  }
}

/** A user module that does not declare releasesTensors: it may store what it gets. */
class Keeper extends nn.Module {
  kept: Tensor | null = null;
  forward(x: Tensor): Tensor {
    this.kept = x;
    return x.add(1);
  }
}

describe('nn.forwardChain', () => {
  it('frees each intermediate once the next module has read it, never the input or the result', () => {
    const a = new Spy();
    const b = new Spy();
    const c = new Spy();
    const x = torch.ones([2]);
    const y = nn.forwardChain(x, [a, b, c]);
    expect(x.isDisposed).toBe(false);
    expect(y.isDisposed).toBe(false);
    expect(a.seen[0].isDisposed).toBe(true);
    expect(b.seen[0].isDisposed).toBe(true);
    expect(Array.from(y.toArray() as Float32Array)).toEqual([8, 8]);
  });

  it('keeps what a module without releasesTensors may hold, and what a hook saw', () => {
    const a = new Spy();
    const keeper = new Keeper();
    const x = torch.ones([2]);
    nn.forwardChain(x, [a, keeper, new Spy()]);
    expect(keeper.kept!.isDisposed).toBe(false); // a's output, read by Keeper
    const hooked = new Spy();
    let fromHook: Tensor | null = null;
    hooked.registerForwardHook((_m, _inputs, output) => {
      fromHook = output as Tensor;
    });
    nn.forwardChain(x, [hooked, new Spy()]);
    expect(fromHook!.isDisposed).toBe(false);
  });

  it('nn.release frees only when every user releases tensors', () => {
    const t = torch.ones([2]);
    expect(nn.release(t, new Keeper())).toBe(false);
    expect(t.isDisposed).toBe(false);
    expect(nn.release(t, new Spy(), new nn.ReLU())).toBe(true);
    expect(t.isDisposed).toBe(true);
  });

  it('a resnet forward leaves no intermediate behind and training still back-propagates', () => {
    torch.manualSeed(0);
    const model = resnet18({ numClasses: 4 });
    const x = torch.randn([2, 3, 32, 32]);
    // Collect the earlier tests' dropped tensors first: the GC frees their native side during a
    // collection (basic finalizers), and one that ran during this forward would lower the count.
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
    const before = torch.nativeMemory().tensors;
    const loss = torch.tidy(() => {
      const l = model.forward(x).sum();
      l.backward();
      return l.item();
    });
    // No handle made during the forward outlives it (gradients live on the native side).
    expect(torch.nativeMemory().tensors).toBe(before);
    expect(Number.isFinite(loss)).toBe(true);
    expect(model.conv1.weight.grad).not.toBeNull();
  });
});
