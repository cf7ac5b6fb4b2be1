// Dynamic micro-batching for lib/serve: one forward at a time, of up to
// maxBatch preprocessed inputs.
//
// A request counts toward a batch from its arrival, not from the end of its
// preprocessing. Decoding and transforming a photo takes 10-40 ms here
// (depending on the machine's load), longer than a 5 ms window: counted from
// the end of the preprocessing, the window missed requests that arrived with
// the first one but were still decoding, and a request with nobody else in
// the server waited out the whole window for nothing. So:
//
// - The window opens when a batch's first request arrives (`expect`) and lasts
//   maxDelayMs; requests arriving in it are awaited even while they decode.
// - A batch goes as soon as it is full; or, once the window has closed, as
//   soon as none of the requests it awaits is still being preprocessed; a
//   request still preprocessing maxDelayMs after the batch could have gone
//   (an input ready and the forward free) is not waited for any longer (it
//   joins the next batch), so one slow or huge image never holds the others
//   for more than maxDelayMs.
// - While a forward runs, nothing goes: inputs gather for the next batch, and
//   that batch leaves the moment the forward ends if its window has closed.

import type { Tensor } from '../tensor.js';

/** One answer: the batch's output row for this input, and where it came from. */
export interface BatchAnswer {
  /** The batch's output, [size, classes], flattened; this input's row is row `index`. */
  output: Float32Array;
  size: number;
  index: number;
}

export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/** The forward of one batch: inputs (stacked in this order) -> a [n, classes] float32 Tensor. */
export type BatchRunner = (inputs: Tensor[]) => Promise<Tensor>;

interface Job {
  input: Tensor;
  arrived: number;
  resolve: (answer: BatchAnswer) => void;
  reject: (error: Error) => void;
}

/** A request the batcher knows about from its arrival: it later submits its input, or withdraws. */
export interface Ticket {
  /** The preprocessed input; resolves with the batch's answer (the batcher disposes the input). */
  submit(input: Tensor, timeoutMs: number): Promise<BatchAnswer>;
  /** The request will not submit (a bad image, an error): the batch stops waiting for it. */
  withdraw(): void;
}

export interface BatcherOptions {
  maxBatch: number;
  maxDelayMs: number;
  /** Called after each forward with its size and seconds (metrics). */
  onBatch?: (size: number, seconds: number) => void;
  /** Called when a forward fails (metrics). */
  onError?: (error: Error) => void;
}

export class MicroBatcher {
  readonly #run: BatchRunner;
  readonly #maxBatch: number;
  readonly #maxDelayMs: number;
  readonly #onBatch: (size: number, seconds: number) => void;
  readonly #onError: (error: Error) => void;
  /** Preprocessed inputs waiting for a forward, in the order they were submitted. */
  readonly #ready: Job[] = [];
  /** Arrival times of the requests still being preprocessed. */
  readonly #preparing = new Set<{ arrived: number }>();
  #running = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(run: BatchRunner, options: BatcherOptions) {
    this.#run = run;
    this.#maxBatch = options.maxBatch;
    this.#maxDelayMs = options.maxDelayMs;
    this.#onBatch = options.onBatch ?? (() => {});
    this.#onError = options.onError ?? (() => {});
  }

  /** Preprocessed inputs waiting for a forward. */
  get queued(): number {
    return this.#ready.length;
  }

  /** Requests announced and still being preprocessed. */
  get preparing(): number {
    return this.#preparing.size;
  }

  /** Announces a request on arrival, before its preprocessing starts. */
  expect(): Ticket {
    const entry = { arrived: performance.now() };
    this.#preparing.add(entry);
    let used = false;
    const take = (): void => {
      if (used) throw new Error('MicroBatcher: a ticket submits or withdraws once');
      used = true;
      this.#preparing.delete(entry);
    };
    return {
      submit: (input, timeoutMs) => {
        take();
        return this.#submit(input, entry.arrived, timeoutMs);
      },
      withdraw: () => {
        take();
        this.#schedule();
      },
    };
  }

  #submit(input: Tensor, arrived: number, timeoutMs: number): Promise<BatchAnswer> {
    return new Promise<BatchAnswer>((resolve, reject) => {
      let done = false;
      const finish = (settle: () => void): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        settle();
      };
      const job: Job = { input, arrived, resolve: (a) => finish(() => resolve(a)), reject: (e) => finish(() => reject(e)) };
      const timer = setTimeout(() => {
        const i = this.#ready.indexOf(job);
        if (i >= 0) {
          this.#ready.splice(i, 1);
          input.dispose(); // never reaches a batch (a running batch disposes its own inputs)
        }
        job.reject(new TimeoutError(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      if (this.#ready.length === 0) this.#couldGoSince = performance.now();
      this.#ready.push(job);
      this.#schedule();
    });
  }

  /** When the next batch goes if it does not fill up first (performance.now() time). */
  #deadline(): number {
    // The window: maxDelayMs from the earliest arrival among the waiting inputs.
    let opened = Infinity;
    for (const job of this.#ready) opened = Math.min(opened, job.arrived);
    const windowEnd = opened + this.#maxDelayMs;
    // Requests that arrived within the window and are still preprocessing are awaited,
    // but not longer than maxDelayMs past the moment the batch could have gone.
    for (const p of this.#preparing) {
      if (p.arrived <= windowEnd) return Math.max(windowEnd, this.#couldGoSince + this.#maxDelayMs);
    }
    return windowEnd;
  }

  /** Since when the waiting inputs could have gone (the first one's submission, or the end of the last forward). */
  #couldGoSince = 0;

  #schedule(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#running || this.#ready.length === 0) return;
    const now = performance.now();
    if (this.#ready.length >= this.#maxBatch || this.#deadline() <= now) {
      void this.#flush();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#schedule();
    }, this.#deadline() - now);
  }

  async #flush(): Promise<void> {
    const jobs = this.#ready.splice(0, this.#maxBatch);
    this.#running = true;
    const started = performance.now();
    try {
      const out = await this.#run(jobs.map((j) => j.input));
      const data = out.toArray() as Float32Array;
      out.dispose();
      this.#onBatch(jobs.length, (performance.now() - started) / 1000);
      jobs.forEach((job, index) => job.resolve({ output: data, size: jobs.length, index }));
    } catch (error) {
      this.#onError(error as Error);
      for (const job of jobs) job.reject(error as Error);
    } finally {
      for (const job of jobs) job.input.dispose();
      this.#running = false;
      // The inputs that gathered meanwhile could go now: their wait for stragglers counts from here.
      this.#couldGoSince = performance.now();
      this.#schedule();
    }
  }
}
