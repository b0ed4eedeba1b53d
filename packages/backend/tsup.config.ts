import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// import.meta.url in the CJS build too (src/wasm-threads.ts finds wasm/pthread-worker.cjs with it).
export default defineConfig({ ...baseConfig, shims: true });
