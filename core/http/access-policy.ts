/**
 * Who may call what: the one table of the HTTP API's access rules, by method
 * and route (Hono's path syntax, exactly as the route is mounted).
 *
 * A rule names the least role that may call the route (roles rank viewer <
 * user < admin) or `public`. An /api route without a rule is for admins only
 * (so a route someone forgot here is closed, not open), and the hub logs an
 * error at start for every mounted route that has no rule; a test fails on it.
 * Routes outside /api without a rule (the UI's files) are public.
 */
import type { Hono } from 'hono';
import { inspectRoutes } from 'hono/dev';
import type { Role } from '../db/tables.ts';

export type Access = 'public' | Role;

const READ = 'viewer';
const CONTROL = 'user';
const ADMIN = 'admin';
const ANY_USER = 'viewer';

export const ACCESS_POLICY: Readonly<Record<string, Access>> = {
  // Open to everyone.
  'GET /': 'public', // the UI page: static, it calls the API with the session cookie
  'GET /api/health': 'public',
  'POST /api/auth/login': 'public',
  'POST /api/auth/onboarding': 'public', // creates the first admin; 409 once a user exists

  // Every signed-in user, whatever the role: who am I, log out, own password and API tokens.
  'GET /api/auth/me': ANY_USER,
  'POST /api/auth/logout': ANY_USER,
  'GET /api/profile': ANY_USER,
  'POST /api/profile/password': ANY_USER,
  'GET /api/tokens': ANY_USER,
  'POST /api/tokens': ANY_USER,
  'DELETE /api/tokens/:name': ANY_USER,

  // Reading: viewers and up.
  'GET /api/devices': READ,
  'GET /api/devices/:id': READ,
  'GET /api/entities': READ,
  'GET /api/entities/:entity_id': READ,
  'GET /api/states': READ,
  'GET /api/states/:entity_id': READ,
  'GET /api/history/:entity_id': READ,
  'GET /api/events': READ,
  'GET /api/rooms': READ,
  'GET /api/statistics/consumption': READ,
  'GET /api/plugins': READ,
  'GET /api/plugins/:id/*': READ,
  'GET /api/pairing': READ,
  'GET /api/pending-devices': READ,
  'GET /api/stream': READ,
  'GET /api/ws': READ,
  'GET /api/openapi.json': READ,
  'GET /metrics': READ,

  // Using the home: users and admins. Commands, renaming and moving devices and entities, own profile.
  'POST /api/entities/:entity_id/commands': CONTROL,
  'PATCH /api/devices/:id': CONTROL,
  'PATCH /api/entities/:entity_id': CONTROL,
  'POST /api/rooms': CONTROL, // moving a device to a new room name creates the room anyway
  'PATCH /api/rooms/:id': CONTROL,
  'PATCH /api/profile': CONTROL,

  // Running the hub: admins.
  'POST /api/devices': ADMIN,
  'POST /api/devices/:id/credentials': ADMIN,
  'DELETE /api/devices/:id': ADMIN,
  'POST /api/pairing': ADMIN,
  'DELETE /api/pairing': ADMIN,
  'POST /api/pending-devices/:id/approve': ADMIN,
  'POST /api/pending-devices/:id/reject': ADMIN,
  'DELETE /api/rooms/:id': ADMIN,
  'POST /api/plugins/:id/reload': ADMIN,
  'POST /api/config/validate': ADMIN, // reads files beside the config (!include, !secret)
  'POST /api/plugins/:id/*': ADMIN,
  'PUT /api/plugins/:id/*': ADMIN,
  'PATCH /api/plugins/:id/*': ADMIN,
  'DELETE /api/plugins/:id/*': ADMIN,
  'GET /api/users': ADMIN,
  'POST /api/users': ADMIN,
  'GET /api/users/:username': ADMIN,
  'PATCH /api/users/:username': ADMIN,
  'DELETE /api/users/:username': ADMIN,
  'POST /api/users/:username/password': ADMIN,
  'GET /api/users/:username/tokens': ADMIN,
  'DELETE /api/users/:username/tokens/:name': ADMIN,
};

const RANK: Record<Role, number> = { viewer: 0, user: 1, admin: 2 };

/** The methods an `app.all()` route answers, each of which needs its own rule. */
export const ROUTE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

const isApi = (path: string) => path === '/api' || path.startsWith('/api/');

/**
 * The access a request needs, from the pattern of the route that answers it
 * (`/api/devices/:id`, as Hono matched it; undefined when no route does).
 * A route without a rule: admin under /api, public elsewhere. No route at
 * all: any signed-in user under /api (who then gets the 404), public
 * elsewhere. HEAD is read as GET.
 */
export function requiredAccess(method: string, route: string | undefined, path: string = route ?? ''): Access {
  if (route === undefined) return isApi(path) ? ANY_USER : 'public';
  const rule = ACCESS_POLICY[`${method === 'HEAD' ? 'GET' : method} ${route}`];
  return rule ?? (isApi(route) ? ADMIN : 'public');
}

export function roleAllows(role: Role, access: Access): boolean {
  return access === 'public' || RANK[role] >= RANK[access];
}

/** The app's routes (method and Hono path, middleware left out) that have no rule in the table; `ALL` routes need one per method. */
export function routesWithoutRule(app: Hono<any>): string[] {
  const missing = new Set<string>();
  for (const { method, path, isMiddleware } of inspectRoutes(app)) {
    if (isMiddleware) continue;
    const methods = method === 'ALL' ? ROUTE_METHODS : [method];
    for (const m of methods) if (!(`${m} ${path}` in ACCESS_POLICY)) missing.add(`${m} ${path}`);
  }
  return [...missing];
}
