import { availableParallelism, cpus, totalmem } from 'node:os';
import { initBackend, productEngine } from '@bml/core/tensor';
import { automaticWorkerCount } from '../parallel/split-pool.js';
import { packageVersions } from '../versions.js';

/** Help text of `bml doctor`. */
export const doctorHelp = `Usage: bml doctor [--json]

Prints the TensorFlow.js backend in use and the threads its kernels run on,
the worker threads that train models, the cores and memory available,
the package versions, and what would make bml faster here.
`;

/** Runs `bml doctor` and returns the exit code. */
export async function doctorCommand(flags: { json?: boolean }): Promise<number> {
  const backend = await initBackend();
  const cores = availableParallelism();
  const report = {
    backend: backend.name,
    tfjs: backend.version,
    backendThreads: backend.threads,
    unavailable: backend.unavailable,
    // Worker threads under the default option `workers` 0, before the cap at splits times omics.
    workers: automaticWorkerCount(),
    products: productEngine().description,
    productKernel: productEngine().kernel,
    node: process.version,
    cores,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Number((totalmem() / 2 ** 30).toFixed(1)),
    versions: packageVersions(),
  };
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  // Labels are padded to one column, wide enough for the longest package name.
  const width = Math.max(12, ...Object.keys(report.versions).map((name) => name.length + 2));
  const row = (label: string, value: string) => `${label.padEnd(width)}${value}`;
  const lines = [
    row('backend', `${report.backend} (TensorFlow.js ${report.tfjs}), ${plural(report.backendThreads, 'thread')} per model`),
    row(
      'workers',
      `up to ${plural(report.workers, 'worker thread')} train models at a time, from any split or omics (option "workers", where 1 runs everything on the main thread)`,
    ),
    row('products', report.products),
    row('node', report.node),
    row('cores', `${report.cores} (${report.cpu})`),
    row('memory', `${report.memoryGiB} GiB`),
    ...Object.entries(report.versions).map(([name, version]) => row(name, version)),
  ];
  for (const [name, reason] of Object.entries(report.unavailable)) lines.push(row('not used', `${name}: ${reason}`));
  if (report.backend !== 'tensorflow') {
    lines.push(
      '',
      `Faster: the ${report.backend} backend trains each model on one thread, so a run with one outer split`,
      'uses at most one core per omics. The native backend @tensorflow/tfjs-node uses every core within a model and runs the',
      'neural stages several times faster. Its install downloads the TensorFlow C library, so it needs',
      'internet access:',
      '  pnpm add -w @tensorflow/tfjs-node@4.22.0 && pnpm approve-builds',
      'bml uses it automatically once it loads, and then trains one model at a time unless the',
      'option "workers" asks for more. BML_BACKEND=wasm or cpu forces another backend.',
      'BML_RELAXED_SIMD=0 runs the products with the wasm backend\'s matMul instead of the fused kernel;',
      'results then differ in the last digits.',
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
