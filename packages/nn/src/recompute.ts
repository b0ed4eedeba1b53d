import * as tf from '@tensorflow/tfjs-core';
import { withoutRunningStatUpdates } from './batch-norm2d';

/** The part of tfjs' engine state read and restored here (tfjs-core 4.x). */
interface TapeState {
  state: { activeTape: unknown; gradientDepth: number; kernelDepth: number };
}

/** Depth of recomputations running now (their forward passes must not checkpoint again). */
let recomputing = 0;

/** Whether tfjs records ops on a gradient tape right now (inside `tf.grads`/`variableGrads`, not inside a kernel). */
function tapeRecording(): boolean {
  const { state } = tf.engine() as unknown as TapeState;
  return state.gradientDepth > 0 && state.kernelDepth === 0;
}

/**
 * `tf.engine().gradients` called from inside a gradient function. tfjs starts a fresh tape when no
 * forward pass is being recorded and, when done, disposes it and sets the active tape to null; in
 * the backward pass of an outer gradient computation that would drop the outer tape, whose saved
 * tensors the outer computation still has to dispose. So the outer tape is put back afterwards.
 */
function gradientsInsideBackward(f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor): (tf.Tensor | undefined)[] {
  const engine = tf.engine() as unknown as TapeState & ReturnType<typeof tf.engine>;
  const outer = engine.state.activeTape;
  try {
    const { value, grads } = engine.gradients(f, xs, dy, true);
    value.dispose();
    return grads;
  } finally {
    engine.state.activeTape = outer;
  }
}

/**
 * `forward(x)` with gradient checkpointing: the gradient tape keeps only `x`, and the backward pass
 * runs `forward` again under a tape of its own (with running statistics not updated a second time)
 * to backpropagate through it, so the intermediate tensors of `forward` live only while its own
 * backward runs. Values and gradients equal those of `forward(x)` recorded directly; the cost is a
 * second forward pass. `params` must hold every trainable variable `forward` reads (others get no
 * gradient); `forward` must be deterministic (no dropout or other random ops). Outside a gradient
 * computation, and inside the recomputation of an enclosing checkpoint, it is plain `forward(x)`.
 */
export function recomputeInBackward(forward: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor, params: readonly tf.Variable[]): tf.Tensor {
  if (recomputing > 0 || !tapeRecording()) return forward(x);
  const trainable = params.filter((p) => p.trainable);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[args.length - 1] as tf.GradSaveFunc;
    save([input]);
    return {
      value: forward(input),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [xs] = saved;
        recomputing++;
        let grads: (tf.Tensor | undefined)[];
        try {
          grads = gradientsInsideBackward(() => withoutRunningStatUpdates(() => forward(xs)), [xs, ...trainable], dy as tf.Tensor);
        } finally {
          recomputing--;
        }
        return grads.map((g, i) => g ?? tf.zerosLike(i === 0 ? xs : trainable[i - 1]));
      },
    };
  });
  return op(x, ...trainable);
}
