// API fuzz test (issue #9): every function the addon exports, and every
// method and accessor of its Tensor handle, called with random mixes of valid
// and invalid arguments: numbers at the int32 / int64 / 2^53 edges, NaN,
// infinities, negative values, wrong types, disposed tensors, empty and
// non-contiguous tensors, huge shapes. The property: no child process dies by
// a signal, none hangs past its limit; a JS exception is always fine.
//
// Seeded (LTR_FUZZ_SEED picks another base seed), run in child processes
// whose address space is limited (so a huge shape is an allocation failure,
// not the OOM killer), each for a fixed time. Before every call the child
// writes the call to a file, so a crash or hang names the call that did it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { describe, expect, it } from 'vitest';

import { type ChildResult, runProcess } from './setup/child-process.js';
import { ROOT } from './setup/fixtures.js';

const NATIVE = pathToFileURL(join(ROOT, 'dist', 'lib', 'native.js')).href;
const dir = mkdtempSync(join(tmpdir(), 'ltr-fuzz-'));
const BASE_SEED = Number(process.env.LTR_FUZZ_SEED ?? 20261122);
const CHILDREN = 4; // two at a time
const SECONDS_PER_CHILD = 9;
const CHILD_LIMIT_MS = 45_000;
const ADDRESS_SPACE_KB = 3 * 1024 * 1024; // 3 GiB of address space: a huge shape fails to allocate instead of paging for minutes

const CHILD = String.raw`
import { writeSync, openSync } from 'node:fs';
const { native } = await import(process.env.LTR_NATIVE);
const seed = Number(process.argv[2]);
const seconds = Number(process.argv[3]);
const lastCall = openSync(process.argv[4], 'w');

// mulberry32
let s = seed >>> 0;
const rnd = () => { s = (s + 0x6d2b79f5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pick = (a) => a[Math.floor(rnd() * a.length)];

const numbers = [0, 1, 2, 3, -1, -2, 0.5, -0, 7, 64, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32, 2 ** 32 + 1,
  2 ** 53 - 1, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 63, -(2 ** 63), 1e308, NaN, Infinity, -Infinity, 1e-300, 255, 256];
const strings = ['float32', 'float64', 'float16', 'bfloat16', 'int64', 'int32', 'uint8', 'bool', 'cpu', 'cuda', 'cuda:0', 'cuda:99', 'mean', 'sum', 'none', '', 'x'.repeat(100), 'constructor', '__proto__'];
const shapes = [[], [0], [1], [2, 3], [3, 0, 2], [-1], [2 ** 31], [2 ** 32, 2 ** 32], [1e9, 1e9], [1, 1, 1, 1], [2, 3, 4, 4], [NaN], [2 ** 53], [1, 2 ** 40]];

function tensors() {
  const out = [];
  const add = (f) => { try { out.push(f()); } catch {} };
  add(() => native.randn([2, 3], null, null));
  add(() => native.randn([2, 3, 8, 8], null, null));
  add(() => native.randn([4, 3, 3, 3], null, null));
  add(() => native.zeros([0], null, null));
  add(() => native.zeros([2, 0, 3], null, null));
  add(() => native.transpose(native.randn([3, 4], null, null), 0, 1));   // non-contiguous
  add(() => native.zeros([4], 'int64', null));
  add(() => native.zeros([2, 1, 8, 8], 'uint8', null));
  add(() => native.ones([3], 'bool', null));
  add(() => native.full([], 1.5, null, null));
  add(() => native.randn([5], 'float64', null));
  add(() => native.randn([2, 2], 'float16', null));
  add(() => native.arange(0, 4, 1, 'int64', null));
  add(() => { const t = native.randn([3], null, null); t.requiresGrad = true; return t; });
  add(() => { const t = native.randn([2], null, null); t.dispose(); return t; }); // disposed
  return out;
}

let pool = tensors();
function value(depth = 0) {
  const r = rnd();
  if (r < 0.3) return pick(pool);
  if (r < 0.5) return pick(numbers);
  if (r < 0.6) return pick(strings);
  if (r < 0.7) return pick(shapes).slice();
  if (r < 0.75) return pick([null, undefined, true, false]);
  if (r < 0.8) return pick([new Float32Array(6), new Int32Array([1, 2]), new BigInt64Array([1n, -1n]), new Uint8Array(4), new Float64Array(0), new Uint16Array(2), new Float32Array(new SharedArrayBuffer(8))]);
  if (r < 0.85 && depth < 2) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
  if (r < 0.92 && depth < 2) {
    const o = {};
    for (const k of ['padding', 'crop', 'cropOffsets', 'flips', 'resize', 'channels', 'mean', 'std', 'lr', 'momentum', 'weightDecay', 'betas', 'eps', 'step']) if (rnd() < 0.3) o[k] = value(depth + 1);
    return o;
  }
  return pick([{}, () => 1, Symbol('s'), 10n, 2n ** 70n, { shape: [2] }]);
}

// distInit opens sockets and, with a random timeoutMs, may legitimately wait
// minutes for peers that never come; its argument checks are in ddp-api.test.ts.
const fnNames = Object.keys(native).filter((k) => typeof native[k] === 'function' && k !== 'Tensor' && k !== 'distInit');
const proto = native.Tensor.prototype;
const members = Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor');
const label = (v) => {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 20));
  if (typeof v === 'bigint') return v + 'n';
  if (v instanceof native.Tensor) { try { return 'T' + JSON.stringify(v.shape) + v.dtype; } catch { return 'T(disposed)'; } }
  if (Array.isArray(v)) return '[' + v.map(label).join(',') + ']';
  if (ArrayBuffer.isView(v)) return v.constructor.name + '(' + v.length + ')';
  return typeof v;
};
const note = (text) => writeSync(lastCall, text.padEnd(200) + '\n', 0);

const pending = [];
let calls = 0, threw = 0;
const deadline = Date.now() + seconds * 1000;
while (Date.now() < deadline) {
  const args = Array.from({ length: Math.floor(rnd() * 8) }, () => value());
  const onTensor = rnd() < 0.25;
  let name;
  let call;
  if (onTensor) {
    const self = pick(pool);
    name = 'Tensor.' + pick(members);
    const member = name.slice(7);
    const desc = Object.getOwnPropertyDescriptor(proto, member);
    if (desc.get && (!desc.set || rnd() < 0.5)) call = () => Reflect.get(proto, member, self);
    else if (desc.set) call = () => Reflect.set(proto, member, args[0], self);
    else call = () => desc.value.apply(self, args);
  } else {
    name = pick(fnNames);
    if (name === 'setNumThreads') args[0] = Math.min(typeof args[0] === 'number' && args[0] > 0 ? args[0] : 1, 4);
    call = () => native[name](...args);
  }
  note(name + '(' + args.map(label).join(', ') + ')');
  calls++;
  try {
    const result = call();
    if (result instanceof Promise) pending.push(result.catch(() => {}));
    if (result instanceof native.Tensor && rnd() < 0.5) pool.push(result);
  } catch (error) {
    threw++;
    if (!(error instanceof Error)) throw new Error('a non-Error was thrown by ' + name + ': ' + String(error));
  }
  if (pool.length > 60 || calls % 500 === 0) {
    for (const t of pool) if (rnd() < 0.5) try { t.dispose(); } catch {}
    pool = tensors();
  }
  if (calls % 50 === 0) await new Promise((r) => setImmediate(r)); // let async work finish
}
await Promise.all(pending);
console.log(JSON.stringify({ seed, calls, threw, functions: fnNames.length, members: members.length }));
`;

function runChild(seed: number, index: number): Promise<ChildResult & { seed: number; lastCall: string }> {
  const script = join(dir, 'fuzz-child.mjs');
  writeFileSync(script, CHILD);
  const lastCallFile = join(dir, `last-call-${index}.txt`);
  writeFileSync(lastCallFile, '');
  // Under AddressSanitizer (scripts/sanitize.sh) the address space can't be limited (its shadow
  // memory is terabytes of reservations); ASAN_OPTIONS max_allocation_size_mb bounds tensors instead.
  const limit = (process.env.LD_PRELOAD ?? '').includes('asan') ? '' : `ulimit -v ${ADDRESS_SPACE_KB} && `;
  const command = `${limit}exec "${process.execPath}" "${script}" ${seed} ${SECONDS_PER_CHILD} "${lastCallFile}"`;
  const env = { ...process.env, LTR_NATIVE: NATIVE, OMP_NUM_THREADS: '1' };
  return runProcess('bash', ['-c', command], CHILD_LIMIT_MS, env).then((r) => ({ seed, ...r, lastCall: readFileSync(lastCallFile, 'utf8').trim() }));
}

describe('API fuzz: every native export with random valid and invalid arguments', () => {
  it(`${CHILDREN} seeded children x ${SECONDS_PER_CHILD} s: none dies by a signal, none hangs`, async () => {
    const results = [];
    for (let i = 0; i < CHILDREN; i += 2) {
      results.push(...(await Promise.all([runChild(BASE_SEED + i, i), runChild(BASE_SEED + i + 1, i + 1)])));
    }
    let total = 0;
    for (const r of results) {
      const context = `seed ${r.seed}: last call ${r.lastCall}\n${r.stderr.slice(-2000)}`;
      expect(r.timedOut, context).toBe(false);
      expect(r.signal, context).toBeNull();
      expect(r.status, context).toBe(0);
      const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { calls: number; functions: number };
      expect(summary.functions).toBeGreaterThan(50);
      total += summary.calls;
    }
    console.info(`fuzz-api: ${total} calls over ${CHILDREN} children (seeds ${BASE_SEED}..${BASE_SEED + CHILDREN - 1})`);
    expect(total).toBeGreaterThan(1000);
  }, 120_000);
});
