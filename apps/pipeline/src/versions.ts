import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bml packages whose versions a run records. */
export const packageNames = [
  '@bml/core',
  '@bml/data',
  '@bml/snf',
  '@bml/autoencoder',
  '@bml/rgcn',
  '@bml/mi',
  '@bml/distill',
  '@bml/balance',
  '@tensorflow/tfjs',
] as const;

/** Returns the installed version of each package in {@link packageNames}, or `unknown`. */
export function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const name of packageNames) versions[name] = readVersion(name);
  const own = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'package.json'), 'utf8'));
  versions['@bml/pipeline'] = own.version;
  return versions;
}

function readVersion(name: string): string {
  try {
    let dir = dirname(fileURLToPath(import.meta.resolve(name)));
    for (let depth = 0; depth < 4; depth++) {
      try {
        const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
        if (pkg.name === name) return pkg.version;
      } catch {
        // no package.json at this level; look one folder up
      }
      dir = dirname(dir);
    }
  } catch {
    // not resolvable from here
  }
  return 'unknown';
}
