// Checkpoint round trips with Python, bit for bit:
//   Python writes (torch.save, a hand-written safetensors writer, numpy.save) -> TS loads;
//   TS writes -> Python's torch.load (weights_only=True too), numpy.load and a safetensors reader;
// plus the API's contract (checkpoint layouts, sharing, requiresGrad, errors on bad arguments) and the CLI.
//
// Fixtures: scripts/reference/io.py (see its docstring); every reference tensor also
// exists as raw little-endian bytes, so comparisons never go through a loader.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../cli/main.js';
import * as torch from '../lib/index.js';
import { FIXTURES, PYTHON, ROOT } from './setup/fixtures.js';

const DIR = join(FIXTURES, 'io');
const IO_PY = join(ROOT, 'scripts', 'reference', 'io.py');

interface RefEntry {
  dtype: string;
  shape: number[];
  file: string;
}
interface Manifest {
  tensors: Record<string, RefEntry>;
  views: Record<string, RefEntry>;
  npy: Record<string, RefEntry & { npy?: string }>;
  checkpoint_momentum_0: RefEntry;
  checkpoint_fc_weight: RefEntry;
}

let manifest: Manifest;
let tmp: string;

beforeAll(() => {
  manifest = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Manifest;
  tmp = mkdtempSync(join(tmpdir(), 'ltr-io-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function bytesOf(t: torch.Tensor): Buffer {
  const a = t.toArray();
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** dtype, shape and every byte equal to the raw reference. */
function expectRef(t: torch.Tensor | undefined, ref: RefEntry, label: string): void {
  expect(t, label).toBeInstanceOf(torch.Tensor);
  expect(t!.dtype, label).toBe(ref.dtype);
  expect(t!.shape, label).toEqual(ref.shape);
  expect(bytesOf(t!).equals(readFileSync(join(DIR, ref.file))), `${label}: bytes differ`).toBe(true);
}

function expectAllRef(sd: Record<string, torch.Tensor>, refs: Record<string, RefEntry>): void {
  expect(Object.keys(sd)).toEqual(Object.keys(refs));
  for (const [k, ref] of Object.entries(refs)) expectRef(sd[k], ref, k);
}

function pythonCheck(spec: object): Record<string, unknown> {
  const specPath = join(tmp, `spec-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(specPath, JSON.stringify(spec));
  const out = execFileSync(PYTHON, [IO_PY, '--check', specPath], { encoding: 'utf8', cwd: ROOT });
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
}

function disposeAll(sd: Record<string, torch.Tensor>): void {
  for (const t of Object.values(sd)) t.dispose();
}

describe('Python writes, TS reads: bit-identical tensors', () => {
  it.each([
    ['tensors.pth', 'torch.save, pickle protocol 2'],
    ['tensors_p4.pth', 'torch.save, pickle protocol 4 (FRAME, MEMOIZE, SHORT_BINUNICODE)'],
    ['tensors.safetensors', 'the hand-written safetensors writer'],
  ])('%s (%s): every dtype, 0-d, empty, NaN/inf/-0/subnormal, float16/bfloat16 bit patterns', (file) => {
    const sd = torch.load(join(DIR, file));
    expectAllRef(sd, manifest.tensors);
    disposeAll(sd);
  });

  it('views keep their offsets and strides, and views of one storage share memory, as torch.load gives them', () => {
    const sd = torch.load(join(DIR, 'views.pth'));
    expectAllRef(sd, manifest.views);
    expect(sd.rows.sharesStorageWith(sd.base)).toBe(true);
    expect(sd.transposed.sharesStorageWith(sd.base)).toBe(true);
    expect(sd.column.sharesStorageWith(sd.base)).toBe(true);
    expect(sd.transposed.strides).toEqual([1, 5]);
    expect(sd.column.strides).toEqual([5]);
    expect(sd.expanded.strides).toEqual([0, 0]);
    // Sharing is real: writing through one view shows in the other.
    sd.rows.mul_(0);
    expect(Array.from(sd.base.toArray() as Float32Array).slice(5, 15)).toEqual(new Array(10).fill(0));
    disposeAll(sd);
  });

  it('nn.Parameter (_rebuild_parameter) loads with requiresGrad, plain state-dict tensors without', () => {
    const p = torch.load(join(DIR, 'parameter.pth'));
    expect(p.w.requiresGrad).toBe(true);
    const sd = torch.load(join(DIR, 'tensors.pth'));
    expect(sd.f32.requiresGrad).toBe(false);
    disposeAll(p);
    disposeAll(sd);
  });

  it('an empty safetensors file is an empty record', () => {
    expect(torch.load(join(DIR, 'empty.safetensors'))).toEqual({});
  });

  it.each(['f32', 'f64', 'f16', 'i64', 'i32', 'u8', 'bool', 'scalar', 'empty', 'v2'])('numpy.save %s -> loadNpy', (name) => {
    const ref = manifest.npy[name];
    const t = torch.loadNpy(join(DIR, ref.npy ?? `np_${name}.npy`));
    expectRef(t, ref, name);
    t.dispose();
  });

  it("a training checkpoint: load() gives its 'state_dict', loadCheckpoint() the whole object", () => {
    const sd = torch.load(join(DIR, 'checkpoint.pth'));
    expect(Object.keys(sd)).toHaveLength(122);
    expect(Object.keys(sd)[0]).toBe('conv1.weight');
    expectRef(sd['fc.weight'], manifest.checkpoint_fc_weight, 'fc.weight');
    disposeAll(sd);

    const ckpt = torch.loadCheckpoint(join(DIR, 'checkpoint.pth')) as Record<string, any>;
    expect(Object.keys(ckpt)).toEqual(['epoch', 'state_dict', 'optimizer', 'best_acc', 'arch', 'history', 'flags', 'big']);
    expect(ckpt.epoch).toBe(7);
    expect(ckpt.best_acc).toBe(0.8125);
    expect(ckpt.arch).toBe('resnet18');
    expect(ckpt.history).toEqual([0.5, 0.75, 0.8125]);
    expect(ckpt.flags).toEqual([true, null, -3]);
    expect(ckpt.big).toBe(2n ** 70n); // past 2^53: a bigint, exactly
    expectRef(ckpt.state_dict['fc.weight'], manifest.checkpoint_fc_weight, 'state_dict.fc.weight');
    // The optimizer's state is keyed by parameter index (ints): a Map keeps the keys' type.
    const state = ckpt.optimizer.state as Map<number, { momentum_buffer: torch.Tensor }>;
    expect(state).toBeInstanceOf(Map);
    expect([...state.keys()].slice(0, 3)).toEqual([0, 1, 2]);
    expectRef(state.get(0)!.momentum_buffer, manifest.checkpoint_momentum_0, 'momentum_buffer');
    expect(ckpt.optimizer.param_groups[0].lr).toBe(0.1);
    expect(ckpt.optimizer.param_groups[0].params).toHaveLength(62);
  });

  it("a checkpoint with a 'model' entry gives that entry", () => {
    const sd = torch.load(join(DIR, 'checkpoint_model.pth'));
    expect(Object.keys(sd)).toHaveLength(122);
    expectRef(sd['fc.weight'], manifest.checkpoint_fc_weight, 'fc.weight');
    disposeAll(sd);
  });

  it("torchvision's resnet50 state dict (the format of resnet50-0676ba61.pth) loads with its exact keys", () => {
    const sd = torch.load(join(DIR, 'resnet50.pth'));
    const keys = Object.keys(sd);
    expect(keys).toHaveLength(320);
    expect(keys.slice(0, 2)).toEqual(['conv1.weight', 'bn1.weight']);
    expect(keys).toContain('layer4.2.bn3.num_batches_tracked');
    expect(keys.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expect(sd['fc.weight'].shape).toEqual([1000, 2048]);
    expect(sd['bn1.num_batches_tracked'].dtype).toBe('int64');
    expect(sd['bn1.num_batches_tracked'].item()).toBe(5);
    disposeAll(sd);
  });
});

describe('TS writes, Python reads', () => {
  it('.pth / .pt (torch.load, also weights_only=True), ZIP64 .pth, .safetensors and .npy: identical tensors', () => {
    const sd = torch.load(join(DIR, 'tensors.pth'));
    const out = (name: string): string => join(tmp, name);
    torch.save(out('ts.pth'), sd);
    torch.save(out('ts.pt'), sd);
    torch.saveCheckpoint(out('ts_zip64.pth'), sd, { forceZip64: true });
    torch.save(out('ts.safetensors'), sd);
    const npy: Record<string, [string, string]> = {};
    for (const k of ['f32', 'f64', 'f16', 'i64', 'i32', 'u8', 'bool', 'scalar', 'empty', 'special']) {
      torch.saveNpy(out(`ts_${k}.npy`), sd[k]);
      npy[`npy:${k}`] = [out(`ts_${k}.npy`), k];
    }
    const result = pythonCheck({
      reference: join(DIR, 'tensors.pth'),
      pth: { pth: out('ts.pth'), pt: out('ts.pt'), zip64: out('ts_zip64.pth') },
      safetensors: { safetensors: out('ts.safetensors') },
      npy,
    });
    for (const [label, verdict] of Object.entries(result)) expect(verdict, label).toBe('ok');
    expect(Object.keys(result)).toHaveLength(3 * 2 + 1 + 10);
    disposeAll(sd);
  });

  it('a nested checkpoint keeps Python types: int vs float, dict vs Map keys, None, bool, str, big ints', () => {
    const w = torch.tensor([1, 2, 3]);
    const path = join(tmp, 'nested.pth');
    torch.saveCheckpoint(path, {
      model: { w },
      epoch: 3,
      lr: 0.05,
      name: 'run',
      flags: [true, null, false],
      big: 2n ** 70n,
      state: new Map([[0, { step: 10 }]]),
      negative: -5,
      huge: 1e300,
    });
    // torch 1.13's weights_only unpickler lacks BINFLOAT (Python's own torch.save of a float fails it
    // too), so this file is read with weights_only=False; the float-free one below with weights_only=True.
    const plain = join(tmp, 'nested_plain.pth');
    torch.saveCheckpoint(plain, { model: { w }, epoch: 3, state: new Map([[0, { step: 10 }]]), name: 'run', big: 2n ** 70n, flags: [true, null] });
    const result = pythonCheck({
      reference: join(DIR, 'tensors.pth'),
      checkpoint: { nested: { path, weights_only: false }, plain: { path: plain, weights_only: true } },
    });
    expect((result.plain as { repr: { dict: unknown[] } }).repr.dict).toHaveLength(6);
    const repr = (result.nested as { repr: { dict: [unknown, unknown][] } }).repr;
    const entries = Object.fromEntries(repr.dict.map(([k, v]) => [JSON.stringify(k), v]));
    expect(entries['"model"']).toEqual({ dict: [['w', { tensor: 'float32', shape: [3], values: [1, 2, 3] }]] });
    expect(entries['"epoch"']).toEqual({ int: '3' });
    expect(entries['"lr"']).toEqual({ float: '0.05' });
    expect(entries['"name"']).toBe('run');
    expect(entries['"flags"']).toEqual({ list: [true, null, false] });
    expect(entries['"big"']).toEqual({ int: String(2n ** 70n) });
    expect(entries['"state"']).toEqual({ dict: [[{ int: '0' }, { dict: [['step', { int: '10' }]] }]] });
    expect(entries['"negative"']).toEqual({ int: '-5' });
    expect(entries['"huge"']).toEqual({ float: '1e+300' });
    // And back in TS.
    const back = torch.loadCheckpoint(path) as Record<string, any>;
    expect(back.model.w.equal(w)).toBe(true);
    expect(back.state.get(0)).toEqual({ step: 10 });
    expect(back.big).toBe(2n ** 70n);
  });
});

describe('TS round trips', () => {
  it.each(['rt.pth', 'rt.pt', 'rt.safetensors'])('%s: save then load gives equal tensors, in order', (name) => {
    const sd = torch.load(join(DIR, 'tensors.pth'));
    const path = join(tmp, name);
    torch.save(path, sd);
    const back = torch.load(path);
    expect(Object.keys(back)).toEqual(Object.keys(sd));
    for (const k of Object.keys(sd)) {
      expect(back[k].dtype, k).toBe(sd[k].dtype);
      expect(back[k].shape, k).toEqual(sd[k].shape);
      expect(bytesOf(back[k]).equals(bytesOf(sd[k])), k).toBe(true);
    }
    disposeAll(sd);
    disposeAll(back);
  });

  it('non-contiguous tensors are saved by value; one tensor saved twice is stored once and loads shared', () => {
    const base = torch.arange(0, 12, 1, { dtype: 'float32' }).reshape(3, 4);
    const t = base.transpose(0, 1);
    const path = join(tmp, 'shared.pth');
    torch.save(path, { t, a: base, b: base });
    const info = torch.inspectFile(path);
    expect(info.storageBytes).toBe(2 * 48);
    expect(info.tensorBytes).toBe(3 * 48);
    const back = torch.load(path);
    expect(back.t.equal(t)).toBe(true);
    expect(back.a.sharesStorageWith(back.b)).toBe(true);
    expect(back.a.sharesStorageWith(back.t)).toBe(false);
  });

  it('the safetensors header carries format=pt and caller metadata; files are 8-byte aligned after the header', () => {
    const path = join(tmp, 'meta.safetensors');
    torch.save(path, { x: torch.ones([2]) }, { metadata: { epoch: '3' } });
    const info = torch.inspectFile(path);
    expect(info.metadata).toEqual({ format: 'pt', epoch: '3' });
    const n = Number(readFileSync(path).readBigUInt64LE(0));
    expect((8 + n) % 8).toBe(0);
  });

  it('a failed save leaves no temporary file and an existing file untouched', () => {
    const dir = join(tmp, 'atomic');
    mkdirSync(dir);
    const path = join(dir, 'model.pth');
    torch.save(path, { x: torch.ones([2]) });
    const before = readFileSync(path);
    expect(() => torch.saveCheckpoint(path, { x: torch.ones([1]), f: () => 1 })).toThrow(/cannot save a function/);
    expect(readFileSync(path).equals(before)).toBe(true);
    expect(readdirSync(dir)).toEqual(['model.pth']);
  });

  it('"__proto__" as a key is just a key (no prototype pollution)', () => {
    const path = join(tmp, 'proto.safetensors');
    const record: Record<string, torch.Tensor> = {};
    Object.defineProperty(record, '__proto__', { value: torch.ones([1]), enumerable: true });
    torch.save(path, record);
    const back = torch.load(path);
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).dtype).toBeUndefined();
  });
});

describe('argument errors', () => {
  it.each([
    ['load(42)', () => torch.load(42 as unknown as string), TypeError, /^load: expected string for path but received number/],
    ['save to .bin', () => torch.save(join(tmp, 'x.bin'), {}), TypeError, /^save: .*x\.bin: unknown extension '\.bin'/],
    ['save a non-tensor', () => torch.save(join(tmp, 'x.pth'), { a: 1 } as never), TypeError, /^save: .*: entry 'a' is number, not a Tensor/],
    ['save an array', () => torch.save(join(tmp, 'x.pth'), [] as never), TypeError, /^save: expected an object of name -> Tensor/],
    ['save metadata in .pth', () => torch.save(join(tmp, 'x.pth'), {}, { metadata: {} }), TypeError, /only stored in \.safetensors/],
    ['saveCheckpoint .safetensors', () => torch.saveCheckpoint(join(tmp, 'x.safetensors'), {}), TypeError, /written as \.pth or \.pt/],
    ['saveNpy bfloat16', () => torch.saveNpy(join(tmp, 'x.npy'), torch.ones([1], { dtype: 'bfloat16' })), TypeError, /numpy has no bfloat16/],
  ])('%s', (_label, fn, kind, message) => {
    expect(fn).toThrow(kind);
    expect(fn).toThrow(message);
  });

  it('save to a directory names the path', () => {
    const dir = join(tmp, 'd.pth');
    mkdirSync(dir);
    expect(() => torch.save(dir, {})).toThrow(`save: ${dir}: is a directory, not a file`);
  });

  it('a disposed tensor is refused before anything is written', () => {
    const t = torch.ones([2]);
    t.dispose();
    const path = join(tmp, 'disposed.safetensors');
    expect(() => torch.save(path, { t })).toThrow(/entry 't' is a disposed Tensor/);
    expect(existsSync(path)).toBe(false);
  });
});

describe('libtorch-resnet inspect', () => {
  // Every command is imported lazily (so doctor works without the addon): main may return a Promise.
  async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }

  it('lists keys, dtypes, shapes and the total size of a .pth', async () => {
    const r = await run(['inspect', join(DIR, 'resnet50.pth')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/PyTorch checkpoint/);
    expect(r.out).toMatch(/conv1\.weight\s+float32\s+\[64, 3, 7, 7\]\s+36\.8 KiB/);
    expect(r.out).toMatch(/fc\.weight\s+float32\s+\[1000, 2048\]/);
    expect(r.out).toMatch(/bn1\.num_batches_tracked\s+int64\s+\[\]/);
    expect(r.out).toMatch(/320 tensors, 25,610,205 elements, 97\.\d MiB/);
  });

  it('shows a checkpoint\'s non-tensor values and a safetensors file\'s metadata; --json is machine-readable', async () => {
    const r = await run(['inspect', join(DIR, 'checkpoint.pth')]);
    expect(r.out).toMatch(/epoch\s+= 7/);
    expect(r.out).toMatch(/arch\s+= "resnet18"/);
    const s = await run(['inspect', join(DIR, 'tensors.safetensors'), '--json']);
    const json = JSON.parse(s.out);
    expect(json.format).toBe('safetensors');
    expect(json.metadata).toEqual({ format: 'pt', source: 'io.py' });
    expect(json.tensors.find((t: { key: string }) => t.key === 'bf16')).toEqual({ key: 'bf16', dtype: 'bfloat16', shape: [2, 2, 2], bytes: 16 });
  });

  it('a bad file exits 1 with the problem; bad usage exits 2', async () => {
    const bad = await run(['inspect', join(DIR, 'bad', 'evil_os_system.pth')]);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/refusing to load global 'posix\.system'/);
    expect((await run(['inspect'])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['constructor'])).code).toBe(2);
    expect((await run([])).code).toBe(2);
  });

  it('dispatches the other subcommands; their usage errors exit 2', async () => {
    const err: string[] = [];
    const code = await main(['evaluate'], { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(/--arch and --weights are required/);
    expect(await main(['train', '--no-such-option'], { out: () => {}, err: () => {} })).toBe(2);
  });

  it('the built bin runs as a program (shebang, ESM entry point)', () => {
    const bin = join(ROOT, 'dist', 'cli', 'main.js');
    if (!existsSync(bin)) return; // built by `npm test` (scripts/setup.sh); skipped in a bare vitest run
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const out = execFileSync(process.execPath, [bin, 'inspect', join(DIR, 'views.pth')], { encoding: 'utf8' });
    expect(out).toMatch(/5 tensors, 60 elements, 240 B \(84 B of distinct storage\)/);
  });
});
