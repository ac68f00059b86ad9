import { initBackend, tf } from '@bml/core/tensor';
import { maxAbsDiff } from '@bml/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { distillationLoss } from '../src/index.js';

beforeAll(async () => {
  await initBackend();
});

function softmax(z: number[], T: number): number[] {
  const e = z.map((v) => Math.exp(v / T));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe('distillationLoss', () => {
  it('matches a hand computation at T = 2', () => {
    // Teacher logits (2 ln 2, 0, 0) at T = 2 give p_t = (1/2, 1/4, 1/4); zero student logits give
    // p_s = 1/3 each. KL = 1/2 ln(3/2) + 2 · 1/4 ln(3/4) = 1/2 ln(9/8); CE = ln 3 for label 0;
    // feature term (1/2)(1² + 0²) = 1/2. Total = ln 3 + 4 · (1/2) ln(9/8) + 0.5 · 1/2.
    const terms = distillationLoss({
      studentLogits: tf.tensor2d([[0, 0, 0]]),
      teacherLogits: tf.tensor2d([[2 * Math.LN2, 0, 0]]),
      studentEmbedding: tf.tensor2d([[1, 0]]),
      teacherEmbedding: tf.tensor2d([[0, 0]]),
      labels: [0],
    });
    expect(terms.crossEntropy.dataSync()[0]).toBeCloseTo(Math.log(3), 5);
    expect(terms.kl.dataSync()[0]).toBeCloseTo(0.5 * Math.log(9 / 8), 5);
    expect(terms.feature.dataSync()[0]).toBeCloseTo(0.5, 6);
    expect(terms.total.dataSync()[0]).toBeCloseTo(1.584178, 5);
  });

  it('averages each term over its own rows', () => {
    const student = [
      [1, 0, -1],
      [0, 2, 0],
      [0.5, -0.5, 1],
    ];
    const teacher = [
      [2, 0, 0],
      [0, 1, 1],
      [-1, 0, 3],
    ];
    const hs = [
      [1, 2],
      [0, 1],
      [3, 0],
    ];
    const ht = [
      [0, 2],
      [1, 1],
      [1, 1],
    ];
    const labels = [0, -1, 2];

    const T = 4;
    const weights = { alpha: 0.7, beta: 2, gamma: 0.1, temperature: T };
    const terms = distillationLoss(
      {
        studentLogits: tf.tensor2d(student),
        teacherLogits: tf.tensor2d(teacher),
        studentEmbedding: tf.tensor2d(hs),
        teacherEmbedding: tf.tensor2d(ht),
        labels,
        softRows: [0, 1, 2],
      },
      weights,
    );

    const ce = (-Math.log(softmax(student[0], 1)[0]) - Math.log(softmax(student[2], 1)[2])) / 2;
    let kl = 0;
    let feature = 0;
    for (let i = 0; i < 3; i++) {
      const p = softmax(teacher[i], T);
      const q = softmax(student[i], T);
      kl += p.reduce((s, pc, c) => s + pc * Math.log(pc / q[c]), 0) / 3;
      feature += ((hs[i][0] - ht[i][0]) ** 2 + (hs[i][1] - ht[i][1]) ** 2) / 2 / 3;
    }

    expect(terms.crossEntropy.dataSync()[0]).toBeCloseTo(ce, 5);
    expect(terms.kl.dataSync()[0]).toBeCloseTo(kl, 5);
    expect(terms.feature.dataSync()[0]).toBeCloseTo(feature, 5);
    expect(terms.total.dataSync()[0]).toBeCloseTo(0.7 * ce + 2 * T * T * kl + 0.1 * feature, 4);
  });

  it('gives the soft term the gradient T (p_s - p_t)', () => {
    // d/dz [T² KL(p_t ‖ softmax(z / T))] = T (softmax(z / T) - p_t), per row, divided by the row count.
    const T = 3;
    const z = tf.tensor2d([
      [0.3, -1, 2],
      [1, 1, 0],
    ]);
    const teacher = [
      [1, 0, 0],
      [0, 2, -1],
    ];
    const grad = tf.grad((logits: tf.Tensor) =>
      distillationLoss(
        {
          studentLogits: logits as tf.Tensor2D,
          teacherLogits: tf.tensor2d(teacher),
          studentEmbedding: tf.zeros([2, 1]) as tf.Tensor2D,
          teacherEmbedding: tf.zeros([2, 1]) as tf.Tensor2D,
          labels: [0, 1],
        },
        { alpha: 0, beta: 1, gamma: 0, temperature: T },
      ).total,
    )(z);
    const zRows = z.arraySync() as number[][];
    const expected = zRows.flatMap((row, i) => {
      const q = softmax(row, T);
      const p = softmax(teacher[i], T);
      return q.map((qc, c) => (T * (qc - p[c])) / 2);
    });
    expect(maxAbsDiff(grad.dataSync(), expected)).toBeLessThan(1e-5);
  });

  it('is zero in the soft terms when the student equals the teacher', () => {
    const logits = tf.tensor2d([[0.2, 1.5, -0.3]]);
    const h = tf.tensor2d([[0.4, -2]]);
    const terms = distillationLoss(
      { studentLogits: logits, teacherLogits: logits, studentEmbedding: h, teacherEmbedding: h, labels: [1] },
      { alpha: 0 },
    );
    expect(Math.abs(terms.kl.dataSync()[0])).toBeLessThan(1e-6);
    expect(terms.feature.dataSync()[0]).toBe(0);
    expect(Math.abs(terms.total.dataSync()[0])).toBeLessThan(1e-5);
  });

  it('rejects embeddings of different widths', () => {
    expect(() =>
      distillationLoss({
        studentLogits: tf.zeros([1, 2]) as tf.Tensor2D,
        teacherLogits: tf.zeros([1, 2]) as tf.Tensor2D,
        studentEmbedding: tf.zeros([1, 3]) as tf.Tensor2D,
        teacherEmbedding: tf.zeros([1, 4]) as tf.Tensor2D,
        labels: [0],
      }),
    ).toThrow(/student embedding \[1,3\], teacher embedding \[1,4\]/);
  });

  it('rejects a negative temperature', () => {
    const z = tf.zeros([1, 2]) as tf.Tensor2D;
    expect(() =>
      distillationLoss(
        { studentLogits: z, teacherLogits: z, studentEmbedding: z, teacherEmbedding: z, labels: [0] },
        { temperature: -1 },
      ),
    ).toThrow(/temperature must be a finite number > 0/);
  });
});
