import { describe, expect, it } from 'vitest';
import { startPeakSampler } from './peak-sampler.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('startPeakSampler', () => {
  it('reports the highest reading of each period, starting afresh after takePeak', async () => {
    let reading = 5;
    const sampler = startPeakSampler(() => reading);
    await sleep(150);
    reading = 2;
    await sleep(150);
    const first = sampler.takePeak();
    await sleep(150);

    expect({ first, last: await sampler.stop() }).toEqual({ first: 5, last: 2 });
  });

  it('rethrows a failed reading on stop rather than report a peak that is too low', async () => {
    const sampler = startPeakSampler(() => {
      throw new Error('connection refused');
    });

    await expect(sampler.stop()).rejects.toThrow('soak: a peak sampler failed');
  });
});
