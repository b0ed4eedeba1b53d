import { initBackend } from '@dyrep/backend';

/**
 * Activates the `tensorflow` backend for a mocha block, or skips the block with a printed reason
 * when tfjs-node is not installed; DYREP_TEST_TENSORFLOW=1 (tools/ci-tensorflow.sh) makes it
 * mandatory, so a missing or broken binding then fails the block instead.
 */
export async function tensorflowOrSkip(ctx: Mocha.Context, block: string): Promise<void> {
  try {
    const choice = await initBackend('tensorflow');
    console.log(`      (tensorflow: ${choice.package}, ${choice.reason}; TF_ENABLE_ONEDNN_OPTS=${process.env.TF_ENABLE_ONEDNN_OPTS})`);
  } catch (err) {
    if (process.env.DYREP_TEST_TENSORFLOW === '1') throw err;
    console.log(
      `      SKIPPED ${block}: ${(err as Error).message.split('. ')[0]}. ` +
        'Install it with `npx dyrep-tensorflow-installer install --pip tensorflow_cpu==2.21.0` (docs/backends.md); ' +
        'DYREP_TEST_TENSORFLOW=1 makes this block mandatory.',
    );
    ctx.skip();
  }
}
