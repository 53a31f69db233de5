import { readFileSync, readdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tagSpans } from '../src/detectors/entities'
import { HeadWeights, predict, softmax, trainSoftmax } from '../src/models/head'
import { SHAPE_FEATURES, wordFeatures, wordLogits } from '../src/models/word-features'
import { parseMarkup } from '../src/models/markup'
import { splitWords, windowWords } from '../src/models/words'

const ROOT = resolve(import.meta.dirname, '..')
const lines = (dir: string, f: string) =>
  readFileSync(join(ROOT, dir, f), 'utf8')
    .split('\n')
    .filter((l) => l.trim())

describe('training and evaluation data', () => {
  it('parses, and no evaluation text is a training text', () => {
    const texts = (dir: string) =>
      readdirSync(join(ROOT, dir)).flatMap((f) =>
        lines(dir, f).map((l) => {
          const { text } = JSON.parse(l) as { text: string }
          return (f.startsWith('entities') ? parseMarkup(text).text : text).trim().toLowerCase()
        })
      )
    const trained = new Set(texts('train/data'))
    const evaluated = texts('eval/data')
    expect(trained.size).toBeGreaterThan(1000)
    expect(evaluated.length).toBeGreaterThan(600)
    expect(evaluated.filter((t) => trained.has(t))).toEqual([])
  })
})

describe('entity markup', () => {
  it('gives the plain text and the offsets of each marked span', () => {
    const { text, spans } = parseMarkup('Ask [[PER:Ada Lovelace]] in [[LOC:London]].')
    expect(text).toBe('Ask Ada Lovelace in London.')
    expect(spans.map((s) => `${s.label}:${text.slice(s.start, s.end)}`)).toEqual([
      'PER:Ada Lovelace',
      'LOC:London',
    ])
    expect(() => parseMarkup('Ask [[PER:Ada')).toThrow(/unbalanced/)
  })
})

describe('words and windows', () => {
  it('splits like BERT, keeping offsets', () => {
    expect(splitWords("O'Neil, 3.5x!").map((w) => w.text)).toEqual([
      'O',
      "'",
      'Neil',
      ',',
      '3',
      '.',
      '5x',
      '!',
    ])
  })

  it('packs whole words into windows and stops at the last one allowed', () => {
    expect(windowWords([3, 3, 3], 6, 4)).toEqual([
      { first: 0, end: 2 },
      { first: 2, end: 3 },
    ])
    expect(windowWords([3, 3, 3], 6, 1)).toEqual([{ first: 0, end: 2 }])
    expect(windowWords([], 6, 4)).toEqual([{ first: 0, end: 0 }])
  })
})

describe('softmax heads', () => {
  it('learn a separable problem the same way every time', () => {
    const xs = [
      [1, 0],
      [0.9, 0.1],
      [0, 1],
      [0.1, 0.9],
    ]
    const ys = [0, 0, 1, 1]
    const a = trainSoftmax(xs, ys, 2, { epochs: 200 })
    expect(trainSoftmax(xs, ys, 2, { epochs: 200 })).toEqual(a)
    const p = predict(a, [0, 1])
    expect((p[0] as number) + (p[1] as number)).toBeCloseTo(1, 9)
    expect(p[1]).toBeGreaterThan(0.9)
    expect(
      HeadWeights.safeParse({
        labels: ['a', 'b'],
        features: 'embedding',
        weights: [[1]],
        bias: [0, 0],
        trainedOn: { data: 'x', sha256: 'y', examples: 1, encoder: 'z' },
      }).success
    ).toBe(false)
  })

  it('tag words by projecting each state once, exactly as over full feature vectors', () => {
    const words = splitWords('Ask Ada in Paris')
    let seed = 7
    const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647) * 2 - 1
    const h = 5
    const states = words.map(() => Float32Array.from({ length: h }, rnd))
    const head = {
      weights: Array.from({ length: 3 }, () => Array.from({ length: 3 * h + SHAPE_FEATURES }, rnd)),
      bias: [rnd(), rnd(), rnd()],
    }
    const fast = wordLogits(head, words, states, true).map(softmax)
    words.forEach((_, i) => {
      const slow = predict(head, wordFeatures(words, states, i, true))
      slow.forEach((p, k) => expect(fast[i]?.[k]).toBeCloseTo(p, 9))
    })
  })

  it('turn word probabilities into trimmed, merged entity spans', () => {
    const text = 'Met María - José in Paris .'
    const words = splitWords(text)
    const P = (o: number, per: number, loc: number) => [o, per, loc]
    const probs = [
      P(1, 0, 0),
      P(0.1, 0.9, 0),
      P(0.3, 0.7, 0),
      P(0.2, 0.8, 0),
      P(1, 0, 0),
      P(0.2, 0, 0.8),
      P(0.4, 0.6, 0),
    ]
    const spans = tagSpans(words, probs, ['O', 'PER', 'LOC'], 'O', 0.5)
    expect(spans.map((s) => `${s.label}:${text.slice(s.start, s.end)}`)).toEqual([
      'PER:María - José',
      'LOC:Paris',
    ])
  })
})
