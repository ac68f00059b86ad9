import { initBackend, tf } from '@bml/core/tensor';
import { createMatrix, Rng } from '@bml/core';
import { createUnimodalModel, createUnimodalTrainer, MOGONET_ENCODER, trainStep } from '@bml/rgcn';
await initBackend();
const nodes = 512, F = 200, C = 5, k = 10;
const rng = new Rng(1);
const rows = Array.from({ length: nodes }, () => new Map());
for (let i = 0; i < nodes; i++) { let c = 0; while (c < k) { const j = rng.int(nodes); if (j !== i && !rows[i].has(j)) { rows[i].set(j, 1); rows[j].set(i, 1); c++; } } }
rows.forEach((r, i) => r.set(i, 1));
const deg = rows.map((r) => r.size);
const rowPtr = new Int32Array(nodes + 1); const colIdx = []; const values = [];
rows.forEach((r, i) => { for (const j of [...r.keys()].sort((a, b) => a - b)) { colIdx.push(j); values.push(1 / Math.sqrt(deg[i] * deg[j])); } rowPtr[i + 1] = colIdx.length; });
const graph = { rows: nodes, cols: nodes, rowPtr, colIdx: Int32Array.from(colIdx), values: Float64Array.from(values) };
const labels = Int32Array.from({ length: nodes }, (_, i) => i % C);
const x = createMatrix(nodes, F); for (let i = 0; i < x.data.length; i++) x.data[i] = rng.normal();
const all = [...Array(nodes).keys()];
const enc = { ...MOGONET_ENCODER, hidden: [64] };
const model = createUnimodalModel({ inputDim: F, nClasses: C }, enc, 1);
const trainer = createUnimodalTrainer(model, { graph, nTrain: nodes, labels, fitIdx: all.filter((i) => i % 5), valIdx: all.filter((i) => !(i % 5)), nClasses: C, features: x }, { learningRate: 1e-3, weightDecay: 5e-4, seed: 1, classWeights: 'none' });
let e = 0;
const step = () => trainStep(trainer.optimizer, () => trainer.loss(++e)).dispose();
for (let i = 0; i < 50; i++) step();
const times = [];
for (let r = 0; r < 10; r++) { const t0 = performance.now(); for (let i = 0; i < 100; i++) step(); tf.tidy(() => model.head.weight.sum().dataSync()); times.push((performance.now() - t0) / 100); }
times.sort((a, b) => a - b);
console.log('ms/epoch min', times[0].toFixed(2), 'median', times[5].toFixed(2), JSON.stringify(enc));
