import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { Rng } from '@dyrep/nn';
import { expectArrayClose, expectNoLeak, randomArr, refConv2d, refPool2d, useBackend, type Arr } from '@dyrep/test-utils';
import { BnAndPad, addParallel, avgPoolKernel, fuseConvBn, fuseOneByOneThenKxk, identityKernel, padKernelToKxk } from '../src/index';

const toArr = (t: tf.Tensor): Arr => ({ data: t.dataSync() as Float32Array, shape: t.shape });
const tensor = (a: Arr) => tf.tensor(a.data, a.shape);

/** Pads NHWC `x` by `p` on each spatial side with the per-channel `values`. */
function padWith(x: Arr, p: number, values: Float32Array): Arr {
  const [n, h, w, c] = x.shape;
  const oh = h + 2 * p;
  const ow = w + 2 * p;
  const out = new Float32Array(n * oh * ow * c);
  for (let b = 0; b < n; b++)
    for (let i = 0; i < oh; i++)
      for (let j = 0; j < ow; j++)
        for (let ch = 0; ch < c; ch++) {
          const inside = i >= p && i < h + p && j >= p && j < w + p;
          out[((b * oh + i) * ow + j) * c + ch] = inside ? x.data[((b * h + i - p) * w + j - p) * c + ch] : values[ch];
        }
  return { data: out, shape: [n, oh, ow, c] };
}

/** Per-channel affine y = (x − μ)·γ/√(v + ε) + β by loops. */
function bnLoop(x: Arr, gamma: Float32Array, beta: Float32Array, mean: Float32Array, variance: Float32Array, eps: number): Arr {
  const c = x.shape[x.shape.length - 1];
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const ch = i % c;
    out[i] = ((x.data[i] - mean[ch]) * gamma[ch]) / Math.sqrt(variance[ch] + eps) + beta[ch];
  }
  return { data: out, shape: x.shape };
}

function randomBn(rng: Rng, c: number) {
  return {
    gamma: rng.uniformArray(c, -1.5, 1.5),
    beta: rng.normalArray(c, 0.5),
    mean: rng.normalArray(c, 0.5),
    variance: rng.uniformArray(c, 0.3, 2),
    eps: 1e-5,
  };
}

const bnTensors = (b: ReturnType<typeof randomBn>) => ({
  gamma: tf.tensor1d(b.gamma),
  beta: tf.tensor1d(b.beta),
  mean: tf.tensor1d(b.mean),
  variance: tf.tensor1d(b.variance),
  eps: b.eps,
});

/** groups: 1, 2 and depthwise (cin = groups). */
function channels(rng: Rng, kind: number): { cin: number; cout: number; g: number } {
  if (kind === 0) return { cin: 1 + rng.nextInt(4), cout: 1 + rng.nextInt(4), g: 1 };
  if (kind === 1) return { cin: 2 * (1 + rng.nextInt(2)), cout: 2 * (1 + rng.nextInt(2)), g: 2 };
  const g = 2 + rng.nextInt(3);
  return { cin: g, cout: g * (1 + rng.nextInt(2)), g };
}

for (const backend of ['wasm', 'cpu'] as const) {
  describe(`fusion transforms against brute force (${backend})`, () => {
    useBackend(backend);
    const seed = backend === 'wasm' ? 1 : 2;

    it('conv + BN → conv', async () => {
      const rng = new Rng(seed);
      await expectNoLeak(() => {
        for (let t = 0; t < 12; t++) {
          const { cin, cout, g } = channels(rng, t % 3);
          const k = [1, 3, 5][rng.nextInt(3)];
          const p = rng.nextInt(3);
          const s = 1 + rng.nextInt(2);
          const x = randomArr(rng, [2, k + 3, k + 2, cin]);
          const w = randomArr(rng, [k, k, cin / g, cout]);
          const b = t % 2 ? rng.normalArray(cout) : null;
          const bn = randomBn(rng, cout);
          const branch = bnLoop(
            refConv2d(
              x,
              w,
              b,
              [s, s],
              [
                [p, p],
                [p, p],
              ],
              [1, 1],
              g,
            ),
            bn.gamma,
            bn.beta,
            bn.mean,
            bn.variance,
            bn.eps,
          );
          tf.tidy(() => {
            const f = fuseConvBn(tensor(w) as tf.Tensor4D, b ? tf.tensor1d(b) : null, bnTensors(bn));
            const fused = refConv2d(
              x,
              toArr(f.kernel),
              f.bias.dataSync() as Float32Array,
              [s, s],
              [
                [p, p],
                [p, p],
              ],
              [1, 1],
              g,
            );
            expectArrayClose(tensor(fused), branch, 1e-5, 1e-5, `config ${t}`);
          });
        }
      }, 'fuseConvBn');
    });

    it('parallel branches → one', () => {
      const rng = new Rng(seed + 10);
      for (let t = 0; t < 6; t++) {
        const { cin, cout, g } = channels(rng, t % 3);
        const x = randomArr(rng, [1, 6, 5, cin]);
        const parts = [0, 1, 2].map(() => ({ w: randomArr(rng, [3, 3, cin / g, cout]), b: rng.normalArray(cout) }));
        const ref = parts.map((q) =>
          refConv2d(
            x,
            q.w,
            q.b,
            [1, 1],
            [
              [1, 1],
              [1, 1],
            ],
            [1, 1],
            g,
          ),
        );
        const sum = { data: ref[0].data.map((v, i) => v + ref[1].data[i] + ref[2].data[i]), shape: ref[0].shape };
        tf.tidy(() => {
          const f = addParallel(parts.map((q) => ({ kernel: tensor(q.w) as tf.Tensor4D, bias: tf.tensor1d(q.b) })));
          const fused = refConv2d(
            x,
            toArr(f.kernel),
            f.bias.dataSync() as Float32Array,
            [1, 1],
            [
              [1, 1],
              [1, 1],
            ],
            [1, 1],
            g,
          );
          expectArrayClose(tensor(fused), sum, 1e-5, 1e-5, `config ${t}`);
        });
      }
      expect(() => addParallel([])).to.throw(/nothing/);
    });

    it('1×1 then k×k (dense, grouped, depthwise), with the padding filled with the 1×1 stage’s bias', async () => {
      const rng = new Rng(seed + 20);
      await expectNoLeak(() => {
        for (let t = 0; t < 12; t++) {
          const { cin, cout, g } = channels(rng, t % 3);
          const cmid = g * (1 + rng.nextInt(2));
          const k = [3, 5][rng.nextInt(2)];
          const p = rng.nextInt(k);
          const s = 1 + rng.nextInt(2);
          const x = randomArr(rng, [2, k + 2, k + 3, cin]);
          const k1 = randomArr(rng, [1, 1, cin / g, cmid]);
          const b1 = rng.normalArray(cmid);
          const k2 = randomArr(rng, [k, k, cmid / g, cout]);
          const b2 = rng.normalArray(cout);
          const mid = padWith(
            refConv2d(
              x,
              k1,
              b1,
              [1, 1],
              [
                [0, 0],
                [0, 0],
              ],
              [1, 1],
              g,
            ),
            p,
            b1,
          );
          const branch = refConv2d(
            mid,
            k2,
            b2,
            [s, s],
            [
              [0, 0],
              [0, 0],
            ],
            [1, 1],
            g,
          );
          tf.tidy(() => {
            const f = fuseOneByOneThenKxk(tensor(k1) as tf.Tensor4D, tf.tensor1d(b1), tensor(k2) as tf.Tensor4D, tf.tensor1d(b2), g);
            expect(f.kernel.shape).to.deep.equal([k, k, cin / g, cout]);
            const fused = refConv2d(
              x,
              toArr(f.kernel),
              f.bias.dataSync() as Float32Array,
              [s, s],
              [
                [p, p],
                [p, p],
              ],
              [1, 1],
              g,
            );
            expectArrayClose(tensor(fused), branch, 1e-5, 1e-5, `config ${t}: cin ${cin} cmid ${cmid} cout ${cout} g ${g} k ${k} p ${p} s ${s}`);
          });
        }
      }, 'fuseOneByOneThenKxk');
    });

    it('average pooling → k×k kernel (grouped-aware)', () => {
      const rng = new Rng(seed + 30);
      for (let t = 0; t < 9; t++) {
        const g = [1, 2, 3][t % 3];
        const c = g * (1 + rng.nextInt(3));
        const k = [2, 3, 5][rng.nextInt(3)];
        const p = rng.nextInt(k);
        const s = 1 + rng.nextInt(2);
        const x = randomArr(rng, [2, k + 3, k + 1, c]);
        const ref = refPool2d(x, k, s, p, 'avg');
        tf.tidy(() => {
          const a = avgPoolKernel(c, k, g);
          expect(a.shape).to.deep.equal([k, k, c / g, c]);
          expectArrayClose(
            tensor(
              refConv2d(
                x,
                toArr(a),
                null,
                [s, s],
                [
                  [p, p],
                  [p, p],
                ],
                [1, 1],
                g,
              ),
            ),
            ref,
            1e-5,
            1e-6,
            `config ${t}`,
          );
        });
      }
    });

    it('1×1, 1×k, k×1 kernels → centred k×k', () => {
      const rng = new Rng(seed + 40);
      for (let t = 0; t < 9; t++) {
        const { cin, cout, g } = channels(rng, t % 3);
        const k = [3, 5][rng.nextInt(2)];
        const p = (k - 1) / 2 + rng.nextInt(2);
        const s = 1 + rng.nextInt(2);
        const [kh, kw] = [
          [1, 1],
          [1, k],
          [k, 1],
        ][t % 3];
        const x = randomArr(rng, [1, k + 2, k + 1, cin]);
        const w = randomArr(rng, [kh, kw, cin / g, cout]);
        const ref = refConv2d(
          x,
          w,
          null,
          [s, s],
          [
            [p - (k - kh) / 2, p - (k - kh) / 2],
            [p - (k - kw) / 2, p - (k - kw) / 2],
          ],
          [1, 1],
          g,
        );
        tf.tidy(() => {
          const big = padKernelToKxk(tensor(w) as tf.Tensor4D, k);
          expect(big.shape).to.deep.equal([k, k, cin / g, cout]);
          expectArrayClose(
            tensor(
              refConv2d(
                x,
                toArr(big),
                null,
                [s, s],
                [
                  [p, p],
                  [p, p],
                ],
                [1, 1],
                g,
              ),
            ),
            ref,
            1e-5,
            1e-6,
            `config ${t}`,
          );
        });
      }
      expect(() => padKernelToKxk(tf.zeros([2, 2, 1, 1]) as tf.Tensor4D, 3)).to.throw(/centre/);
    });

    it('identity → k×k kernel (grouped-aware)', () => {
      const rng = new Rng(seed + 50);
      for (const [c, g, k] of [
        [3, 1, 3],
        [4, 2, 3],
        [6, 3, 5],
        [4, 4, 3],
      ]) {
        const x = randomArr(rng, [2, 5, 4, c]);
        const p = (k - 1) / 2;
        tf.tidy(() => {
          expectArrayClose(
            tensor(
              refConv2d(
                x,
                toArr(identityKernel(c, k, g)),
                null,
                [1, 1],
                [
                  [p, p],
                  [p, p],
                ],
                [1, 1],
                g,
              ),
            ),
            x,
            0,
            1e-7,
          );
        });
      }
      expect(() => identityKernel(2, 4)).to.throw(/odd/);
    });

    it('BN-and-pad fills the border with the BN response to zero (eval: running, train: batch statistics)', () => {
      const rng = new Rng(seed + 60);
      const c = 3;
      const p = 2;
      const bn = new BnAndPad(c, p);
      const st = randomBn(rng, c);
      tf.tidy(() => {
        bn.weight.assign(tf.tensor1d(st.gamma));
        bn.bias.assign(tf.tensor1d(st.beta));
        bn.runningMean.assign(tf.tensor1d(st.mean));
        bn.runningVar.assign(tf.tensor1d(st.variance));
      });
      const x = randomArr(rng, [2, 4, 3, c]);
      const zeros = new Float32Array(c);
      // eval: BN(zero-padded x) with running statistics
      bn.eval();
      tf.tidy(() => expectArrayClose(bn.forward(tensor(x)), bnLoop(padWith(x, p, zeros), st.gamma, st.beta, st.mean, st.variance, 1e-5), 1e-5, 1e-5, 'eval'));
      // train: BN(zero-padded x) with x's batch statistics (biased variance)
      const n = x.data.length / c;
      const mean = new Float32Array(c);
      const variance = new Float32Array(c);
      x.data.forEach((v, i) => (mean[i % c] += v / n));
      x.data.forEach((v, i) => (variance[i % c] += (v - mean[i % c]) ** 2 / n));
      bn.train();
      tf.tidy(() => expectArrayClose(bn.forward(tensor(x)), bnLoop(padWith(x, p, zeros), st.gamma, st.beta, mean, variance, 1e-5), 1e-4, 1e-5, 'train'));
      bn.dispose();
    });
  });
}
