import { existsSync, readdirSync } from 'node:fs';
import { InvalidInputError } from '@bml/core';
import { simulateCohort, writeCohort } from '@bml/data';
import { resolveUserPath } from './paths.js';

/** Flags of `bml simulate`. */
export interface SimulateFlags {
  out?: string;
  seed?: string;
  force?: boolean;
  quiet?: boolean;
}

/** Help text of `bml simulate`. */
export const simulateHelp = `Usage: bml simulate --out DIR [--seed N] [--force]

Writes the built-in simulated cohort as files that bml run --data reads:
511 samples in 4 classes (112/53/248/98) and three omics of different
informativeness: rppa (223 features, strong), mrna (20,000 features, weak)
and cnv (2,000 features, close to noise).

Options:
  --out DIR    folder to write (required)
  --seed N     generator seed (default 0)
  --force      write into an existing non-empty folder
  -h, --help   this help
`;

/** Runs `bml simulate` and returns the exit code. */
export async function simulateCommand(flags: SimulateFlags): Promise<number> {
  if (!flags.out) throw new InvalidInputError('bml simulate: --out DIR is required; name the folder to write', 'USAGE');
  const out = resolveUserPath(flags.out);
  if (existsSync(out) && readdirSync(out).length > 0 && !flags.force) {
    throw new InvalidInputError(`bml simulate: ${out} is not empty; choose another --out or add --force`, 'OUT_EXISTS');
  }
  const seed = flags.seed === undefined ? 0 : Number(flags.seed);
  if (!Number.isInteger(seed)) throw new InvalidInputError(`bml simulate: --seed must be an integer, got "${flags.seed}"`, 'USAGE');
  const cohort = simulateCohort({ seed });
  const files = await writeCohort(cohort, out);
  if (!flags.quiet) {
    process.stdout.write(`Wrote the simulated cohort (seed ${seed}, ${cohort.sampleIds.length} samples) to ${out}:\n`);
    for (const file of files) process.stdout.write(`  ${file}\n`);
  }
  return 0;
}
