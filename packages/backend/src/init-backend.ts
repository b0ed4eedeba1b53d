import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';

/** A backend name accepted by {@link initBackend}. */
export type BackendName = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** What {@link initBackend} chose and why. */
export interface BackendChoice {
  /** The tfjs backend now active: `tensorflow`, `wasm` or `cpu`. */
  backend: string;
  /** The npm package that provides it. */
  package: string;
  /** One sentence on why this backend was chosen. */
  reason: string;
}

const require = createRequire(import.meta.url);

function tryRequire(name: string): boolean {
  try {
    require(name);
    return true;
  } catch {
    return false;
  }
}

/** Selects and initialises the tfjs backend; `auto` prefers tfjs-node-gpu, then tfjs-node, then wasm. */
export async function initBackend(name: BackendName = 'auto'): Promise<BackendChoice> {
  let choice: BackendChoice;
  if (name === 'cpu') {
    choice = { backend: 'cpu', package: '@tensorflow/tfjs-backend-cpu', reason: 'requested' };
  } else if (name === 'wasm') {
    choice = { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', reason: 'requested' };
  } else {
    throw new Error(`backend '${name}' is not available yet`);
  }
  const ok = await tf.setBackend(choice.backend);
  if (!ok) throw new Error(`tfjs could not initialise backend '${choice.backend}'`);
  await tf.ready();
  return choice;
}
