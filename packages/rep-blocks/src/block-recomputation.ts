let enabled = false;

/**
 * Turns gradient checkpointing of rep-blocks on or off (default off). On, a training-mode rep-block
 * keeps only its input on the gradient tape and recomputes its branches during the backward pass
 * (`recomputeInBackward` of @dyrep/nn): the intermediate tensors of all its branches — convs, BNs,
 * BN-and-pad, average pools — then live one block at a time instead of for the whole step, at the
 * cost of a second forward pass through each block. Values, gradients and running statistics are
 * the same either way. Forward hooks on modules inside a block see its forward twice. Returns the
 * previous setting.
 */
export function setBlockRecomputation(on: boolean): boolean {
  if (typeof on !== 'boolean') throw new Error(`setBlockRecomputation: expected true or false, got ${String(on)}`);
  const previous = enabled;
  enabled = on;
  return previous;
}

/** Whether rep-blocks recompute their branches in the backward pass now. */
export function blockRecomputation(): boolean {
  return enabled;
}
