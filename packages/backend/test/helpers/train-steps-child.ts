// Run by wasm-threads.test.ts in a fresh process (the wasm thread count is fixed per process):
// `train-steps-child.ts <threads> <seed> <steps>` prints the JSON of trainSteps on wasm. It must
// exit by itself: the pthreads may not keep the process alive.
import { initBackend } from '@dyrep/backend';
import { trainSteps } from './train-steps';

const [threads, seed, steps] = process.argv.slice(2).map(Number);
const choice = await initBackend('wasm', { threads });
process.stdout.write(JSON.stringify({ threads: choice.threads, ...trainSteps(seed, steps) }));
