import { resolveConfig, type BmlConfig } from '../src/index.js';

/** Small epoch caps so that end-to-end tests finish in seconds; the method itself is unchanged. */
export function tinyConfig(patch: Record<string, unknown> = {}): BmlConfig {
  return resolveConfig([
    {
      origin: 'test',
      patch: {
        autoencoder: { epochs: 5, patience: 5 },
        stageA: { epochs: 40, evalEvery: 5, patience: 20 },
        distill: { epochs: 20, evalEvery: 5, patience: 10 },
        balance: { epochs: 40, evalEvery: 5, patience: 20 },
      },
    },
    { origin: 'test case', patch },
  ]);
}

/** Returns the largest |value| found in a JSON tree, failing on NaN or infinite numbers. */
export function collectNumbers(value: unknown, out: number[] = []): number[] {
  if (typeof value === 'number') out.push(value);
  else if (Array.isArray(value)) value.forEach((v) => collectNumbers(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collectNumbers(v, out));
  return out;
}
