// Shared test helpers for dyrep-ts packages (private; the public plugin harness is @dyrep/testing).
export { useBackend } from './use-backend';
export { expectClose, expectArrayClose, maxAbsDiff } from './tensor-matchers';
export { expectNoLeak } from './leak-check';
export { refConv2d, refPool2d } from './reference-ops';
export type { Arr } from './reference-ops';
export { randomArr } from './random-arrays';
export { randomizeBatchNorms } from './randomize-batch-norms';
