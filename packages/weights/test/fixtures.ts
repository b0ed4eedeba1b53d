// The PyTorch-made fixtures (tools/weights/make-fixtures.py) and helpers to run them.
import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSafetensors, readFloat32, type SafetensorsFile } from '@dyrep/weights';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** One case of fixtures.json. */
export interface FixtureCase {
  name: string;
  model: string;
  width: number;
  numClasses: number;
  inChannels: number;
  size: number;
  weights: string;
  io: string;
  adaptStem?: boolean;
}

/** The cases of a fixtures directory's `fixtures.json` (the committed ones by default; CI makes full-size ones). */
export function loadCases(dir = FIXTURES): FixtureCase[] {
  return JSON.parse(readFileSync(join(dir, 'fixtures.json'), 'utf8')).cases;
}

export const CASES: FixtureCase[] = loadCases();

/** Bytes of a fixture file. */
export function fixtureBytes(file: string, dir = FIXTURES): Uint8Array {
  return new Uint8Array(readFileSync(join(dir, file)));
}

/** A parsed fixture file. */
export function fixture(file: string, dir = FIXTURES): SafetensorsFile {
  return parseSafetensors(fixtureBytes(file, dir), file);
}

/** The case's input as NHWC and PyTorch's logits. */
export function io(c: FixtureCase, dir = FIXTURES): { x: tf.Tensor4D; logits: Float32Array } {
  const f = fixture(c.io, dir);
  const shape = f.tensors.get('input')!.shape;
  const x = tf.tidy(() => tf.transpose(tf.tensor4d(readFloat32(f, 'input'), shape as [number, number, number, number]), [0, 2, 3, 1]));
  return { x, logits: readFloat32(f, 'logits') };
}

/** max |a − b| / max |b|. */
export function relativeDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}
