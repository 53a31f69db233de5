/**
 * @trueport/durable-objects: the Durable Object classes (thin storage/RPC shells), the helper
 * that names their instances, and the pure modules they are built from.
 */
export { DirectoryDO } from './directory-do'
export { TenantDO, type ApiKeyListing } from './tenant-do'
export { cacheKeys, directoryStub, objectNames, tenantStub } from './names'
export { displayPrefix, generateApiKey, hashApiKey, looksLikeApiKey } from './lib/api-key'
export { hashPassword, verifyPassword, PBKDF2_ITERATIONS } from './lib/password'
