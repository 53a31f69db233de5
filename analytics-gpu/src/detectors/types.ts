/** The detector families; each violation names the one that raised it. */
export type DetectorId = 'pii' | 'injection' | 'toxicity' | 'exfiltration' | 'rules'

export type Severity = 'low' | 'medium' | 'high' | 'critical'

/** A piece of text from a record, and where it came from (`request.messages.0.content`). */
export interface Segment {
  field: 'request' | 'response'
  path: string
  text: string
}

/** One thing a detector found, with its span inside its segment's text. */
export interface Finding {
  detector: DetectorId
  /** What exactly: `email`, `card`, `aws_access_key`, `ignore_instructions`, `banned_term`... */
  kind: string
  /** Confidence, 0..1. */
  score: number
  severity: Severity
  field: Segment['field']
  path: string
  start: number
  end: number
}

/** A detector: pure, synchronous over text (model-backed ones wrap a batcher around this). */
export interface TextDetector {
  id: DetectorId
  detect(segment: Segment): Finding[]
}

export const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 }
