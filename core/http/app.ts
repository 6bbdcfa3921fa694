import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HttpAuth } from '../auth/http-auth.ts';
import type { PairingWindow } from '../auth/pairing.ts';
import type { CommandRouter } from '../commands/router.ts';
import type { EventBus } from '../events/bus.ts';
import { HUB_VERSION } from '../paths.ts';
import type { PluginHost } from '../plugins/host.ts';
import type { DeviceApprovals } from '../registry/device-approvals.ts';
import type { DeviceRegistry } from '../registry/devices.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import type { RoomRegistry } from '../registry/rooms.ts';
import type { EventLog } from '../store/event-log.ts';
import type { StateMachine } from '../states/state-machine.ts';
import type { TimeSeriesStore } from '../store/timeseries.ts';
import type { LiveFeed } from './live/live-feed.ts';
import { routesWithoutRule } from './access-policy.ts';
import { authMiddleware, checkAccess, requestFacts, SESSION_COOKIE } from './auth-middleware.ts';
import { apiErrorHandler, notFound } from './errors.ts';
import { StateTags } from './etag.ts';
import { httpMetrics } from './http-metrics.ts';
import { openApiRoutes } from './openapi.ts';
import { authRoutes } from './routes/auth.ts';
import { commandRoutes } from './routes/commands.ts';
import { configRoutes } from './routes/config.ts';
import { deviceRoutes, type DeviceAdmin } from './routes/devices.ts';
import { entityRoutes } from './routes/entities.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes, type HealthReport } from './routes/health.ts';
import { historyRoutes } from './routes/history.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { pairingRoutes } from './routes/pairing.ts';
import { pendingDeviceRoutes } from './routes/pending-devices.ts';
import { pluginRoutes } from './routes/plugins.ts';
import { roomRoutes } from './routes/rooms.ts';
import { stateRoutes } from './routes/states.ts';
import { statisticsRoutes } from './routes/statistics.ts';
import { streamRoutes } from './routes/stream.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { uiRoutes } from './routes/ui.ts';
import { profileRoutes, userRoutes } from './routes/users.ts';
import { applySecurity, type SecurityOptions } from './security.ts';

export interface HttpDeps {
  log: Logger;
  bus: EventBus;
  devices: DeviceRegistry;
  entities: EntityRegistry;
  rooms: RoomRegistry;
  states: StateMachine;
  store: TimeSeriesStore;
  events: EventLog;
  commands: CommandRouter;
  deviceAdmin: DeviceAdmin;
  pairing: PairingWindow;
  approvals: DeviceApprovals;
  timeZone: string;
  plugins: PluginHost;
  metrics: Registry;
  health(): HealthReport;
  /** recent hub events for `/api/stream` (and the WebSocket, served outside Hono) */
  live: LiveFeed;
  /** users, logins and API tokens: every route passes the access policy first */
  auth: HttpAuth;
  uiDir: string;
  /** the folder of the running config, against which a config sent to /api/config/validate is checked */
  configDir: string;
  security: SecurityOptions;
}

export function createApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.onError(apiErrorHandler(deps.log));
  app.notFound((c) => notFound(`no route ${c.req.method} ${c.req.path}`).getResponse());
  // Before auth: refusals are timed and carry the security headers too, and CORS preflights need no token.
  app.use('*', httpMetrics(deps.metrics));
  applySecurity(app, deps.security);
  app.use('*', authMiddleware(deps.auth));
  app.route('/api/auth', authRoutes(deps.auth, deps.log));
  app.route('/api/users', userRoutes(deps.auth, deps.log));
  app.route('/api/profile', profileRoutes(deps.auth, deps.log));
  app.route('/api/tokens', tokenRoutes(deps.auth, deps.log));
  app.route('/api/health', healthRoutes(deps.health));
  const stateTags = new StateTags(deps.bus);
  app.route('/api/devices', deviceRoutes({ ...deps, admin: deps.deviceAdmin }));
  app.route('/api/entities', entityRoutes(deps.entities, stateTags));
  app.route('/api/entities', commandRoutes(deps.entities, deps.commands));
  app.route('/api/states', stateRoutes(deps.states, deps.entities, stateTags));
  app.route('/api/history', historyRoutes(deps.entities, deps.store));
  app.route('/api/events', eventRoutes(deps.events));
  app.route('/api/rooms', roomRoutes(deps.rooms, deps.devices));
  app.route('/api/pairing', pairingRoutes(deps.pairing));
  app.route('/api/pending-devices', pendingDeviceRoutes(deps.approvals));
  app.route('/api/statistics', statisticsRoutes(deps));
  app.route('/api/plugins', pluginRoutes(deps.plugins));
  app.route(
    '/api/stream',
    streamRoutes(deps.live, deps.log, (c) => {
      const facts = requestFacts(c);
      return async () => (await checkAccess(deps.auth, facts)).allowed;
    }),
  );
  app.route('/api/config', configRoutes(deps.configDir));
  app.route('/api/openapi.json', openApiRoutes(app, { version: HUB_VERSION, cookieName: SESSION_COOKIE }));
  app.route('/metrics', metricsRoutes(deps.metrics));
  app.route('/', uiRoutes(deps.uiDir));
  for (const route of routesWithoutRule(app)) deps.log.error(`${route} has no rule in core/http/access-policy.ts: only admins may call it`);
  return app;
}
