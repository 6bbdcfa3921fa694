import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Hono } from 'hono';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { PairingWindow } from '../auth/pairing.ts';
import type { CommandRouter } from '../commands/router.ts';
import type { PluginHost } from '../plugins/host.ts';
import type { DeviceApprovals } from '../registry/device-approvals.ts';
import type { DeviceRegistry } from '../registry/devices.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import type { RoomRegistry } from '../registry/rooms.ts';
import type { EventLog } from '../store/event-log.ts';
import type { StateMachine } from '../states/state-machine.ts';
import type { TimeSeriesStore } from '../store/timeseries.ts';
import { apiErrorHandler, notFound } from './errors.ts';
import { commandRoutes } from './routes/commands.ts';
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

export interface HttpDeps {
  log: Logger;
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
  uiDir: string;
}

export function createApp(deps: HttpDeps): Hono {
  const app = new Hono();
  app.onError(apiErrorHandler(deps.log));
  app.notFound((c) => notFound(`no route ${c.req.method} ${c.req.path}`).getResponse());
  app.route('/api/health', healthRoutes(deps.health));
  app.route('/api/devices', deviceRoutes(deps.devices, deps.entities, deps.states, deps.deviceAdmin));
  app.route('/api/entities', entityRoutes(deps.entities));
  app.route('/api/entities', commandRoutes(deps.entities, deps.commands));
  app.route('/api/states', stateRoutes(deps.states));
  app.route('/api/history', historyRoutes(deps.entities, deps.store));
  app.route('/api/events', eventRoutes(deps.events));
  app.route('/api/rooms', roomRoutes(deps.rooms, deps.devices));
  app.route('/api/pairing', pairingRoutes(deps.pairing));
  app.route('/api/pending-devices', pendingDeviceRoutes(deps.approvals));
  app.route('/api/statistics', statisticsRoutes(deps));
  app.route('/api/plugins', pluginRoutes(deps.plugins));
  app.route('/metrics', metricsRoutes(deps.metrics));
  app.get('/', async (c) => c.html(await readFile(join(deps.uiDir, 'index.html'), 'utf8')));
  return app;
}
