// The table-driven error-path check shared by errors.test.ts and
// tensor-surface-errors.test.ts: each case runs inside tidy, must throw the
// named error class with a message matching the pattern, stripped of
// libtorch's C++ location trailer and backtrace, and the process must keep
// working afterwards.
import { expect } from 'vitest';

import * as torch from '../../lib/index.js';

// The tests deliberately pass what the types forbid.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const bad = (value: unknown): any => value;

export type ErrorClass = typeof Error | typeof TypeError | typeof RangeError;
export type Case = [name: string, run: () => unknown, kind: ErrorClass, message: RegExp];

/** A real op after the failure: the addon, libtorch and the tidy scope stack are all fine. */
export function expectStillWorks(): void {
  const F = torch.nn.functional;
  const sum = torch.tidy(() => {
    const y = F.conv2d(torch.ones([1, 2, 4, 4]), torch.ones([3, 2, 3, 3]), torch.zeros([3]), { padding: 1 });
    return F.relu(y).matmul(torch.ones([4, 2])).sum().item();
  });
  // Per output channel: 4 corners of 8, 8 edges of 12, 4 interior of 18; matmul sums each row twice.
  expect(sum).toBe(3 * 2 * (4 * 8 + 8 * 12 + 4 * 18));
  // Indexing and integer ops too.
  expect(torch.tidy(() => torch.arange(4).index([1, 3]).sum().item())).toBe(3);
  expect(torch.isGradEnabled()).toBe(true);
}

export function checkErrorCase([, run, kind, message]: Case): void {
  let error: unknown;
  try {
    torch.tidy(() => {
      run();
    });
  } catch (e) {
    error = e;
  }
  expect(error, 'expected an error').toBeInstanceOf(Error);
  const e = error as Error;
  expect(e.constructor.name, e.message).toBe(kind.name);
  expect(e.message).toMatch(message);
  // The C++ side strips libtorch's location trailer and backtrace.
  expect(e.message).not.toMatch(/Exception raised from|frame #\d|\.cpp:\d/);
  expectStillWorks();
}
