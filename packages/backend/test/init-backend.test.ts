import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { createRequire } from 'node:module';
import { initBackend, registerWasmTrainingKernels, unregisterWasmTrainingKernels, tensorflowTrainingKernelConfigs, TFJS_NODE, TFJS_NODE_GPU } from '@dyrep/backend';
import { defaultOneDnnOn, initBackendWith } from '../src/init-backend';
import type { BackendProbes } from '../src/init-backend';
import { importOptional } from '../src/internal/optional-module';
import type { OptionalImport } from '../src/internal/optional-module';

/** Whether tfjs-node (or -gpu) is installed here (resolved, not loaded): then the 'tensorflow' paths run for real. */
function tfjsNodeInstalled(): boolean {
  const req = createRequire(import.meta.url);
  return [TFJS_NODE, TFJS_NODE_GPU].some((p) => {
    try {
      req.resolve(`${p}/package.json`);
      return true;
    } catch {
      return false;
    }
  });
}

const MISSING: OptionalImport = { ok: false, missing: true, error: 'Cannot find package' };

/** Probes in which only the packages in `installed` load, and the GPU is visible when `gpu`. */
function fakeProbes(installed: Record<string, OptionalImport>, gpu: boolean) {
  const activated: string[] = [];
  const probes: BackendProbes = {
    importOptional: async (spec) => installed[spec] ?? MISSING,
    activate: async (name) => {
      activated.push(name);
      return name !== 'tensorflow' || Object.values(installed).some((r) => r.ok);
    },
    gpuVisible: () => gpu,
  };
  return { probes, activated };
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

describe('initBackend', () => {
  it('activates wasm, registers the training kernels and computes gradients there', async () => {
    const choice = await initBackend('wasm');
    expect(choice).to.include({ backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', gpu: false });
    expect(choice.reason).to.be.a('string').and.not.equal('');
    expect(tf.getBackend()).to.equal('wasm');
    for (const k of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput']) {
      expect(tf.getKernel(k, 'wasm'), k).to.not.equal(undefined);
    }
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(x)))(tf.tensor1d([1, 2, 3]));
    expect(Array.from(g.dataSync())).to.deep.equal([2, 4, 6]);
  });

  it('activates cpu', async () => {
    const choice = await initBackend('cpu');
    expect(choice.backend).to.equal('cpu');
    expect(tf.getBackend()).to.equal('cpu');
  });

  it("rejects 'tensorflow' without tfjs-node, saying how to install it", async function () {
    if (tfjsNodeInstalled()) {
      console.log('      (skipped: tfjs-node is installed here)');
      this.skip();
    }
    const err = await rejection(initBackend('tensorflow'));
    expect(err.message).to.contain(`${TFJS_NODE} is not installed`);
    expect(err.message).to.contain(`${TFJS_NODE_GPU} is not installed`);
    expect(err.message).to.contain(`npm install ${TFJS_NODE}@4.22.0`);
    expect(err.message).to.contain(`npm install ${TFJS_NODE_GPU}@4.22.0`);
  });

  it("'auto' prefers tfjs-node when it is installed and loads", async function () {
    if (!tfjsNodeInstalled()) {
      console.log('      (skipped: tfjs-node is not installed here)');
      this.skip();
    }
    const choice = await initBackend('auto');
    expect(choice.backend, choice.reason).to.equal('tensorflow');
    expect(choice.reason).to.match(/^auto: /);
    expect(tf.getBackend()).to.equal('tensorflow');
    // The explicit-padding conv gradients tfjs-node lacks are in place.
    for (const k of ['Conv2DBackpropInput', 'Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter']) {
      expect(tensorflowTrainingKernelConfigs.map((c) => c.kernelName)).to.include(k);
      expect(tensorflowTrainingKernelConfigs).to.include(tf.getKernel(k, 'tensorflow'));
    }
    const w = tf.ones([3, 3, 2, 2]) as tf.Tensor4D;
    const g = tf.grad((x: tf.Tensor) =>
      tf.sum(
        tf.conv2d(x as tf.Tensor4D, w, 1, [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ]),
      ),
    )(tf.ones([1, 4, 4, 2]));
    expect(g.shape).to.deep.equal([1, 4, 4, 2]);
    tf.dispose([w, g]);
    await initBackend('wasm');
  });

  it("'auto' falls back to wasm here and says why", async function () {
    if (tfjsNodeInstalled()) {
      console.log('      (skipped: tfjs-node is installed here)');
      this.skip();
    }
    const choice = await initBackend('auto');
    expect(choice.backend).to.equal('wasm');
    expect(choice.reason)
      .to.match(/^auto: /)
      .and.contain('not installed');
    expect(tf.getBackend()).to.equal('wasm');
  });

  it('is silent by default and reports through options.log', async () => {
    const original = console.info;
    const printed: unknown[] = [];
    console.info = (...args: unknown[]) => printed.push(args);
    try {
      await initBackend('cpu');
      expect(printed).to.have.length(0);
      await initBackend('cpu', { log: true });
      expect(printed).to.have.length(1);
    } finally {
      console.info = original;
    }
    const lines: string[] = [];
    await initBackend('wasm', { log: (l) => lines.push(l) });
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain("'wasm'");
  });

  it('rejects an unknown name', async () => {
    const err = await rejection(initBackend('webgpu' as never));
    expect(err.message).to.contain("unknown backend 'webgpu'");
  });
});

describe('backend selection logic (fake tfjs-node probes; no GPU on this machine)', () => {
  const ok: OptionalImport = { ok: true, module: {} };

  it('auto takes tfjs-node-gpu when it loads and sees a GPU', async () => {
    const { probes, activated } = fakeProbes({ [TFJS_NODE_GPU]: ok, [TFJS_NODE]: ok }, true);
    const choice = await initBackendWith('auto', {}, probes);
    expect(choice).to.include({ backend: 'tensorflow', package: TFJS_NODE_GPU, gpu: true });
    expect(activated).to.deep.equal(['tensorflow']);
  });

  it('auto keeps tfjs-node-gpu on the CPU when it sees no GPU (loading tfjs-node too would clash)', async () => {
    const { probes } = fakeProbes({ [TFJS_NODE_GPU]: ok }, false);
    const choice = await initBackendWith('auto', {}, probes);
    expect(choice).to.include({ backend: 'tensorflow', package: TFJS_NODE_GPU, gpu: false });
    expect(choice.reason).to.contain('sees no GPU');
  });

  it('auto takes tfjs-node when tfjs-node-gpu is absent', async () => {
    const { probes } = fakeProbes({ [TFJS_NODE]: ok }, false);
    const choice = await initBackendWith('auto', {}, probes);
    expect(choice).to.include({ backend: 'tensorflow', package: TFJS_NODE, gpu: false });
    expect(choice.reason).to.contain(`${TFJS_NODE_GPU} is not installed`);
  });

  it('reports a package that is installed but fails to load', async () => {
    const broken: OptionalImport = { ok: false, missing: false, error: 'libtensorflow.so.2: cannot open shared object file' };
    const { probes } = fakeProbes({ [TFJS_NODE]: broken }, false);
    const err = await rejection(initBackendWith('tensorflow', {}, probes));
    expect(err.message).to.contain(`${TFJS_NODE} is installed but failed to load (libtensorflow.so.2`);
  });

  it('importOptional tells a missing package apart', async () => {
    const r = await importOptional('@dyrep/this-package-does-not-exist');
    expect(r.ok).to.equal(false);
    expect(!r.ok && r.missing).to.equal(true);
  });
});

describe('defaultOneDnnOn', () => {
  it("turns TensorFlow's oneDNN ops on unless the user chose", () => {
    const unset: NodeJS.ProcessEnv = {};
    defaultOneDnnOn(unset);
    expect(unset.TF_ENABLE_ONEDNN_OPTS).to.equal('1');
    const chosen: NodeJS.ProcessEnv = { TF_ENABLE_ONEDNN_OPTS: '0' };
    defaultOneDnnOn(chosen);
    expect(chosen.TF_ENABLE_ONEDNN_OPTS).to.equal('0');
  });
});

describe('registerWasmTrainingKernels', () => {
  it('is idempotent, does not warn, and unregister restores tfjs-backend-wasm kernels', async () => {
    await initBackend('wasm');
    const ours = tf.getKernel('Conv2DBackpropInput', 'wasm');
    const warnings: unknown[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => warnings.push(args);
    try {
      registerWasmTrainingKernels();
      registerWasmTrainingKernels();
      expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).to.equal(ours);
      unregisterWasmTrainingKernels();
      const builtin = tf.getKernel('Conv2DBackpropInput', 'wasm');
      expect(builtin).to.not.equal(undefined).and.not.equal(ours);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).to.equal(undefined);
      // The restored built-in kernel is set up and runs.
      const dx = tf.conv2dTranspose(tf.ones([1, 2, 2, 1]) as tf.Tensor4D, tf.ones([3, 3, 1, 1]) as tf.Tensor4D, [1, 4, 4, 1], 2, 'same');
      expect(dx.shape).to.deep.equal([1, 4, 4, 1]);
      dx.dispose();
      registerWasmTrainingKernels();
      expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).to.equal(ours);
    } finally {
      console.warn = original;
    }
    expect(warnings).to.have.length(0);
  });
});
