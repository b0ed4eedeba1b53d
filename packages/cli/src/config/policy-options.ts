import type { TrainConfig } from './schema';
import { ConfigError, flagName } from './load-config';

/** Options that only some policies read; setting one for another policy would silently do nothing. */
const POLICY_OPTIONS: Partial<Record<keyof TrainConfig, readonly string[]>> = {
  metric: ['dyrep'],
  adjustInterval: ['dyrep'],
  maxAdjustEpochs: ['dyrep'],
  topK: ['dyrep'],
  recalBnBatches: ['dyrep'],
  cutMinStd: ['dyrep'],
  cutMaxWeight: ['dyrep'],
};

/**
 * Refuses flags that none of `policies` reads, e.g. `--metric synflo --policy dbb`, in one line
 * naming the option and the policies that use it. Pass only the command-line flags: a shared
 * config file may hold settings of other policies (a preset run once with `--policy none`).
 */
export function checkPolicyOptions(given: Partial<TrainConfig>, policies: readonly string[]): void {
  const idle = Object.entries(POLICY_OPTIONS)
    .filter(([name, users]) => given[name as keyof TrainConfig] !== undefined && !policies.some((p) => users!.includes(p)))
    .map(([name, users]) => `${flagName(name)} ${JSON.stringify(given[name as keyof TrainConfig])} (read only by ${users!.join(', ')})`);
  if (idle.length) {
    throw new ConfigError(
      `option${idle.length > 1 ? 's' : ''} ${idle.join(', ')} would do nothing with --policy ${policies.join(',')}; remove ${idle.length > 1 ? 'them' : 'it'} or choose a policy that uses ${idle.length > 1 ? 'them' : 'it'}`,
    );
  }
}
