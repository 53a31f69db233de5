import { Hono } from 'hono'
import { analyticsRoutes } from './analytics-routes'
import { authRoutes } from './auth-routes'
import type { ControlEnv } from './env'
import { logRoutes } from './log-routes'
import { oidcRoutes } from './oidc-routes'
import { accessToken, tenantScope } from './middleware'
import { platformRoutes } from './platform-routes'
import { openApiDocument } from './registry'
import { tenantRoutes } from './tenant-routes'

/**
 * /api/v1: the control API the dashboard and tenant admins use. Public sign-in routes first;
 * everything else authenticates an access token, tenant routes resolve the tenant, and each
 * route checks one permission of the caller's role (control/registry.ts mounts them).
 */
export const controlRoutes = new Hono<ControlEnv>()
  .get('/openapi.json', (c) => c.json(openApiDocument(c.env.GATEWAY_VERSION)))
  .route('/', authRoutes)
  .route('/', oidcRoutes)
  .route('/', analyticsRoutes)
  .use('/me/*', accessToken())
  .use('/tenants', accessToken())
  .use('/tenant/*', accessToken(), tenantScope())
  .route('/', platformRoutes)
  .route('/', tenantRoutes)
  .route('/', logRoutes)
