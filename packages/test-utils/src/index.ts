// Shared test helpers for dyrep-ts packages (private).
export { useBackend } from './use-backend';
export { expectClose, maxAbsDiff } from './tensor-matchers';
export { expectNoLeak } from './leak-check';
