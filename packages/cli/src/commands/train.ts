import { Command } from 'commander';
import { addTrainFlags, trainFlags } from '../config/flags';
import { readConfigFile, resolveTrainConfig } from '../config/load-config';
import { runTraining, type TrainSummary } from '../run/training-run';
import { formatCount, formatPercent, textTable } from '../report/text-table';

/** The end-of-run table of `dyrep train`. */
export function formatTrainSummary(s: TrainSummary): string {
  const grows = s.events.filter((e) => e.type === 'grow').length;
  const cuts = s.events.filter((e) => e.type === 'cut').length;
  const rows: (string | number)[][] = [
    ['test accuracy (top-1)', formatPercent(s.testAccuracy)],
    ['test accuracy (top-5)', formatPercent(s.testTop5)],
    ['epochs', s.epochs],
    ['seconds per epoch (mean)', (s.secondsPerEpoch.reduce((a, b) => a + b, 0) / Math.max(1, s.secondsPerEpoch.length)).toFixed(1)],
    ['params: training structure', formatCount(s.params.train)],
    ['params: deployed', formatCount(s.params.deploy)],
    ['MFLOPs: training structure', (s.flops.train / 1e6).toFixed(2)],
    ['MFLOPs: deployed', (s.flops.deploy / 1e6).toFixed(2)],
    ['structure changes', `${grows} grow, ${cuts} cut`],
    ['deploy max rel |Δ|', s.deployMaxRelDiff.toExponential(2)],
    ['backend', s.backend],
    ...Object.entries(s.exports).map(([k, v]) => [`export (${k})`, v]),
  ];
  return textTable([`${s.model} · ${s.policy} · ${s.dataset}`, ''], rows);
}

/** `dyrep train`. */
export function trainCommand(): Command {
  const cmd = new Command('train').description('train a network with a DyRep, static or no re-parameterization policy');
  cmd.option('--config <file>', 'YAML or JSON config file (flags override it)');
  cmd.option('--force', 'replace an existing run in --out');
  addTrainFlags(cmd);
  cmd.action(async (opts: Record<string, unknown>) => {
    const file = opts.config ? readConfigFile(String(opts.config)) : {};
    const config = resolveTrainConfig(file, trainFlags(opts));
    const summary = await runTraining(config, { overwrite: Boolean(opts.force) });
    process.stdout.write(`${formatTrainSummary(summary)}\n`);
  });
  return cmd;
}
