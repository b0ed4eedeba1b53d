import { initBackend, type BackendName } from '@dyrep/backend';

/** Registers a mocha `before` hook that activates the given tfjs backend for the enclosing suite. */
export function useBackend(name: Exclude<BackendName, 'auto' | 'tensorflow'> = 'wasm'): void {
  before(async () => {
    await initBackend(name);
  });
}
