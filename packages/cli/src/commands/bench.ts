import { Command } from 'commander';
import { initBackend } from '@dyrep/backend';
import { addTrainFlags, trainFlags } from '../config/flags';
import { ConfigError, readConfigFile, resolveTrainConfig } from '../config/load-config';
import { checkPolicyOptions } from '../config/policy-options';
import { TRAIN_OPTION_NAMES } from '../config/schema';
import { runBench } from '../run/bench-run';
import { checkNames } from '../run/training-run';
import { benchTable } from '../report/bench-table';
import { textTable } from '../report/text-table';
import { globalOptions } from '../global-options';

/** Where bench writes unless told otherwise. */
const BENCH_DEFAULTS = { out: 'runs/bench' };

/**
 * The train flags of `dyrep bench`: all but --policy (it trains --policies), --resume (its runs
 * start fresh) and --export (its runs export nothing), which would do nothing here.
 */
const BENCH_OPTIONS = TRAIN_OPTION_NAMES.filter((k) => k !== 'policy' && k !== 'resume' && k !== 'export');

/** `dyrep bench`. */
export function benchCommand(): Command {
  const cmd = new Command('bench').description('train several policies side by side on the same data, seed and epochs; print a table and write report.html');
  cmd.option('--config <file>', 'YAML or JSON config file (flags override it)');
  cmd.option('--policies <list>', 'comma-separated policies', 'none,dbb,dyrep');
  cmd.option('--force', 'replace existing runs in --out');
  addTrainFlags(cmd, BENCH_OPTIONS, BENCH_DEFAULTS);
  cmd.action(async (opts: Record<string, unknown>, self: Command) => {
    const file = opts.config ? readConfigFile(String(opts.config)) : {};
    const flags = trainFlags(opts, BENCH_OPTIONS);
    const config = resolveTrainConfig(BENCH_DEFAULTS, file, flags);
    const policies = String(opts.policies)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!policies.length) throw new ConfigError('option --policies is empty');
    for (const policy of policies) checkNames({ ...config, policy });
    checkPolicyOptions(flags, policies);
    await initBackend(config.backend);
    const { plugin, logInterval } = globalOptions(self);
    const result = await runBench(config, { policies, overwrite: Boolean(opts.force), plugins: plugin, logIntervalSeconds: logInterval });
    const { header, rows } = benchTable(result.entries);
    process.stdout.write(`${textTable(header, rows)}\n\nreport: ${result.report}\nresults: ${result.json}\n`);
  });
  return cmd;
}
