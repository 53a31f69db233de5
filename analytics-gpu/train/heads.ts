/**
 * The heads train.ts makes: which data, which labels, which features, which optimiser
 * settings. Changing any of it retrains the head (the recipe is part of its fingerprint).
 */
interface Common {
  /** The repository model (folder) the head is written to. */
  model: string
  data: string
  labels: string[]
  /** `balanced`: each label weighs as much in the loss as the others, however many examples. */
  recipe: {
    epochs: number
    rate: number
    l2: number
    classWeights?: number[]
    balanced?: boolean
    /** Query vectors of an attention head. */
    queries?: number
  }
}
/** Classifies whole texts from their sentence embedding, or with attention over their words. */
interface TextHead extends Common {
  features: 'embedding' | 'attention'
  example: (row: Record<string, unknown>) => { text: string; label: string }
  /** More files in the same format as `data`, read the same way. */
  more?: string[]
  /**
   * Other training files whose every text is an example of the first (negative) label: the
   * varied traffic (records, logs, code, names, abuse) a balanced set of attacks and prompts
   * lacks, without which anything unusual looks like an attack.
   */
  negatives?: string[]
}
/** Tags words; its data is entity markup (`{"text": "... [[PER:Ada]] ..."}`), label 0 = none. */
interface WordHead extends Common {
  features: 'word-context'
}
export type HeadSpec = TextHead | WordHead

export const HEADS: HeadSpec[] = [
  {
    model: 'injection-minilm',
    data: 'train/data/injection.jsonl',
    labels: ['benign', 'injection'],
    // Attention over the words: an attack is often one sentence inside a pasted document,
    // which a pooled embedding averages away (a linear head over it learnt "summarise this
    // document" as the attack from the paired documents of injection-indirect.jsonl).
    features: 'attention',
    example: (r) => ({ text: String(r.text), label: r.label === 1 ? 'injection' : 'benign' }),
    more: [
      'train/data/injection-direct.jsonl',
      'train/data/injection-indirect.jsonl',
      'train/data/injection-varied.jsonl',
    ],
    negatives: [
      'train/data/toxicity.jsonl',
      'train/data/entities.jsonl',
      'train/data/benign-technical.jsonl',
      'train/data/benign-machine.jsonl',
    ],
    // l2 and the number of queries chosen on a held-out fifth of the training data (F1 0.678
    // at l2 1e-3, 0.765 at 1e-4, 0.776 at 3e-5 with one query; 0.796 with two at 1e-4).
    recipe: { epochs: 300, rate: 0.05, l2: 1e-4, queries: 2 },
  },
  {
    model: 'toxicity-minilm',
    data: 'train/data/toxicity.jsonl',
    labels: ['clean', 'toxic', 'bias'],
    features: 'embedding',
    example: (r) => ({ text: String(r.text), label: String(r.label) }),
    negatives: ['train/data/entities.jsonl', 'train/data/benign-technical.jsonl'],
    recipe: { epochs: 400, rate: 0.05, l2: 1e-3 },
  },
  {
    model: 'entities-minilm',
    data: 'train/data/entities.jsonl',
    labels: ['O', 'PER', 'LOC', 'ORG'],
    features: 'word-context',
    // l2 and the threshold (models/entities-minilm) chosen on a held-out fifth of the training data.
    recipe: { epochs: 150, rate: 0.02, l2: 3e-3, classWeights: [1, 2, 2, 2] },
  },
]
