// The OpenMP wait policy (native/openmp_wait.cc): long spins while the machine is quiet, libgomp's
// short spin while other processes take the CPUs, switched by holding an idle OpenMP team.
// The decision is tested with made-up loads; the live policy in child processes with real busy
// neighbours (the test suite runs files in parallel, so only what must happen under a load that
// is at least ours is asserted live: the switch to the short spin, and unchanged outputs).

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { afterAll, describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';
import { native } from '../lib/native.js';
import { runProcess } from './setup/child-process.js';
import { ROOT } from './setup/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'ltr-omp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const LIB = pathToFileURL(join(ROOT, 'dist', 'lib', 'index.js')).href;
const RESNET = pathToFileURL(join(ROOT, 'dist', 'resnet', 'index.js')).href;

describe('the decision (made-up loads of other processes, in CPUs)', () => {
  const decide = (loads: number[], threads: number, cpuCount: number) => native.openmpWaitDecide(loads, threads, cpuCount);

  it('switches to the short spin as soon as our threads and theirs do not fit', () => {
    // 2 threads on 2 CPUs: half a CPU of slack for sampling noise.
    expect(decide([0, 0.4, 0.6], 2, 2)).toEqual([false, false, true]);
    // 2 threads on 16 CPUs: a neighbour using 14 CPUs leaves room for both of ours.
    expect(decide([1, 14, 14.4, 15], 2, 16)).toEqual([false, false, false, true]);
  });

  it('goes back to the long spin only after 10 quiet samples in a row', () => {
    const quiet9 = Array(9).fill(0);
    expect(decide([1, ...quiet9, 0], 2, 2)).toEqual([true, ...Array(9).fill(true), false]);
    // A sample in the band between the two thresholds starts the count again.
    const out = decide([1, ...quiet9, 0.4, 0], 2, 2);
    expect(out.at(-1)).toBe(true);
    expect(out.at(-2)).toBe(true);
  });

  it('never throttles a single thread, which waits at no barrier', () => {
    expect(decide([5, 5, 5], 1, 2)).toEqual([false, false, false]);
  });

  it('names the op and the argument on bad input', () => {
    expect(() => native.openmpWaitDecide('1', 2, 2)).toThrow(new TypeError('openmpWaitDecide: loads must be an array of numbers'));
    expect(() => native.openmpWaitDecide([0, 'x'], 2, 2)).toThrow(new TypeError('openmpWaitDecide: loads[1] must be a number'));
    expect(() => native.openmpWaitDecide([0], 0, 2)).toThrow(RangeError);
  });
});

describe('the live policy', () => {
  it('is adaptive in this process (the test runner sets no wait policy)', () => {
    const state = torch.openmpWaitState();
    expect(state.mode).toBe('adaptive');
    expect(state.cpus).toBeGreaterThan(0);
    expect(state.othersBusy).toBeGreaterThanOrEqual(0);
  });

  /** Runs a module snippet (torch and resnet18 imported) in a fresh node with `env` added. */
  let scripts = 0;
  async function child(code: string, env: NodeJS.ProcessEnv = {}): Promise<unknown> {
    const file = join(dir, `child-${scripts++}.mjs`);
    writeFileSync(file, `import { readdirSync } from 'node:fs';\nimport * as torch from ${JSON.stringify(LIB)};\nimport { resnet18 } from ${JSON.stringify(RESNET)};\n${code}`);
    const clean = { ...process.env, ...env };
    for (const key of ['OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'LTR_OMP_ADAPTIVE']) if (!(key in env)) delete clean[key];
    const r = await runProcess(process.execPath, [file], 60_000, clean);
    if (r.status !== 0) throw new Error(`child failed (${r.status ?? r.signal}): ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1) as string);
  }

  const FORWARD = `
torch.setNumThreads(2);
torch.manualSeed(7);
const model = resnet18({ numClasses: 10 });
model.eval();
const x = torch.randn([2, 3, 64, 64]);
const forward = () => Array.from(torch.noGrad(() => model.forward(x)).toArray());
const threadCount = () => readdirSync('/proc/self/task').length;
`;

  it('leaves the user\'s own choice alone', async () => {
    expect(await child('console.log(JSON.stringify(torch.openmpWaitState().mode));', { GOMP_SPINCOUNT: '1000' })).toBe('user');
    expect(await child('console.log(JSON.stringify(torch.openmpWaitState().mode));', { OMP_WAIT_POLICY: 'passive' })).toBe('user');
    expect(await child('console.log(JSON.stringify(torch.openmpWaitState().mode));', { LTR_OMP_ADAPTIVE: '0' })).toBe('off');
  });

  it('switches to the short spin beside busy processes, with outputs unchanged', async () => {
    // One spinning process per CPU: whatever else runs, others take more than the slack.
    const spinners: ChildProcess[] = cpus().map(() => spawn(process.execPath, ['-e', 'for (;;);'], { stdio: 'ignore' }));
    try {
      const throttled = (await child(`${FORWARD}
let state = torch.openmpWaitState();
for (let i = 0; i < 100 && !state.throttled; i++) { await new Promise((r) => setTimeout(r, 100)); state = torch.openmpWaitState(); }
console.log(JSON.stringify({ state, y: forward(), threads: threadCount() }));`)) as {
        state: torch.OpenMPWaitState;
        y: number[];
        threads: number;
      };
      expect(throttled.state.mode).toBe('adaptive');
      expect(throttled.state.throttled).toBe(true);
      expect(throttled.state.othersBusy).toBeGreaterThan(0.5);
      expect(throttled.state.switches).toBeGreaterThanOrEqual(1);

      // Same forward with the policy off: the same bits, since the team doing the work is the same.
      const plain = (await child(`${FORWARD}console.log(JSON.stringify({ y: forward(), threads: threadCount() }));`, { LTR_OMP_ADAPTIVE: '0' })) as {
        y: number[];
        threads: number;
      };
      expect(throttled.y).toEqual(plain.y);
      // Threads the policy adds: the monitor, and while throttled the holder with its idle team
      // (CPUs + 1 threads counting the holder).
      expect(throttled.threads - plain.threads).toBe(1 + throttled.state.cpus + 1);
    } finally {
      for (const s of spinners) s.kill('SIGKILL');
    }
  });
});
