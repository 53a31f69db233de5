/**
 * @trueport/audit: the audit trail's object format, shared by its writer (the AuditDO at the
 * edge), its verifier (`npm run audit:verify`) and its reader (the analytics service).
 */
export * from './batch'
export * from './bytes'
export * from './keys'
export * from './privacy'
export * from './signing'
export * from './s3-fetch'
export * from './store'
export * from './verify'
