/**
 * @trueport/contracts: the schemas every TruePort deployable parses at its boundary.
 * A schema and its inferred type share one name.
 */
export * from './audit'
export * from './auth'
export * from './chat'
export * from './control'
export * from './errors'
export * from './health'
export * from './ids'
export * from './policy'
export * from './policy-resolve'
export * from './providers'
export * from './tenancy'
