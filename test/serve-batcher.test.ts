// The serve micro-batcher's policy (lib/serve/batcher.ts), on a fake clock so
// every case is deterministic: a request counts toward a batch from its
// arrival, so one still being decoded when the first input is ready joins the
// batch (for at most maxDelayMs more); a request with nobody else in the
// server goes at once; a full batch goes at once; while a forward runs,
// inputs gather for the next one.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import * as torch from '../lib/index.js';
import type { Tensor } from '../lib/index.js';
import { type BatchAnswer, MicroBatcher, TimeoutError } from '../lib/serve/batcher.js';

/** A fake forward: records each batch's inputs (their values) and answers them as a [n, 1] column. */
function recorder(hold = false) {
  const batches: number[][] = [];
  const pending: (() => void)[] = [];
  const run = (inputs: Tensor[]): Promise<Tensor> => {
    batches.push(inputs.map((x) => x.item()));
    const out = torch.stack(inputs, 0).reshape([inputs.length, 1]);
    if (!hold) return Promise.resolve(out);
    return new Promise((resolve) => pending.push(() => resolve(out)));
  };
  return { batches, run, release: () => pending.shift()!() };
}

const input = (value: number): Tensor => torch.tensor([value]);

/** Lets promise callbacks and zero-delay timers run without moving the clock. */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MicroBatcher', () => {
  it('awaits requests that arrived in the window while they are still being decoded', async () => {
    const f = recorder();
    const batcher = new MicroBatcher(f.run, { maxBatch: 8, maxDelayMs: 5 });
    const [a, b, c] = [batcher.expect(), batcher.expect(), batcher.expect()];
    expect(batcher.preparing).toBe(3);
    await vi.advanceTimersByTimeAsync(30); // decoding: the 5 ms window closes meanwhile
    const answers = [a.submit(input(0), 60_000)];
    await vi.advanceTimersByTimeAsync(2);
    answers.push(b.submit(input(1), 60_000));
    await vi.advanceTimersByTimeAsync(2);
    expect(f.batches).toEqual([]); // c, which arrived with them, is still decoding
    answers.push(c.submit(input(2), 60_000));
    await settle();
    expect(f.batches).toEqual([[0, 1, 2]]);
    const results: BatchAnswer[] = await Promise.all(answers);
    expect(results.map((r) => [r.size, r.index, r.output[r.index]])).toEqual([
      [3, 0, 0],
      [3, 1, 1],
      [3, 2, 2],
    ]);
  });

  it('waits for a straggler at most maxDelayMs once the batch could go; it joins the next batch', async () => {
    const f = recorder();
    const batcher = new MicroBatcher(f.run, { maxBatch: 8, maxDelayMs: 5 });
    const [a, b] = [batcher.expect(), batcher.expect()];
    await vi.advanceTimersByTimeAsync(30);
    const first = a.submit(input(0), 60_000);
    await vi.advanceTimersByTimeAsync(4);
    expect(f.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.batches).toEqual([[0]]);
    await vi.advanceTimersByTimeAsync(100); // a slow decode
    const second = b.submit(input(1), 60_000);
    await settle();
    expect(f.batches).toEqual([[0], [1]]);
    expect((await first).size).toBe(1);
    expect((await second).size).toBe(1);
  });

  it('with nobody else in the server, a request goes at once instead of waiting out the window', async () => {
    const f = recorder();
    const batcher = new MicroBatcher(f.run, { maxBatch: 8, maxDelayMs: 5 });
    const a = batcher.expect();
    await vi.advanceTimersByTimeAsync(30);
    const answer = a.submit(input(7), 60_000);
    await settle();
    expect(f.batches).toEqual([[7]]);
    expect((await answer).size).toBe(1);
  });

  it('holds the window open for arrivals: requests arriving within maxDelayMs of the first join it, later ones do not', async () => {
    const f = recorder();
    const batcher = new MicroBatcher(f.run, { maxBatch: 8, maxDelayMs: 50 });
    const a = batcher.expect();
    await vi.advanceTimersByTimeAsync(1);
    const answers = [a.submit(input(0), 60_000)];
    await vi.advanceTimersByTimeAsync(19);
    const b = batcher.expect(); // arrives at 20 ms, within the window
    await vi.advanceTimersByTimeAsync(1);
    answers.push(b.submit(input(1), 60_000));
    await vi.advanceTimersByTimeAsync(28);
    expect(f.batches).toEqual([]);
    await vi.advanceTimersByTimeAsync(1); // 50 ms after a's arrival
    expect(f.batches).toEqual([[0, 1]]);
    const c = batcher.expect(); // after the window: the next batch
    answers.push(c.submit(input(2), 60_000));
    await vi.advanceTimersByTimeAsync(49);
    expect(f.batches).toEqual([[0, 1]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.batches).toEqual([[0, 1], [2]]);
    expect((await Promise.all(answers)).map((r) => r.size)).toEqual([2, 2, 1]);
  });

  it('a withdrawn request (a bad image) stops the wait for it', async () => {
    const f = recorder();
    const batcher = new MicroBatcher(f.run, { maxBatch: 8, maxDelayMs: 5 });
    const [a, b] = [batcher.expect(), batcher.expect()];
    await vi.advanceTimersByTimeAsync(30);
    const answer = a.submit(input(0), 60_000);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.batches).toEqual([]);
    b.withdraw();
    await settle();
    expect(f.batches).toEqual([[0]]);
    expect(batcher.preparing).toBe(0);
    expect((await answer).size).toBe(1);
    expect(() => b.withdraw()).toThrow('MicroBatcher: a ticket submits or withdraws once');
  });

  it('a full batch goes at once; while a forward runs, inputs gather and go when it ends', async () => {
    const f = recorder(true);
    const batcher = new MicroBatcher(f.run, { maxBatch: 2, maxDelayMs: 1000 });
    const tickets = Array.from({ length: 5 }, () => batcher.expect());
    const answers = [tickets[0].submit(input(0), 60_000), tickets[1].submit(input(1), 60_000)];
    await settle();
    expect(f.batches).toEqual([[0, 1]]); // full, though three more are still decoding
    answers.push(tickets[2].submit(input(2), 60_000), tickets[3].submit(input(3), 60_000), tickets[4].submit(input(4), 60_000));
    await settle();
    expect(f.batches).toEqual([[0, 1]]);
    expect(batcher.queued).toBe(3);
    f.release();
    await settle();
    expect(f.batches).toEqual([[0, 1], [2, 3]]);
    f.release();
    await settle();
    // The last one waits: its window (1,000 ms from its arrival) is still open for arrivals.
    expect(f.batches).toEqual([[0, 1], [2, 3]]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(f.batches).toEqual([[0, 1], [2, 3], [4]]);
    f.release();
    expect((await Promise.all(answers)).map((r) => `${r.size}:${r.index}`)).toEqual(['2:0', '2:1', '2:0', '2:1', '1:0']);
  });

  it('a request not answered in time is rejected with TimeoutError and its input freed', async () => {
    const f = recorder();
    const batcher = new MicroBatcher(f.run, { maxBatch: 8, maxDelayMs: 1000 });
    const a = batcher.expect();
    const x = input(0);
    const answer = a.submit(x, 100);
    const failed = expect(answer).rejects.toThrow(new TimeoutError('no answer within 100 ms'));
    await vi.advanceTimersByTimeAsync(100);
    await failed;
    expect(x.isDisposed).toBe(true);
    expect(batcher.queued).toBe(0);
    await vi.advanceTimersByTimeAsync(1000);
    expect(f.batches).toEqual([]);
  });

  it('a failed forward rejects every request of its batch and is reported', async () => {
    const errors: string[] = [];
    const batcher = new MicroBatcher(() => Promise.reject(new Error('forward failed')), { maxBatch: 2, maxDelayMs: 5, onError: (e) => errors.push(e.message) });
    const [a, b] = [batcher.expect(), batcher.expect()];
    const inputs = [input(0), input(1)];
    const answers = [a.submit(inputs[0], 60_000), b.submit(inputs[1], 60_000)];
    await Promise.all(answers.map((p) => expect(p).rejects.toThrow('forward failed')));
    expect(errors).toEqual(['forward failed']);
    expect(inputs.every((x) => x.isDisposed)).toBe(true);
  });
});
