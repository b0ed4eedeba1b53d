import type * as tf from '@tensorflow/tfjs-core';
import * as tfc from '@tensorflow/tfjs-core';
import { Module } from './module';

/** Applies children in order. Positional children are named `0`, `1`, …; pass an object for named ones. */
export class Sequential extends Module {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    super();
    const entries: [string, Module][] =
      modules.length === 1 && !(modules[0] instanceof Module) ? Object.entries(modules[0] as Record<string, Module>) : (modules as Module[]).map((m, i) => [String(i), m]);
    for (const [name, m] of entries) this.registerModule(name, m);
  }

  /** Appends a child under the next free positional name (or `name`). */
  append(module: Module, name = String(this.namedChildren().length)): this {
    this.registerModule(name, module);
    return this;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tfc.tidy(() => {
      let y = x;
      for (const [, m] of this.namedChildren()) y = m.forward(y);
      return y === x ? tfc.clone(x) : y;
    });
  }
}
