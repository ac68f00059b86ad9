import { InternalError, type BmlWarning } from '@bml/core';
import { loadCohort } from '../cohort.js';
import type { FetchProgressHandler } from './progress.js';
import type { FetchedOmics } from './cohort-readme.js';

/**
 * Reads the written cohort back with `loadCohort`, as `bml run --data` will,
 * and checks that it has exactly the chosen samples and, per omics, the
 * features written (fewer only where duplicated feature names were merged).
 * A mismatch raises an `InternalError`, because bml wrote the files itself.
 * Returns the warnings `loadCohort` reported.
 */
export async function verifyWrittenCohort(
  path: string,
  sampleIds: readonly string[],
  omics: readonly FetchedOmics[],
  progress: FetchProgressHandler | undefined,
): Promise<BmlWarning[]> {
  const loaded = await loadCohort(path);
  const sameSamples =
    loaded.sampleIds.length === sampleIds.length && loaded.sampleIds.every((id, i) => id === sampleIds[i]);
  const counts = omics.map((o) => {
    const read = loaded.omics.find((l) => l.name === o.name);
    return { name: o.name, written: o.features, read: read?.featureNames.length ?? 0 };
  });
  const badOmics = counts.filter((c) => c.read === 0 || c.read > c.written);
  const merged = counts.filter((c) => c.read > 0 && c.read < c.written);
  const duplicatesExplained =
    merged.length === 0 || loaded.warnings.some((w) => w.code === 'DUPLICATE_FEATURES_MERGED');
  if (!sameSamples || badOmics.length > 0 || !duplicatesExplained) {
    const features = counts.map((c) => `${c.name} ${c.read} of ${c.written}`).join(', ');
    throw new InternalError(
      `bml fetch: the cohort written to ${path} reads back with ${loaded.sampleIds.length} samples ` +
        `instead of ${sampleIds.length}, and with features ${features}. This is a bug in bml fetch; ` +
        'please report it with the command line',
      'COHORT_CHECK_FAILED',
      { path },
    );
  }
  const codes = loaded.warnings.map((w) => w.code).join(', ');
  const notes = loaded.warnings.length > 0 ? `; ${loaded.warnings.length} notes (${codes})` : '';
  const features = counts.map((c) => `${c.name} ${c.read} features`).join(', ');
  progress?.({
    stage: 'verify',
    message: `read back ${loaded.sampleIds.length} samples, ${loaded.classNames.length} classes, ${features}${notes}`,
  });
  return loaded.warnings;
}
