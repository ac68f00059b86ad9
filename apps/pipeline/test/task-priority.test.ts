import { describe, expect, it } from 'vitest';
import { taskPriority } from '../src/split-run.js';
import type { Task } from '../src/tasks/protocol.js';

const kinds = ['reduce', 'unimodal', 'distill', 'multitask'] as const;
const task = (kind: (typeof kinds)[number]) => ({ kind }) as unknown as Task;

describe('taskPriority', () => {
  it('puts earlier stages first', () => {
    for (let i = 0; i + 1 < kinds.length; i++) {
      expect(taskPriority(task(kinds[i]), 4)).toBeLessThan(taskPriority(task(kinds[i + 1]), 0));
    }
  });

  it('puts earlier splits first within a stage', () => {
    for (const kind of kinds) expect(taskPriority(task(kind), 1)).toBeLessThan(taskPriority(task(kind), 2));
  });
});
