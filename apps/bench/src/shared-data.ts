import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/**
 * Returns the path of a cohort under the shared data folder (next to the
 * repository, or the folder named by BML_SHARED), or undefined when it is absent.
 */
export function sharedCohort(name: string): string | undefined {
  const base = resolve(process.env.BML_SHARED ?? join(repoRoot, '..', 'shared'));
  const path = join(base, 'data', name);
  return existsSync(path) ? path : undefined;
}
