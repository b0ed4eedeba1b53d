// Public API of @dyrep/testing: a harness for writing and testing trainer plugins.
export { fakeTrainerContext } from './fake-trainer-context';
export type { FakeTrainerContext, FakeTrainerContextOptions } from './fake-trainer-context';
export { hookRecorder } from './hook-recorder';
export type { HookRecorder } from './hook-recorder';
export { tinyConvNet } from './tiny-conv-net';
export { exactnessProbe } from './exactness-probe';
export type { ExactnessProbe } from './exactness-probe';
