import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// The library plus the `dyrep-backend` command (dist/cli.js, with its shebang); types for the library only.
export default defineConfig({
  ...baseConfig,
  entry: ['src/index.ts', 'src/cli.ts'],
  dts: { entry: 'src/index.ts' },
});
