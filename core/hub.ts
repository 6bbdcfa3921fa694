import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import type { LoadedConfig } from './config/load-config.ts';
import { kyselyOn, migrate, openSqlite } from './db/sqlite.ts';
import { registryMigrations } from './db/registry-migrations.ts';
import type { RegistryTables } from './db/tables.ts';
import { EventBus } from './events/bus.ts';
import { createApp } from './http/app.ts';
import { LiveFeed } from './http/live/live-feed.ts';
import { serveLiveWebSocket } from './http/live/websocket.ts';
import { summarize, type HealthReport } from './http/routes/health.ts';
import { checkUpgrade } from './http/auth-middleware.ts';
import { bindingNotes, LOOPBACK, openOnFirstUser } from './http/network-binding.ts';
import { listen, type HttpServer } from './http/server.ts';
import { createLogger, type LogLevel } from './log.ts';
import { createMetrics } from './metrics.ts';
import { DeviceAccounts } from './auth/device-accounts.ts';
import { HttpAuth } from './auth/http-auth.ts';
import { lanAddress, secretsFile, type DeviceKind } from './auth/device-snippets.ts';
import { completePairing } from './auth/pair-devices.ts';
import { PairingWindow } from './auth/pairing.ts';
import { provisionDevice } from './auth/provision.ts';
import { CommandRouter } from './commands/router.ts';
import { deviceAccess } from './mqtt/device-access.ts';
import type { DeviceAdmin, Provisioned } from './http/routes/devices.ts';
import { EmbeddedBroker } from './mqtt/embedded-broker.ts';
import { haCommandHandler } from './mqtt/ha-commands.ts';
import { HA_DISCOVERY_PLUGIN, HaDiscovery } from './mqtt/ha-discovery.ts';
import { ExternalBroker } from './mqtt/external-broker.ts';
import { redactUrl } from './mqtt/external-topic.ts';
import { AnnounceDefaults } from './mqtt/announce-defaults.ts';
import { TopicClaims } from './mqtt/topic-claims.ts';
import type { MqttTransport } from './mqtt/transport.ts';
import { NativeCommands } from './mqtt/native-commands.ts';
import { NATIVE_PLUGIN, NativeProtocol } from './mqtt/native-protocol.ts';
import { serveMqttOverWebSocket } from './mqtt/websocket.ts';
import { HUB_ROOT, HUB_VERSION } from './paths.ts';
import { PluginHost, type PluginHostOptions } from './plugins/host.ts';
import { watchAvailability } from './registry/availability-watchdog.ts';
import { applyDeviceSettings } from './registry/device-settings.ts';
import { DeviceApprovals } from './registry/device-approvals.ts';
import { DeviceRegistry } from './registry/devices.ts';
import { EntityRegistry } from './registry/entities.ts';
import { RoomRegistry } from './registry/rooms.ts';
import { restoreStates } from './states/restore-states.ts';
import { StateMachine } from './states/state-machine.ts';
import { EventLog } from './store/event-log.ts';
import { groupCommit } from './store/group-commit.ts';
import { recordCoreEvents } from './store/event-recorder.ts';
import { isTimeZone } from './zoned-time.ts';
import { checkpointInWorker } from './store/sqlite-checkpointer.ts';
import { scheduleRetention } from './store/retention.ts';
import { QuestDbTimeSeries } from './store/questdb-timeseries.ts';
import { SqliteTimeSeries } from './store/sqlite-timeseries.ts';
import type { TimeSeriesStore } from './store/timeseries.ts';

export interface HubOptions {
  config: LoadedConfig;
  /** defaults to a logger at the configured level on stdout */
  log?: Logger;
  /** retry, timeout and flush intervals; tests shorten or lengthen them */
  timing?: HubTiming;
  /** ms since the epoch for sessions and login throttling; tests move it */
  clock?: () => number;
}

export interface HubTiming extends Pick<PluginHostOptions, 'retryBaseMs' | 'retryMaxMs' | 'setupTimeoutMs' | 'stopTimeoutMs'> {
  /** how often states, last-seen times, events and readings are committed (default 1000 ms) */
  persistIntervalMs?: number;
  /** when the first retention purge runs after start (default 60 s) */
  firstPurgeMs?: number;
  /** how often silent devices are looked for (default 1 s) */
  availabilityCheckMs?: number;
}

/**
 * The running hub: composes the core services, starts them in dependency
 * order and stops them in reverse. Anything started before a failing step is
 * stopped again, so a failed start leaves no port or file open.
 */
export class Hub {
  readonly bus: EventBus;
  readonly commands = new CommandRouter();
  /** Vendor topics plugins open to their devices' MQTT accounts. */
  readonly topicClaims = new TopicClaims();
  /** Entity metadata plugins vouch for, per native device model. */
  readonly announceDefaults = new AnnounceDefaults();
  private readonly closers: Array<() => Promise<void> | void> = [];
  private stopped: Promise<void> | undefined;
  private startedAt = Date.now();

  private constructor(
    readonly log: Logger,
    readonly config: LoadedConfig,
  ) {
    this.bus = new EventBus(log);
  }

  // Assigned during start(); the hub is handed out only once all are set.
  devices!: DeviceRegistry;
  entities!: EntityRegistry;
  rooms!: RoomRegistry;
  accounts!: DeviceAccounts;
  pairing!: PairingWindow;
  approvals!: DeviceApprovals;
  states!: StateMachine;
  store!: TimeSeriesStore;
  events!: EventLog;
  plugins!: PluginHost;
  /** recent events for the live stream (`/api/stream`, `/api/ws`) */
  live!: LiveFeed;
  private broker!: MqttTransport;
  /** null in external-broker mode */
  private embedded: EmbeddedBroker | null = null;
  private http!: HttpServer;
  /** the HTTP routes, for tests that compare them with /api/openapi.json */
  httpApp!: Hono;

  static async start(options: HubOptions): Promise<Hub> {
    const { config } = options;
    const log = options.log ?? createLogger(config.config.log.level as LogLevel);
    const hub = new Hub(log, config);
    try {
      await hub.boot(options);
    } catch (error) {
      await hub.stop();
      throw error;
    }
    return hub;
  }

  get httpPort(): number {
    return this.http.port;
  }

  /** The address the HTTP server listens on: 127.0.0.1, or `::` / `0.0.0.0` for every interface. */
  get httpAddress(): string {
    return (this.http.server.address() as AddressInfo).address;
  }

  /** The embedded broker's port; null when the hub uses an external broker. */
  get mqttPort(): number | null {
    return this.embedded?.port ?? null;
  }

  health(): HealthReport {
    const broker = this.broker.health();
    const store = this.store.health();
    const plugins = this.plugins.statuses();
    return {
      status: summarize(broker, store, plugins),
      version: HUB_VERSION,
      uptime_s: Math.round((Date.now() - this.startedAt) / 1000),
      broker,
      store,
      plugins: Object.fromEntries(plugins.map((p) => [p.id, p])),
    };
  }

  /** Stops plugins, flushes every pending write and closes ports and files. Safe to call twice. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      for (const close of this.closers.reverse()) {
        try {
          await close();
        } catch (error) {
          this.log.error({ err: error }, `error while stopping: ${(error as Error).message}`);
        }
      }
      this.log.info('hub stopped');
    })();
    return this.stopped;
  }

  /** Deletes a device with its entities, states and account, and drops its live MQTT connection at once. */
  async removeDevice(id: string): Promise<void> {
    await this.devices.remove(id);
    await this.approvals.forget(id);
    this.states.forget(this.entities.forgetDevice(id));
    const dropped = this.embedded?.disconnectDevice(id) ?? 0;
    this.log.info({ device: id }, `device ${id} removed${dropped ? `; its connection was dropped` : ''}`);
  }

  private deviceAdmin(): DeviceAdmin {
    const account = (device: Provisioned['device'], password: string, kind: DeviceKind): Provisioned => {
      const mqtt = { username: device.id, password, host: lanAddress(), port: this.mqttPort };
      return { device, mqtt, secrets_file: secretsFile(kind, { deviceId: device.id, password, host: mqtt.host, port: mqtt.port ?? 1883 }) };
    };
    return {
      provision: async ({ kind, ...input }) => {
        const { device, password } = await provisionDevice({ devices: this.devices, rooms: this.rooms, accounts: this.accounts }, input);
        return account(device, password, kind);
      },
      rotate: async (id, kind) => {
        const password = await this.accounts.issue(id);
        // The old password is void: so is the session it opened.
        this.embedded?.disconnectDevice(id);
        return account(this.devices.get(id)!, password, kind);
      },
      remove: (id) => this.removeDevice(id),
    };
  }

  private async boot(options: HubOptions): Promise<void> {
    const { config, log } = this;
    const settings = config.config;
    const timeZone = settings.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!isTimeZone(timeZone)) throw new Error(`timezone "${timeZone}" is not an IANA time zone such as Europe/Berlin`);
    const dataDir = settings.storage.data_dir;
    mkdirSync(dataDir, { recursive: true });

    const registryFile = join(dataDir, 'hearth.db');
    const sqlite = openSqlite(registryFile);
    this.closers.push(() => {
      sqlite.close();
    });
    // States and last-seen times are rewritten every second: SQLite's automatic checkpoint would fsync inside those commits.
    const checkpointer = checkpointInWorker(sqlite, registryFile, log);
    this.closers.push(() => checkpointer.stop());
    const db = kyselyOn<RegistryTables>(sqlite);
    await migrate(db, registryMigrations);
    const auth = new HttpAuth({ db, dataDir, log, clock: options.clock });

    this.devices = new DeviceRegistry(db, this.bus);
    this.entities = new EntityRegistry(db, this.bus);
    this.rooms = new RoomRegistry(db);
    await this.devices.load();
    await this.entities.load();
    await this.rooms.load();
    this.accounts = new DeviceAccounts(db);
    this.pairing = new PairingWindow(db);
    this.closers.push(await applyDeviceSettings(settings.devices, this.devices, this.rooms, this.bus));
    // After the event that caused it has reached every listener, so live clients see cause before effect.
    this.events = new EventLog(db, (event) => queueMicrotask(() => this.bus.emit('event_logged', event)));
    this.closers.push(recordCoreEvents(this.bus, this.events, this.entities));
    this.approvals = new DeviceApprovals(db, {
      required: settings.discovery.require_approval,
      devices: this.devices,
      events: this.events,
      log,
      isPairing: (id) => this.embedded?.isPairing(id) ?? false,
      hasAccount: (id) => this.accounts.exists(id),
    });
    await this.approvals.load();
    this.closers.push(() => this.approvals.settled());

    const persistIntervalMs = options.timing?.persistIntervalMs ?? 1000;
    const questdb = settings.storage.timeseries?.questdb;
    this.store = questdb
      ? await QuestDbTimeSeries.open({ url: questdb.url, log, flushIntervalMs: persistIntervalMs })
      : await SqliteTimeSeries.open({ file: join(dataDir, 'timeseries.db'), log, flushIntervalMs: persistIntervalMs });
    this.closers.push(() => this.store.close());
    this.states = new StateMachine(db, this.entities, this.bus, (entity, ts, value) => this.store.append({ entity, ts, value }));
    await this.states.load();
    await restoreStates(this.states, this.store, log);
    const persist = async () => {
      await this.states.flush();
      await this.devices.flushLastSeen();
      await this.events.flush();
      await auth.flush();
    };
    const persistTimer = setInterval(() => void persist().catch((e) => log.error({ err: e }, `saving states failed: ${e.message}`)), persistIntervalMs);
    persistTimer.unref();
    this.closers.push(() => clearInterval(persistTimer), persist);
    const { retention } = settings.storage;
    this.closers.push(scheduleRetention({ retention, store: this.store, events: this.events, entities: this.entities, log }, options.timing?.firstPurgeMs));

    const metrics = createMetrics({
      pendingReadings: () => this.store.health().pending,
      readingsWritten: () => this.store.health().written,
      // Read at scrape time, by when the plugin host exists.
      pluginStatuses: () => this.plugins?.statuses() ?? [],
    });
    const { url, username, password } = settings.mqtt;
    if (url) {
      this.broker = await ExternalBroker.connect({ url, username, password, log });
    } else {
      const access = deviceAccess(this.accounts, this.pairing, this.topicClaims, { allowAnonymous: settings.mqtt.allow_anonymous, log });
      if (settings.mqtt.allow_anonymous) log.warn('mqtt.allow_anonymous is on: any client on the network may connect and use any topic');
      this.embedded = await EmbeddedBroker.start({ host: settings.mqtt.host, port: settings.mqtt.port, log, access }).catch((error) => {
        throw portError('MQTT', settings.mqtt.port, 'mqtt.port or HEARTH_MQTT_PORT', error);
      });
      this.broker = this.embedded;
    }
    this.closers.push(() => this.broker.close());
    // Crash-safe before acknowledged: readings journaled (committed within a second), and the states no reading restores written.
    const commit = groupCommit(async () => {
      await Promise.all([this.store.sync(), this.states.flushUnrecoverable()]);
      // While commits fail (the batch is kept and retried), QoS 1 messages are not acknowledged: the devices hold on to them.
      const { status, error } = this.store.health();
      if (status === 'error') throw new Error(`readings not committed: ${error}`);
    });
    const protocolDeps = { mqtt: this.broker, devices: this.devices, entities: this.entities, states: this.states, log, metrics, approvals: this.approvals };
    const protocol = new NativeProtocol({ ...protocolDeps, commit, announceDefaults: this.announceDefaults });
    await protocol.start();
    this.closers.push(() => protocol.stop());
    if (this.embedded) {
      const stopPairing = await completePairing({ broker: this.embedded, devices: this.devices, accounts: this.accounts, events: this.events, log });
      this.closers.push(stopPairing);
    }
    if (settings.discovery.home_assistant) {
      const discovery = new HaDiscovery({ ...protocolDeps, prefix: settings.discovery.prefix });
      await discovery.start();
      this.closers.push(() => discovery.stop());
      this.commands.register(HA_DISCOVERY_PLUGIN, haCommandHandler({ discovery, mqtt: this.broker, devices: this.devices, bus: this.bus }));
    }
    const nativeCommands = new NativeCommands({ mqtt: this.broker, devices: this.devices, states: this.states, events: this.events, log });
    await nativeCommands.start();
    this.closers.push(() => nativeCommands.stop());
    this.commands.register(NATIVE_PLUGIN, nativeCommands.send);
    this.closers.push(watchAvailability(this.devices, log, options.timing?.availabilityCheckMs));

    this.plugins = new PluginHost({
      ...options.timing,
      bus: this.bus,
      devices: this.devices,
      entities: this.entities,
      states: this.states,
      events: this.events,
      mqtt: this.broker,
      topicClaims: this.topicClaims,
      announceDefaults: this.announceDefaults,
      commands: this.commands,
      log,
      dataDir,
      hub: { name: settings.name, version: HUB_VERSION, timeZone },
      configDir: config.dir,
      hubRoot: HUB_ROOT,
      validateConfig: (id, schema, value) => config.validatePlugin(id, schema, value),
    });
    this.closers.push(() => this.plugins.stop());
    await this.plugins.start(config.plugins);

    this.live = new LiveFeed(this.bus, (entityId) => this.entities.get(entityId)?.device_id ?? null, log);
    const app = createApp({
      log,
      bus: this.bus,
      devices: this.devices,
      entities: this.entities,
      rooms: this.rooms,
      states: this.states,
      store: this.store,
      events: this.events,
      timeZone,
      commands: this.commands,
      deviceAdmin: this.deviceAdmin(),
      pairing: this.pairing,
      approvals: this.approvals,
      plugins: this.plugins,
      metrics: metrics.registry,
      health: () => this.health(),
      uiDir: join(HUB_ROOT, 'ui'),
      configDir: config.dir,
      security: { corsOrigins: settings.http.cors_origins, maxBodyKb: settings.http.max_body_kb },
      live: this.live,
      auth,
    });
    this.httpApp = app;
    const usersExist = await auth.usersExist();
    const httpHost = settings.http.host ?? (usersExist ? undefined : LOOPBACK);
    this.http = await listen(app, httpHost, settings.http.port).catch((error) => {
      throw portError('HTTP', settings.http.port, 'http.port or HEARTH_HTTP_PORT', error);
    });
    this.closers.push(() => this.http.close());
    const { embedded } = this;
    if (embedded) this.closers.push(serveMqttOverWebSocket(this.http.server, (stream) => embedded.accept(stream)));
    this.closers.push(serveLiveWebSocket(this.http.server, this.live, { authorize: async (request) => (await checkUpgrade(auth, request)).allowed, log }));
    if (settings.http.host === undefined && !usersExist) {
      this.closers.push(openOnFirstUser({ server: this.http.server, port: this.httpPort, usersExist: () => auth.usersExist(), log }));
    }
    // Runs first on stop: open streams end cleanly before their sockets are closed.
    this.closers.push(() => this.live.close());

    this.startedAt = Date.now();
    if (embedded) log.info(`MQTT broker on ${settings.mqtt.host}:${embedded.port} (native protocol: hearth/<device>/announce|telemetry|status)`);
    else log.info(`MQTT: client of the external broker ${redactUrl(url!)}`);
    log.info(`HTTP API and UI on http://${httpHost ?? lanAddress()}:${this.httpPort}/${embedded ? ' (MQTT over WebSocket at /mqtt)' : ''}`);
    for (const note of bindingNotes(settings.http.host, usersExist)) log[note.level](note.message);
    log.info(`data in ${dataDir}`);
  }
}

function portError(what: string, port: number, setting: string, error: NodeJS.ErrnoException): Error {
  if (error.code === 'EADDRINUSE') return new Error(`${what} port ${port} is already in use by another program; choose another with ${setting}`);
  if (error.code === 'EACCES') return new Error(`no permission to listen on ${what} port ${port}; choose one above 1023 with ${setting}`);
  return error;
}
