/**
 * Worker-thread entry point of the task pool. It initialises its own
 * TensorFlow.js backend, then runs the tasks the pool sends, one at a time.
 */
import { parentPort } from 'node:worker_threads';
import { initBackend } from '@bml/core/tensor';
import { runTask } from '../tasks/run-task.js';
import { serializeError, type RunTaskRequest, type TaskWorkerMessage } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('task-worker.js was started outside a worker thread; the task pool starts it as one');

/**
 * Sends `message` to the pool. A value that cannot be cloned across threads (in an error's details,
 * say) would otherwise lose the whole message, so the failure is sent instead, without details.
 */
function send(message: TaskWorkerMessage): void {
  try {
    port!.postMessage(message);
  } catch (error) {
    if (message.type === 'error') {
      port!.postMessage({ ...message, error: { ...message.error, details: undefined } });
    } else {
      const id = message.type === 'result' ? message.id : null;
      port!.postMessage({ type: 'error', id, error: serializeError(error) });
    }
  }
}

async function handle(request: RunTaskRequest): Promise<void> {
  try {
    const result = await runTask(request.task);
    send({ type: 'result', id: request.id, result });
  } catch (error) {
    send({ type: 'error', id: request.id, error: serializeError(error) });
  }
}

try {
  await initBackend();
  // Requests arrive one at a time, because the pool sends the next only after a result or an error.
  port.on('message', (request: RunTaskRequest) => void handle(request));
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'error', id: null, error: serializeError(error) });
}
