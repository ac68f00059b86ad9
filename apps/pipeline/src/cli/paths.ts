import { isAbsolute, resolve } from 'node:path';

/**
 * Resolves a path given on the command line against the directory the user
 * ran the command from. pnpm runs scripts in the package root and records
 * the caller's directory in INIT_CWD, so that wins over the process's own.
 */
export function resolveUserPath(path: string): string {
  if (isAbsolute(path)) return path;
  return resolve(process.env.INIT_CWD ?? process.cwd(), path);
}

/** Returns `runs/<yyyy-mm-dd-hhmmss>-<name>` under the user's directory. */
export function defaultRunDirectory(name: string, now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}-${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}`;
  return resolveUserPath(`runs/${stamp}-${name}`);
}
