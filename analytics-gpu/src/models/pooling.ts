/** Scales a vector to unit length in place (a zero vector stays zero). */
export function normalise(v: Float32Array): Float32Array {
  let norm = 0
  for (let h = 0; h < v.length; h++) norm += (v[h] as number) ** 2
  norm = Math.sqrt(norm) || 1
  for (let h = 0; h < v.length; h++) v[h] = (v[h] as number) / norm
  return v
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
