/**
 * Adam, as both head trainers use it: full-batch steps over one flat parameter vector, with L2
 * on the first `decayed` parameters (the weights; biases are not shrunk).
 */
export class Adam {
  readonly #m: Float64Array
  readonly #v: Float64Array
  #t = 0

  constructor(
    private readonly theta: Float64Array,
    private readonly options: { rate: number; l2: number; decayed: number }
  ) {
    this.#m = new Float64Array(theta.length)
    this.#v = new Float64Array(theta.length)
  }

  /** One step down the gradient `g` (of the loss without the L2 term). */
  step(g: Float64Array): void {
    const [b1, b2, eps] = [0.9, 0.999, 1e-8]
    const { rate, l2, decayed } = this.options
    const theta = this.theta
    const m = this.#m
    const v = this.#v
    const t = ++this.#t
    for (let j = 0; j < theta.length; j++) {
      const grad = (g[j] as number) + (j < decayed ? l2 * (theta[j] as number) : 0)
      m[j] = b1 * (m[j] as number) + (1 - b1) * grad
      v[j] = b2 * (v[j] as number) + (1 - b2) * grad * grad
      const mh = (m[j] as number) / (1 - b1 ** t)
      const vh = (v[j] as number) / (1 - b2 ** t)
      theta[j] = (theta[j] as number) - (rate * mh) / (Math.sqrt(vh) + eps)
    }
  }
}
