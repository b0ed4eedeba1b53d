// Loads every case of a fixtures directory made by tools/weights/make-fixtures.py (PyTorch) into
// dyrep-ts and compares eval-mode logits with PyTorch's; exits 1 beyond 1e-4 relative. CI runs it
// on the full-size resnet18/resnet50/vgg16_bn checkpoints:
//   npx tsx --conditions=@dyrep/source tools/weights/check-fixtures.ts DIR
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@dyrep/backend';
import { createModel } from '@dyrep/models';
import { loadPretrained } from '@dyrep/weights';
import { fixture, io, loadCases, relativeDiff } from '../../packages/weights/test/fixtures';

const TOLERANCE = 1e-4;
const dir = process.argv[2];
if (!dir) throw new Error('usage: check-fixtures.ts DIR');
await initBackend('wasm');
let worst = 0;
for (const c of loadCases(dir)) {
  const started = Date.now();
  const model = createModel(c.model, { width: c.width, numClasses: c.numClasses, inChannels: c.inChannels, stem: 'imagenet' });
  const report = loadPretrained(model, fixture(c.weights, dir), { architecture: c.model, adaptStem: c.adaptStem });
  const { x, logits } = io(c, dir);
  const y = tf.tidy(() => model.eval().forward(x).dataSync() as Float32Array);
  const rel = relativeDiff(y, logits);
  worst = Math.max(worst, rel);
  console.log(
    `[check-fixtures] ${c.name}: ${report.loaded.length} tensors, ${x.shape[0]}×${c.size}×${c.size}, max rel |Δ| vs PyTorch ${rel.toExponential(2)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  x.dispose();
  model.dispose();
}
if (!(worst <= TOLERANCE)) {
  console.error(`[check-fixtures] FAILED: ${worst.toExponential(2)} above ${TOLERANCE}`);
  process.exit(1);
}
