import { Command } from 'commander';
import { join } from 'node:path';
import { addTrainFlags, trainFlags } from '../config/flags';
import { readConfigFile, resolveTrainConfig } from '../config/load-config';
import { resumeConfig } from '../config/resume-config';
import { checkPolicyOptions } from '../config/policy-options';
import type { TrainConfig } from '../config/schema';
import { runTraining, type TrainSummary } from '../run/training-run';
import { textTable } from '../report/text-table';
import { trainSummaryRows } from '../report/train-summary';
import { globalOptions } from '../global-options';

/** The end-of-run table of `dyrep train`. */
function formatTrainSummary(s: TrainSummary): string {
  return textTable([`${s.model} · ${s.policy} · ${s.dataset}`, ''], trainSummaryRows(s));
}

/** `dyrep train`. */
export function trainCommand(): Command {
  const cmd = new Command('train').description('train a network with a DyRep, static or no re-parameterization policy');
  cmd.option('--config <file>', 'YAML or JSON config file (flags override it)');
  cmd.option('--force', 'replace an existing run in --out');
  cmd.addHelpText(
    'after',
    '\nWith --resume the run continues with the configuration saved in its checkpoint; only --epochs, --backend\nand --export may differ (more epochs re-plan the cosine schedule over the new length). See docs/getting-started.md.',
  );
  addTrainFlags(cmd);
  cmd.action(async (opts: Record<string, unknown>, self: Command) => {
    const file = opts.config ? readConfigFile(String(opts.config)) : {};
    const flags = trainFlags(opts);
    const given = { ...file, ...flags } as Partial<TrainConfig>;
    const config = given.resume ? resumeConfig(given) : resolveTrainConfig(given);
    checkPolicyOptions(flags, [config.policy]);
    const summary = await runTraining(config, { overwrite: Boolean(opts.force), logIntervalSeconds: globalOptions(self).logInterval });
    process.stdout.write(`${formatTrainSummary(summary)}\n\nreport: ${join(config.out, 'report.html')}\n`);
  });
  return cmd;
}
