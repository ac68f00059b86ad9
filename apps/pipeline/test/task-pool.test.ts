import { afterEach, describe, expect, it } from 'vitest';
import { createMatrix, InvalidInputError, Rng, type Matrix } from '@bml/core';
import { TaskPool } from '../src/parallel/task-pool.js';
import { InProcessExecutor } from '../src/tasks/in-process.js';
import type { ReduceTask } from '../src/tasks/protocol.js';

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const m = createMatrix(rows, cols);
  for (let i = 0; i < m.data.length; i++) m.data[i] = 2 * rng.uniform() - 1;
  return m;
}

function reduceTask(seed: number, overrides: Partial<ReduceTask['options']> = {}): ReduceTask {
  const rows = 40;
  return {
    kind: 'reduce',
    scaled: randomMatrix(rows, 130, seed),
    fitIdx: Array.from({ length: 30 }, (_, i) => i),
    valIdx: Array.from({ length: 10 }, (_, i) => 30 + i),
    options: { codeSize: 100, epochs: 3, batchSize: 16, learningRate: 1e-3, patience: 5, seed, ...overrides },
  };
}

describe('TaskPool', () => {
  let pool: TaskPool | undefined;
  afterEach(() => pool?.close());

  it('computes the same codes as the calling thread', async () => {
    pool = new TaskPool(2);
    const tasks = [reduceTask(1), reduceTask(2), reduceTask(3)];
    const inPool = await Promise.all(tasks.map((task, i) => pool!.run(task, i)));
    const local = new InProcessExecutor();
    const inProcess = await Promise.all(tasks.map((task) => local.run(task)));
    for (let i = 0; i < tasks.length; i++) {
      expect(inPool[i].reduced).toBe(true);
      expect(inPool[i].codes.cols).toBe(100);
      expect(inPool[i].codes.data).toEqual(inProcess[i].codes.data);
      expect(inPool[i].elapsedMs).toBeGreaterThan(0);
    }
    // Different seeds and data give different codes, so the comparison above is not vacuous.
    expect(inPool[0].codes.data).not.toEqual(inPool[1].codes.data);
  }, 120_000);

  it('rejects a failing task with its error class and keeps serving others', async () => {
    pool = new TaskPool(1);
    const bad = pool.run(reduceTask(1, { batchSize: 0 }));
    await expect(bad).rejects.toBeInstanceOf(InvalidInputError);
    await expect(bad).rejects.toThrow(/batchSize/);
    const good = await pool.run(reduceTask(2));
    expect(good.reduced).toBe(true);
  }, 120_000);

  it('starts waiting tasks by priority, then by arrival', async () => {
    pool = new TaskPool(1);
    // A first task makes sure the worker is up, so the next one starts at once.
    await pool.run(reduceTask(9));
    const order: number[] = [];
    const track = (label: number, priority: number) =>
      pool!.run(reduceTask(label), priority).then(() => order.push(label));
    // The first task occupies the only worker; the rest wait and start by priority.
    await Promise.all([track(0, 5), track(1, 3), track(2, 1), track(3, 1), track(4, 0)]);
    expect(order).toEqual([0, 4, 2, 3, 1]);
  }, 120_000);

  it('rejects waiting and new tasks once closed', async () => {
    pool = new TaskPool(1);
    const running = pool.run(reduceTask(1));
    const waiting = pool.run(reduceTask(2));
    pool.close();
    await expect(running).rejects.toThrow(/closed/);
    await expect(waiting).rejects.toThrow(/closed/);
    await expect(pool.run(reduceTask(3))).rejects.toThrow(/closed/);
  });
});

describe('InProcessExecutor', () => {
  it('drops queued tasks once closed', async () => {
    const executor = new InProcessExecutor();
    const first = executor.run(reduceTask(1));
    const second = executor.run(reduceTask(2));
    executor.close();
    // The first task had been queued on an already settled promise, but none starts before close.
    await expect(first).rejects.toThrow(/closed before this task started/);
    await expect(second).rejects.toThrow(/closed before this task started/);
  });

  it('runs tasks in order while open', async () => {
    const executor = new InProcessExecutor();
    const order: number[] = [];
    await Promise.all([1, 2, 3].map((seed) => executor.run(reduceTask(seed)).then(() => order.push(seed))));
    expect(order).toEqual([1, 2, 3]);
  });
});
