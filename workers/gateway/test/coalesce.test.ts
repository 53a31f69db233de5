import { describe, expect, it } from 'vitest'
import { Coalescer } from '../src/lib/coalesce'

describe('coalescer', () => {
  it('gathers items per key within the window; only the leader gets a promise', async () => {
    const sent: [string, number[]][] = []
    const c = new Coalescer<number>(10, 100)
    const send = (key: string) => async (items: number[]) => {
      sent.push([key, items])
    }
    const leaderA = c.add('a', 1, send('a'))
    expect(c.add('a', 2, send('a'))).toBeUndefined()
    const leaderB = c.add('b', 3, send('b'))
    expect(leaderA).toBeInstanceOf(Promise)
    expect(leaderB).toBeInstanceOf(Promise)
    await Promise.all([leaderA, leaderB])
    expect(sent).toEqual([
      ['a', [1, 2]],
      ['b', [3]],
    ])
    // The window is over: the next item leads a new batch.
    const next = c.add('a', 4, send('a'))
    await next
    expect(sent.at(-1)).toEqual(['a', [4]])
  })

  it('closes a full batch at once, so the next item leads another', async () => {
    const sent: number[][] = []
    const c = new Coalescer<number>(5, 2)
    const send = async (items: number[]) => {
      sent.push(items)
    }
    const first = c.add('k', 1, send)
    expect(c.add('k', 2, send)).toBeUndefined()
    const second = c.add('k', 3, send)
    expect(second).toBeInstanceOf(Promise)
    await Promise.all([first, second])
    expect(sent).toEqual([[1, 2], [3]])
  })
})
