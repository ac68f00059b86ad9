import { tf } from '@bml/core/tensor';

/** Copies of the variables at the best epoch so far. */
export class BestWeights {
  private copies: tf.Tensor[] | undefined;

  constructor(private readonly variables: tf.Variable[]) {}

  /** Replaces the stored copies with the current values. */
  save(): void {
    this.dispose();
    this.copies = this.variables.map((variable) => tf.clone(variable));
  }

  /** Assigns the stored copies back to the variables. Does nothing before the first save. */
  restore(): void {
    if (!this.copies) return;
    this.copies.forEach((copy, i) => this.variables[i].assign(copy));
  }

  /** Frees the stored copies. */
  dispose(): void {
    if (this.copies) tf.dispose(this.copies);
    this.copies = undefined;
  }
}
