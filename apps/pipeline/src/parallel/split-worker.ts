/**
 * Worker-thread entry point of the split pool. It initialises its own
 * TensorFlow.js backend, then runs the outer splits the pool sends, one at a
 * time, and forwards their progress events.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '@bml/core/tensor';
import { runSplit } from '../split-run.js';
import { serializeError, type RunSplitRequest, type SplitWorkerData, type SplitWorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('split-worker.js was started outside a worker thread; runSplits starts it as one');

const { cohort, config } = workerData as SplitWorkerData;
const send = (message: SplitWorkerMessage) => port.postMessage(message);

async function handle(request: RunSplitRequest): Promise<void> {
  try {
    const outcome = await runSplit(cohort, request.split, config, (event) => send({ type: 'progress', event }));
    send({ type: 'result', index: request.index, outcome });
  } catch (error) {
    send({ type: 'error', index: request.index, error: serializeError(error) });
  }
}

try {
  await initBackend();
  // Requests arrive one at a time, because the pool sends the next only after a result or an error.
  port.on('message', (request: RunSplitRequest) => void handle(request));
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'error', index: null, error: serializeError(error) });
}
