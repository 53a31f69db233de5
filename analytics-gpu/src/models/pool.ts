import { defaultPlan, type Device } from './session'
import { WorkerSession, type Feed, type Output } from './worker-session'

/**
 * Several sessions of one model, each on its own worker thread, as one: a run goes to the
 * session with the fewest runs in flight. On the CPU, small sessions side by side beat one
 * wide session (intra-op threads synchronise at every operator; separate sessions never wait
 * for each other). A GPU gets one session: its kernels already use the whole device.
 */
export class SessionPool {
  private constructor(private readonly sessions: readonly WorkerSession[]) {}

  static async open(
    path: string,
    device: Device = 'auto',
    plan: { workers?: number | undefined; threads?: number | undefined } = {}
  ): Promise<SessionPool> {
    const { workers, threads } = defaultPlan(plan)
    // The first session decides the provider: a GPU found means no CPU siblings.
    const first = await WorkerSession.open(path, device, threads)
    if (first.provider === 'cuda' || workers === 1) return new SessionPool([first])
    const rest = await Promise.all(
      Array.from({ length: workers - 1 }, () => WorkerSession.open(path, 'cpu', threads))
    )
    return new SessionPool([first, ...rest])
  }

  get size(): number {
    return this.sessions.length
  }
  get provider(): 'cuda' | 'cpu' {
    return (this.sessions[0] as WorkerSession).provider
  }
  get inputNames(): readonly string[] {
    return (this.sessions[0] as WorkerSession).inputNames
  }
  get outputNames(): readonly string[] {
    return (this.sessions[0] as WorkerSession).outputNames
  }

  /** Runs in flight on each session. */
  get inFlight(): number[] {
    return this.sessions.map((s) => s.inFlight)
  }

  run(feeds: Record<string, Feed>, output: string): Promise<Output> {
    let best = this.sessions[0] as WorkerSession
    for (const s of this.sessions) if (s.inFlight < best.inFlight) best = s
    return best.run(feeds, output)
  }

  async close(): Promise<void> {
    await Promise.all(this.sessions.map((s) => s.close()))
  }
}
