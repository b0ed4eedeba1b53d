// The filter gradient of strided 1×1 convs on the `tensorflow` backend, which our kernel computes
// without TensorFlow's Conv2DBackpropFilter (oneDNN corrupts the heap there with fewer than 16 input
// channels): against the cpu backend and a brute-force reference over random shapes, strides,
// channels, padding and channel groups. Skipped, saying why, without tfjs-node.
import * as tf from '@tensorflow/tfjs-core';
import { backend_util } from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { initBackend } from '@dyrep/backend';
import { relError } from './helpers/compare';
import { Prng, testSeed } from './helpers/prng';
import { referenceGrads } from './helpers/reference-conv';
import { tensorflowOrSkip } from './helpers/tensorflow-or-skip';

const SEED = testSeed(20261201);
const N_RANDOM = 40;
const TOLERANCE = 1e-5;

type Pad = 'same' | 'valid' | backend_util.ExplicitPadding;

interface Case {
  name: string;
  xShape: [number, number, number, number];
  outChannels: number;
  strides: [number, number];
  pad: Pad;
  /** Channel groups, computed as @dyrep/nn does (split, conv per group, concat). */
  groups: number;
}

function randomCase(rng: Prng, id: number): Case {
  const groups = rng.pick([1, 1, 1, 2, 3]);
  const cin = groups * rng.int(1, groups === 1 ? 20 : 8);
  const outChannels = groups * rng.int(1, groups === 1 ? 24 : 8);
  const strides = rng.pick<[number, number]>([
    [2, 2],
    [2, 2],
    [2, 1],
    [1, 2],
    [3, 3],
    [4, 4],
    [2, 3],
  ]);
  const kind = id % 3;
  const pad: Pad =
    kind === 0
      ? 'valid'
      : kind === 1
        ? 'same'
        : [
            [0, 0],
            [rng.int(0, 2), rng.int(0, 2)],
            [rng.int(0, 2), rng.int(0, 2)],
            [0, 0],
          ];
  const xShape: Case['xShape'] = [rng.int(1, 4), rng.int(1, 20), rng.int(1, 20), cin];
  return { name: `#${id}: x [${xShape}], ${cin} -> ${outChannels}, strides [${strides}], pad ${JSON.stringify(pad)}, groups ${groups}`, xShape, outChannels, strides, pad, groups };
}

const CASES: Case[] = [
  // The shapes that crash TensorFlow 2.21 with oneDNN on when its own kernel runs (AVX-512).
  { name: 'training size: x [32, 28, 28, 8], 8 -> 16, strides 2, valid', xShape: [32, 28, 28, 8], outChannels: 16, strides: [2, 2], pad: 'valid', groups: 1 },
  { name: 'training size: x [32, 28, 28, 3], 3 -> 16, strides [2, 1], valid', xShape: [32, 28, 28, 3], outChannels: 16, strides: [2, 1], pad: 'valid', groups: 1 },
  {
    name: 'training size, groups 2: x [32, 28, 28, 16], 16 -> 32, strides 2, explicit zeros',
    xShape: [32, 28, 28, 16],
    outChannels: 32,
    strides: [2, 2],
    pad: [
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ],
    groups: 2,
  },
  // ResNet-18 width 0.25's downsample (16 input channels), explicit padding 1 (not in @dyrep/nn, but legal).
  { name: 'x [16, 32, 32, 16], 16 -> 32, strides 2, valid', xShape: [16, 32, 32, 16], outChannels: 32, strides: [2, 2], pad: 'valid', groups: 1 },
  {
    name: 'x [2, 9, 7, 5], 5 -> 6, strides 2, explicit pads 1',
    xShape: [2, 9, 7, 5],
    outChannels: 6,
    strides: [2, 2],
    pad: [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ],
    groups: 1,
  },
];
const rng = new Prng(SEED);
for (let id = 0; id < N_RANDOM; id++) CASES.push(randomCase(rng, id));

interface Data {
  x: number[];
  w: number[];
  dy: number[];
}

/** The forward as @dyrep/nn's conv2dGrouped computes it for a 1×1 kernel `[1, 1, cin/groups, cout]`. */
function conv(c: Case, x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  if (c.groups === 1) return tf.conv2d(x, w, c.strides, c.pad);
  const xs = tf.split(x, c.groups, 3) as tf.Tensor4D[];
  const ws = tf.split(w, c.groups, 3) as tf.Tensor4D[];
  return tf.concat(
    xs.map((xi, i) => tf.conv2d(xi, ws[i], c.strides, c.pad)),
    3,
  ) as tf.Tensor4D;
}

function info(c: Case): backend_util.Conv2DInfo {
  return backend_util.computeConv2DInfo(c.xShape, [1, 1, c.xShape[3], c.outChannels], c.strides, 1, c.pad);
}

function dataFor(c: Case, index: number): Data {
  const r = new Prng(SEED + 104729 * (index + 1));
  const i = info(c);
  const wShape = [1, 1, c.xShape[3] / c.groups, c.outChannels];
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  return { x: r.values(size(c.xShape)), w: r.values(size(wShape)), dy: r.values(size(i.outShape)) };
}

/** dx and dw of sum(conv(x, w) · dy) on the active backend; checks that nothing leaks, in tfjs or in the backend. */
function grads(c: Case, d: Data): { dx: Float32Array; dw: Float32Array } {
  const wShape: [number, number, number, number] = [1, 1, c.xShape[3] / c.groups, c.outChannels];
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = tf.engine().backend.numDataIds();
  const out = tf.tidy(() => {
    const x = tf.tensor4d(d.x, c.xShape);
    const w = tf.tensor4d(d.w, wShape);
    const dy = tf.tensor(d.dy, info(c).outShape);
    const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(c, a as tf.Tensor4D, b as tf.Tensor4D), dy)))([x, w]);
    return { dx: dx.dataSync() as Float32Array, dw: dw.dataSync() as Float32Array };
  });
  expect(tf.memory().numTensors, `${c.name}: tfjs tensors leaked`).to.equal(tensorsBefore);
  expect(tf.engine().backend.numDataIds(), `${c.name}: backend tensors leaked`).to.equal(dataBefore);
  return out;
}

/** Brute force, group by group (the reference conv has no groups). */
function bruteForce(c: Case, d: Data): { dx: Float64Array; dw: Float64Array } {
  const i = info(c);
  const [B, H, W, C] = c.xShape;
  const cg = C / c.groups;
  const og = c.outChannels / c.groups;
  const [, OH, OW] = i.outShape;
  const dx = new Float64Array(d.x.length);
  const dw = new Float64Array(d.w.length);
  for (let g = 0; g < c.groups; g++) {
    const pick = (values: number[], n: number, channels: number, per: number) => Float64Array.from({ length: n * per }, (_, k) => values[Math.floor(k / per) * channels + g * per + (k % per)]);
    const xg = pick(d.x, B * H * W, C, cg);
    const dyg = pick(d.dy, B * OH * OW, c.outChannels, og);
    const wg = Float64Array.from({ length: cg * og }, (_, k) => d.w[Math.floor(k / og) * c.outChannels + g * og + (k % og)]);
    const r = referenceGrads(
      {
        xShape: [B, H, W, cg],
        wShape: [1, 1, cg, og],
        dyShape: [B, OH, OW, og],
        strides: c.strides,
        dilations: [1, 1],
        padTop: i.padInfo.top,
        padLeft: i.padInfo.left,
        depthwise: false,
      },
      xg,
      wg,
      dyg,
    );
    r.dx.forEach((v, k) => (dx[Math.floor(k / cg) * C + g * cg + (k % cg)] = v));
    r.dw.forEach((v, k) => (dw[Math.floor(k / og) * c.outChannels + g * og + (k % og)] = v));
  }
  return { dx, dw };
}

describe('tensorflow: filter gradient of strided 1x1 convs (routed around oneDNN) against cpu and brute force', function () {
  this.timeout(300000);
  const onCpu = new Map<string, { dx: Float32Array; dw: Float32Array }>();

  before(async function () {
    await tensorflowOrSkip(this, 'the strided 1x1 filter-gradient block');
    // The cpu results first, so the cases below switch backends no further.
    await tf.setBackend('cpu');
    CASES.forEach((c, index) => onCpu.set(c.name, grads(c, dataFor(c, index))));
    await tf.setBackend('tensorflow');
  });

  after(async () => {
    await initBackend('wasm');
  });

  it("runs TensorFlow's MatMul, not its Conv2DBackpropFilter, for these gradients", () => {
    const b = tf.engine().backend as unknown as { executeSingleOutput(name: string, ...rest: unknown[]): unknown };
    const original = b.executeSingleOutput;
    const ops: string[] = [];
    b.executeSingleOutput = function (this: unknown, name: string, ...rest: unknown[]) {
      ops.push(name);
      return original.call(this, name, ...rest);
    };
    try {
      grads(CASES[0], dataFor(CASES[0], 0));
    } finally {
      b.executeSingleOutput = original;
    }
    expect(ops).to.include('MatMul');
    expect(ops).to.include('Conv2DBackpropInput');
    expect(ops).not.to.include('Conv2DBackpropFilter');
  });

  CASES.forEach((c, index) => {
    it(c.name, () => {
      expect(tf.getBackend()).to.equal('tensorflow');
      const d = dataFor(c, index);
      const got = grads(c, d);
      const cpu = onCpu.get(c.name)!;
      const ref = bruteForce(c, d);
      expect(relError(got.dw, cpu.dw), 'dw vs cpu').to.be.at.most(TOLERANCE);
      expect(relError(got.dw, ref.dw), 'dw vs brute force').to.be.at.most(TOLERANCE);
      expect(relError(got.dx, cpu.dx), 'dx vs cpu').to.be.at.most(TOLERANCE);
      expect(relError(got.dx, ref.dx), 'dx vs brute force').to.be.at.most(TOLERANCE);
    });
  });
});
