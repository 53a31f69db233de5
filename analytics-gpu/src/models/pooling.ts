/**
 * Mean pooling over the tokens the attention mask keeps, then L2 normalisation: a sentence
 * embedding from a [batch, tokens, hidden] tensor. Pure arithmetic.
 */
export function meanPool(
  hidden: Float32Array,
  dims: readonly [number, number, number],
  mask: ArrayLike<number | bigint>,
  normalize = true
): Float32Array[] {
  const [batch, tokens, width] = dims
  const out: Float32Array[] = []
  for (let b = 0; b < batch; b++) {
    const v = new Float32Array(width)
    let kept = 0
    for (let t = 0; t < tokens; t++) {
      if (Number(mask[b * tokens + t]) === 0) continue
      kept++
      const base = (b * tokens + t) * width
      for (let h = 0; h < width; h++) v[h] = (v[h] as number) + (hidden[base + h] as number)
    }
    if (kept) for (let h = 0; h < width; h++) v[h] = (v[h] as number) / kept
    if (normalize) {
      let norm = 0
      for (let h = 0; h < width; h++) norm += (v[h] as number) ** 2
      norm = Math.sqrt(norm) || 1
      for (let h = 0; h < width; h++) v[h] = (v[h] as number) / norm
    }
    out.push(v)
  }
  return out
}

/** Cosine of two vectors (dot product when both are normalised). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0
  let na = 0
  let nb = 0
  for (let i = 0; i < a.length; i++) {
    dot += (a[i] as number) * (b[i] as number)
    na += (a[i] as number) ** 2
    nb += (b[i] as number) ** 2
  }
  return dot / (Math.sqrt(na * nb) || 1)
}
