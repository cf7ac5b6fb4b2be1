// Checkpoints end to end with whole ResNets, bit for bit at one thread:
//   torchvision's resnet50 state dict (torch.save, the format of resnet50-0676ba61.pth)
//     -> torch.load -> resnet50().loadStateDict(strict) with no renaming, fc included -> torchvision's output;
//   a resnet18 trained a step in TS -> torch.save (.pth, .safetensors) -> torchvision
//     load_state_dict(strict=True, weights_only=True) -> the output TS computed;
//   strict loading names missing and unexpected keys and shape mismatches.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { resnet18, resnet50 } from '../resnet/index.js';
import { FIXTURES, PYTHON, ROOT } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'io');
let tmp: string;

beforeAll(() => {
  torch.setNumThreads(1); // scripts/reference/common.py THREADS
  tmp = mkdtempSync(join(tmpdir(), 'ltr-io-resnet-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('checkpoints with whole ResNets', () => {
  it('torchvision resnet50 weights load into resnet50() strictly, fc included, and give torchvision\'s output exactly', () => {
    const sd = torch.load(join(DIR, 'resnet50.pth'));
    const model = resnet50();
    expect(Object.keys(model.stateDict())).toEqual(Object.keys(sd)); // no renaming: the same keys, in the same order
    const result = model.loadStateDict(sd);
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    const own = model.stateDict();
    expect(own['fc.weight'].equal(sd['fc.weight'])).toBe(true);
    expect(own['fc.bias'].equal(sd['fc.bias'])).toBe(true);
    expect(own['layer4.2.bn3.running_var'].equal(sd['layer4.2.bn3.running_var'])).toBe(true);
    expect(own['bn1.num_batches_tracked'].item()).toBe(5);
    model.eval();
    const x = torch.loadNpy(join(DIR, 'resnet50_input.npy'));
    const want = torch.loadNpy(join(DIR, 'resnet50_output.npy'));
    const y = torch.noGrad(() => model.forward(x));
    expect(y.shape).toEqual([2, 1000]);
    expect(y.equal(want)).toBe(true);
  });

  it('a resnet18 saved from TS (.pth and .safetensors) loads into torchvision with strict=True and gives the identical output', () => {
    torch.manualSeed(7);
    const model = resnet18();
    // One training step's worth of change, so the running stats and weights are not the initial ones.
    const x = torch.loadNpy(join(DIR, 'resnet18_input.npy'));
    torch.noGrad(() => model.train().forward(x));
    for (const p of model.parameters()) torch.noGrad(() => p.mul_(1.01));
    model.eval();
    const y = torch.noGrad(() => model.forward(x));
    const out = (name: string): string => join(tmp, name);
    torch.saveNpy(out('y.npy'), y);
    torch.save(out('resnet18.pth'), model.stateDict());
    torch.save(out('resnet18.safetensors'), model.stateDict());

    const spec = {
      reference: join(DIR, 'tensors.pth'),
      resnet: {
        pth: { arch: 'resnet18', path: out('resnet18.pth'), input: join(DIR, 'resnet18_input.npy'), output: out('y.npy') },
        safetensors: { arch: 'resnet18', path: out('resnet18.safetensors'), input: join(DIR, 'resnet18_input.npy'), output: out('y.npy') },
      },
    };
    writeFileSync(out('spec.json'), JSON.stringify(spec));
    const stdout = execFileSync(PYTHON, [join(ROOT, 'scripts', 'reference', 'io.py'), '--check', out('spec.json')], { encoding: 'utf8', cwd: ROOT });
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, string>;
    expect(result).toEqual({ pth: 'ok', safetensors: 'ok' });

    // And back into a fresh TS model: the same output again.
    const again = resnet18();
    again.loadStateDict(torch.load(out('resnet18.pth')));
    again.eval();
    expect(torch.noGrad(() => again.forward(x)).equal(y)).toBe(true);
  });

  it('strict loading names missing keys, unexpected keys and shape mismatches; strict=false reports them', () => {
    const sd = torch.load(join(DIR, 'resnet18.pth'));
    const extra = { ...sd, 'head.weight': torch.zeros([2]) };
    const r50 = resnet50();
    let message = '';
    try {
      r50.loadStateDict(extra);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/Missing key\(s\) in state_dict: .*"layer1\.0\.conv3\.weight"/);
    expect(message).toMatch(/Unexpected key\(s\) in state_dict: "head\.weight"/);
    expect(message).toMatch(/size mismatch for fc\.weight: copying a param with shape \[1000, 512\] from checkpoint, the shape in current model is \[1000, 2048\]/);

    const r18 = resnet18();
    const { 'fc.bias': _dropped, ...withoutFcBias } = sd;
    const report = r18.loadStateDict({ ...withoutFcBias, 'head.weight': torch.zeros([2]) }, { strict: false });
    expect(report).toEqual({ missingKeys: ['fc.bias'], unexpectedKeys: ['head.weight'] });
  });
});
