import { describe, expect, it } from 'vitest';

import * as torch from '../lib/index.js';

describe('smoke', () => {
  it('seeds like PyTorch', () => {
    torch.manualSeed(0);
    const x = torch.randn([2, 3]);
    expect(Array.from(x.toArray() as Float32Array).map((v) => v.toFixed(4))).toEqual(['1.5410', '-0.2934', '-2.1788', '0.5684', '-1.0845', '-1.3986']);
    console.log(String(x));
  });
});
