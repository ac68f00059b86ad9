import { availableParallelism, cpus, totalmem } from 'node:os';
import { initBackend } from '@bml/core/tensor';
import { packageVersions } from '../versions.js';

/** Help text of `bml doctor`. */
export const doctorHelp = `Usage: bml doctor [--json]

Prints the TensorFlow.js backend in use, the threads and memory available,
the package versions, and what would make bml faster here.
`;

/** Runs `bml doctor` and returns the exit code. */
export async function doctorCommand(flags: { json?: boolean }): Promise<number> {
  const backend = await initBackend();
  const report = {
    backend: backend.name,
    tfjs: backend.version,
    unavailable: backend.unavailable,
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    versions: packageVersions(),
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const lines = [
    `backend     ${report.backend} (TensorFlow.js ${report.tfjs})`,
    `node        ${report.node}`,
    `cores       ${report.cores} (${report.cpu})`,
    `memory      ${report.memoryGiB} GiB`,
    ...Object.entries(report.versions).map(([name, version]) => `${name.padEnd(12)}${version}`),
  ];
  for (const [name, reason] of Object.entries(report.unavailable)) lines.push(`not used    ${name}: ${reason}`);
  if (report.backend !== 'tensorflow') {
    lines.push(
      '',
      'Faster: the native backend @tensorflow/tfjs-node runs the neural stages several times faster.',
      'Its install downloads the TensorFlow C library, so it needs internet access:',
      '  pnpm add -w @tensorflow/tfjs-node@4.22.0 && pnpm approve-builds',
      'bml uses it automatically once it loads; BML_BACKEND=wasm or cpu forces another backend.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
