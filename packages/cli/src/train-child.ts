// Entry of the child process that `trainInChild` spawns by file path (dist/train-child.js when
// built, this file under tsx), so that `dyrep bench` works from any working directory and its
// Node flags stay valid for worker threads (the wasm backend's threads inherit them).
// argv[2]: JSON of {@link TrainChildRequest}. Exit 0 when the run finished, 130/143 when a signal
// stopped it (checkpoint written), 1 with one line otherwise.
import { runTraining } from './run/training-run';
import { loadPlugins } from './run/load-plugins';
import type { TrainChildRequest } from './run/train-in-child';

const request = JSON.parse(process.argv[2] ?? '{}') as TrainChildRequest;
try {
  await loadPlugins(request.plugins);
  await runTraining(request.config, { overwrite: request.overwrite, logIntervalSeconds: request.logIntervalSeconds });
} catch (e) {
  process.stderr.write(`dyrep: ${(e as Error).message}\n`);
  const code = (e as { exitCode?: unknown }).exitCode;
  process.exitCode = typeof code === 'number' ? code : 1;
}
