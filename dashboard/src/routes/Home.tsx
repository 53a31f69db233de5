import { useEffect, useState } from 'react'
import type { HealthResponse } from '@trueport/contracts'
import { fetchGatewayHealth } from '../api/client'
import { StatusBadge } from '../components/StatusBadge'

type State =
  { kind: 'checking' } | { kind: 'ok'; health: HealthResponse } | { kind: 'error'; message: string }

/** Landing page: is the gateway reachable, and which version answers. */
export function Home() {
  const [state, setState] = useState<State>({ kind: 'checking' })

  useEffect(() => {
    const abort = new AbortController()
    fetchGatewayHealth(abort.signal)
      .then((health) => setState({ kind: 'ok', health }))
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setState({ kind: 'error', message: String(err) })
      })
    return () => abort.abort()
  }, [])

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '48px auto' }}>
      <h1>TruePort</h1>
      <p>The defensible AI gateway. Keys, policies, usage and violations will live here.</p>
      <p>
        Gateway:{' '}
        <StatusBadge
          state={state.kind === 'ok' ? 'ok' : state.kind === 'error' ? 'unavailable' : 'checking'}
        />{' '}
        {state.kind === 'ok' && <code>v{state.health.version}</code>}
        {state.kind === 'error' && <small>{state.message}</small>}
      </p>
    </main>
  )
}
