import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.base';

// Two entries: the browser-safe contract (`.`) and the Node-only storage and file utilities (`./node`).
export default defineConfig({ ...baseConfig, entry: { index: 'src/index.ts', node: 'src/node/index.ts' } });
