// Public API of @dyrep/backend.
export { initBackend } from './init-backend';
export type { BackendName, BackendChoice } from './init-backend';
