/** A coloured pill for a service state. Presentational only: it never fetches. */
export function StatusBadge({ state }: { state: 'ok' | 'unavailable' | 'checking' }) {
  const colours = { ok: '#1a7f37', unavailable: '#cf222e', checking: '#9a6700' } as const
  return (
    <span
      style={{
        background: colours[state],
        color: 'white',
        borderRadius: 999,
        padding: '2px 10px',
        fontSize: 13,
      }}
    >
      {state}
    </span>
  )
}
