// `dyrep train --pretrained` and `dyrep export --pretrained | --format safetensors`, end to end in fresh processes.
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCheckpointFile } from '@dyrep/trainer/node';
import { useBackend } from '@dyrep/test-utils';
import { IMAGENET_NORMALIZATION, parseSafetensors, readFloat32 } from '@dyrep/weights';
import type { ImageModel } from '@dyrep/models';
import { listRepBlocks } from '@dyrep/rep-blocks';
import { openExportedModel } from '../src/run/exported-model';
import { loadCheckpointModel } from '../src/run/checkpoint-model';
import { applyPretrained } from '../src/run/pretrained';
import { buildModel } from '../src/run/training-run';
import { dyrep } from './helpers/run-dyrep';

const here = dirname(fileURLToPath(import.meta.url));
const tiny = resolve(here, '..', 'configs', 'fashion-mnist-tiny.yaml');
const fixtures = resolve(here, '..', '..', 'weights', 'test', 'fixtures');
const r18 = join(fixtures, 'resnet18.safetensors');

/** `file`'s bytes with its JSON header edited (the tensor data unchanged): a file that lies. */
function withHeader(file: string, edit: (header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>) => void): Buffer {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + length).toString('utf8'));
  edit(header);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([prefix, json, bytes.subarray(8 + length)]);
}

/** The four kinds of bad weights files the issue names, made from the resnet18 fixture in `dir`. */
function badFiles(dir: string): Record<'truncated' | 'lying' | 'dtype' | 'architecture', string> {
  const files = { truncated: join(dir, 'truncated.safetensors'), lying: join(dir, 'lying.safetensors'), dtype: join(dir, 'dtype.safetensors'), architecture: join(fixtures, 'vgg16_bn.safetensors') };
  writeFileSync(files.truncated, readFileSync(r18).subarray(0, 100_000));
  writeFileSync(
    files.lying,
    withHeader(r18, (h) => {
      h['layer1.0.conv1.weight'].data_offsets[1] += 4; // overlaps the next tensor
    }),
  );
  writeFileSync(
    files.dtype,
    withHeader(r18, (h) => {
      h['conv1.weight'].dtype = 'F8_E4M3';
    }),
  );
  return files;
}

const BAD_FILE_MESSAGES: Record<keyof ReturnType<typeof badFiles>, RegExp> = {
  truncated: /^dyrep: .*truncated\.safetensors: tensor '.*': data_offsets \[\d+, \d+\] reach past the end of the data/,
  lying: /^dyrep: .*lying\.safetensors: tensor 'layer1\.0\.conv1\.weight': /,
  dtype: /^dyrep: .*dtype\.safetensors: tensor 'conv1\.weight' has dtype F8_E4M3, which is not supported/,
  architecture: /^dyrep: .*vgg16_bn\.safetensors: does not fit resnet18 .*missing.*unexpected/,
};

const relDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / s;
};

/** `r` exited with `code` and wrote exactly one `dyrep: ` line on stderr, the last one, matching `message`. */
function expectOneLineRefusal(r: { code: number; stderr: string }, code: number, message: RegExp, label: string): void {
  expect(r.code, label).to.equal(code);
  const lines = r.stderr.trim().split('\n');
  expect(
    lines.filter((l) => l.startsWith('dyrep: ')),
    r.stderr,
  ).to.have.length(1);
  expect(lines[lines.length - 1]).to.match(message);
}

describe('pretrained weights through the dyrep command', function () {
  this.timeout(300000);
  useBackend('wasm');
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'dyrep-weights-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("export --pretrained converts a PyTorch checkpoint: the ONNX file gives PyTorch's logits, safetensors gives the file back", async () => {
    const onnx = join(dir, 'r18.onnx');
    const r = await dyrep(['export', '--pretrained', r18, '--model', 'resnet18', '--width', '0.0625', '--input-size', '64', '--format', 'onnx', '--out', onnx, '--backend', 'wasm']);
    expect(r.code, r.stderr).to.equal(0);
    const io = parseSafetensors(new Uint8Array(readFileSync(join(fixtures, 'resnet18-64.io.safetensors'))));
    const shape = io.tensors.get('input')!.shape as [number, number, number, number];
    // The export takes [0, 1] pixels and normalises with ImageNet's statistics; PyTorch saw the normalised batch.
    const x01 = tf.tidy(() => {
      const x = tf.transpose(tf.tensor4d(readFloat32(io, 'input'), shape), [0, 2, 3, 1]);
      return tf.add(tf.mul(x, IMAGENET_NORMALIZATION.std as number[]), IMAGENET_NORMALIZATION.mean as number[]) as tf.Tensor4D;
    });
    const model = await openExportedModel(onnx);
    const y = await model.predict(x01);
    expect(relDiff(y.dataSync(), readFloat32(io, 'logits'))).to.be.below(1e-4);
    tf.dispose([x01, y]);
    model.dispose();

    const back = join(dir, 'r18.safetensors');
    const s = await dyrep(['export', '--pretrained', r18, '--model', 'resnet18', '--width', '0.0625', '--input-size', '64', '--format', 'safetensors', '--out', back]);
    expect(s.code, s.stderr).to.equal(0);
    const original = parseSafetensors(new Uint8Array(readFileSync(r18)));
    const written = parseSafetensors(new Uint8Array(readFileSync(back)));
    expect([...written.tensors.keys()].sort()).to.deep.equal([...original.tensors.keys()].sort());
    for (const k of original.tensors.keys()) {
      if (!k.endsWith('num_batches_tracked')) expect(relDiff(readFloat32(written, k), readFloat32(original, k)), k).to.be.below(1e-5);
    }
  });

  it('train --pretrained FILE --reset-head --adapt-stem fine-tunes, stores the normalisation, exports safetensors; a run starts from that run (grown) or its export (fused) with its logits', async function () {
    this.timeout(900000); // five fresh processes
    const out = join(dir, 'ft');
    const common = ['--config', tiny, '--stem', 'imagenet', '--backend', 'wasm'];
    const r = await dyrep(['train', ...common, '--pretrained', r18, '--reset-head', '--adapt-stem', '--export', 'onnx,safetensors', '--out', out]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/pretrained: .*resnet18\.safetensors \(\d+ tensors; classifier reset; stem adapted 3 → 1 channels\)/);
    const meta = readCheckpointFile(join(out, 'checkpoint', 'last.ckpt')).meta as { meta: { normalization: { mean: number[]; std: number[] } } };
    const grey = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    expect(meta.meta.normalization.mean[0]).to.be.closeTo(grey(IMAGENET_NORMALIZATION.mean), 1e-9);
    expect(meta.meta.normalization.std[0]).to.be.closeTo(grey(IMAGENET_NORMALIZATION.std), 1e-9);
    const exported = parseSafetensors(new Uint8Array(readFileSync(join(out, 'export', 'model.safetensors'))));
    expect(exported.tensors.get('conv1.weight')!.shape).to.deep.equal([4, 1, 7, 7]);
    expect(exported.tensors.get('fc.weight')!.shape).to.deep.equal([10, 32]);
    expect(JSON.parse(exported.metadata['dyrep.normalization']).mean[0]).to.be.closeTo(grey(IMAGENET_NORMALIZATION.mean), 1e-9);
    // eval uses the run's (pretrained) normalisation: the checkpoint and the ONNX export score the same.
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    for (const source of [
      ['--checkpoint', out],
      ['--model', join(out, 'export', 'model.onnx')],
    ]) {
      const e = await dyrep(['eval', ...source, '--test-limit', '128', '--backend', 'wasm']);
      expect(e.code, e.stderr).to.equal(0);
      expect(JSON.parse(e.stdout.trim().split('\n').pop()!).top1, source.join(' ')).to.equal(summary.testAccuracy);
    }
    expect(summary.events.filter((e: { type: string }) => e.type === 'grow').length, 'the first run grew').to.be.greaterThan(0);
    const next = await dyrep(['train', ...common, '--epochs', '1', '--pretrained', out, '--out', join(dir, 'ft2'), '--export', '']);
    expect(next.code, next.stderr).to.equal(0);
    expect(next.stderr).to.match(/pretrained: run checkpoint .*last\.ckpt \(\d+ grown block\(s\) kept\)/);
    const fused = join(out, 'export', 'model.safetensors');
    const fromFused = await dyrep(['train', ...common, '--epochs', '1', '--pretrained', fused, '--out', join(dir, 'ft3'), '--export', '']);
    expect(fromFused.code, fromFused.stderr).to.equal(0);
    expect(fromFused.stderr).to.match(/pretrained: .*model\.safetensors \(\d+ tensors\)/);

    // In process: the new run's starting model computes the source run's function, with the grown
    // blocks rebuilt (bit for bit) or from the fused export (float32 reordering only).
    const source = loadCheckpointModel(out);
    const facts = { classNames: source.classNames, inputShape: source.inputShape };
    const x = tf.randomUniform([4, ...source.inputShape], 0, 1, 'float32', 7);
    const reference = tf.tidy(() => (source.model.forward(x) as tf.Tensor).dataSync() as Float32Array);
    for (const [pretrained, tolerance] of [
      [out, 0],
      [fused, 1e-5],
    ] as const) {
      const config = { ...source.config, pretrained, resetHead: false, adaptStem: false };
      const model = buildModel(config, facts) as ImageModel;
      const start = applyPretrained(model, config);
      expect(start.normalization, pretrained).to.deep.equal(source.normalization);
      const y = tf.tidy(() => (model.eval().forward(x) as tf.Tensor).dataSync() as Float32Array);
      expect(relDiff(y, reference), `${pretrained} vs the source run`).to.be.at.most(tolerance);
      expect(listRepBlocks(model).length, pretrained).to.equal(pretrained === out ? listRepBlocks(source.model).length : 0);
      model.dispose();
    }
    expect(listRepBlocks(source.model).length, 'the source run kept grown blocks').to.be.greaterThan(0);
    x.dispose();
    source.model.dispose();
  });

  it('train --pretrained answers bad weights (truncated, lying offsets, wrong dtype, wrong architecture, …) with one line naming the file or flag, and writes nothing', async function () {
    this.timeout(900000); // eight fresh processes
    const bad = badFiles(dir);
    // Exit code 2 for usage errors (a missing file, a model without a mapping), 1 when reading the weights fails.
    const cases: [string[], RegExp, number][] = [
      [
        ['--pretrained', r18],
        /^dyrep: .*resnet18\.safetensors: does not fit resnet18 .*conv1\.weight is \[4,3,7,7\] in the file, the model needs \[4,1,7,7\].*--adapt-stem.*fc\.weight is \[5,32\].*--reset-head/,
        1,
      ],
      [['--pretrained', join(dir, 'missing.safetensors')], /^dyrep: --pretrained '.*missing\.safetensors': no such file or directory$/, 2],
      [
        ['--pretrained', r18, '--model', 'vgg16', '--stem', 'cifar'],
        /^dyrep: no PyTorch mapping for model 'vgg16'; models with one: mobilenet_v1, repvgg_a0, resnet18, resnet34, resnet50, vgg16_bn$/,
        2,
      ],
      ...Object.entries(bad).map(([kind, file]): [string[], RegExp, number] => [['--pretrained', file, '--reset-head', '--adapt-stem'], BAD_FILE_MESSAGES[kind as keyof typeof bad], 1]),
    ];
    for (const [flags, message, code] of cases) {
      const out = join(dir, `bad-${flags.length}-${message.source.length}`);
      const r = await dyrep(['train', '--config', tiny, '--stem', 'imagenet', '--backend', 'wasm', '--train-limit', '64', '--test-limit', '32', '--out', out, ...flags]);
      expectOneLineRefusal(r, code, message, flags.join(' '));
      expect(existsSync(join(out, 'checkpoint')), `${flags.join(' ')} wrote a checkpoint`).to.equal(false);
    }
  });

  it('export --pretrained answers the same bad weights with one line naming the file, and writes nothing', async function () {
    this.timeout(600000); // five fresh processes
    const bad = badFiles(dir);
    const cases: [string, string[], RegExp, number][] = [
      ...(['truncated', 'lying', 'dtype', 'architecture'] as const).map((kind): [string, string[], RegExp, number] => [
        bad[kind],
        ['--format', 'onnx', '--num-classes', '5', '--in-channels', '3'],
        BAD_FILE_MESSAGES[kind],
        1,
      ]),
      // Without --num-classes/--in-channels they are read from the file's classifier and stem, which a VGG file does not have:
      // the flag names the wrong kind of file, a usage error.
      [
        bad.architecture,
        ['--format', 'safetensors'],
        /^dyrep: --pretrained '.*vgg16_bn\.safetensors': no 'fc\.weight' or 'conv1\.weight' in it, so it is not a torchvision\.models\.resnet18 checkpoint$/,
        2,
      ],
    ];
    for (const [file, flags, message, code] of cases) {
      const out = join(dir, `bad-export-${cases.findIndex((c) => c[0] === file && c[1] === flags)}.${flags[1]}`);
      const r = await dyrep(['export', '--pretrained', file, '--model', 'resnet18', '--width', '0.0625', '--input-size', '64', ...flags, '--out', out, '--backend', 'wasm']);
      expectOneLineRefusal(r, code, message, `${file} ${flags.join(' ')}`);
      expect(existsSync(out), `${file} ${flags.join(' ')} wrote ${out}`).to.equal(false);
    }
  });
});
