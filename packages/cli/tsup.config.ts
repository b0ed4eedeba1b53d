import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// The library (ESM + CJS; `shims` gives the CJS build an import.meta.url for locating the bench
// child entry) plus two ESM entries: the `dyrep` command and the child process `dyrep bench` spawns.
export default defineConfig([
  { ...baseConfig, shims: true },
  { ...baseConfig, entry: ['src/bin.ts', 'src/train-child.ts'], format: ['esm'], dts: false, clean: false },
]);
