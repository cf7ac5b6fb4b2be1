// Vitest global setup: makes the Python reference fixtures (scripts/fixtures.ts)
// before any test runs; tests import the paths from here.
import { makeFixtures } from '../../scripts/fixtures.js';

export { FIXTURES, makeFixtures, PYTHON, ROOT, TORCH_VERSION } from '../../scripts/fixtures.js';

export default function setup(): void {
  makeFixtures();
}
