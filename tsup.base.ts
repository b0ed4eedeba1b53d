import type { Options } from 'tsup';

/** Shared tsup settings: ESM + CJS + .d.ts from src/index.ts; dependencies stay external. */
export const baseConfig: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@dyrep\//],
};
