import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// The library (ESM + CJS + types) plus the `dyrep-tensorflow-installer` command (dist/cli.js, ESM, with its shebang).
export default defineConfig([baseConfig, { ...baseConfig, entry: ['src/cli.ts'], format: ['esm'], dts: false, clean: false }]);
