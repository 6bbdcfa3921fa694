import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { ApprovalStatus, DeviceApprovalsTable, RegistryTables } from '../db/tables.ts';
import type { EventLog } from '../store/event-log.ts';
import type { DeviceRegistry } from './devices.ts';

/** What a protocol knows about a device it is about to register. */
export interface Arrival {
  deviceId: string;
  /** `mqtt` (native announce) or `ha-discovery` */
  source: string;
  topic: string;
  payload: Buffer;
  name?: string | null;
  model?: string | null;
  manufacturer?: string | null;
}

export type PendingDevice = DeviceApprovalsTable;

/** Feeds a held message back into the protocol that received it. */
export type Replay = (topic: string, payload: Buffer) => void | Promise<void>;

export class ApprovalError extends Error {
  constructor(
    readonly code: 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

/**
 * `discovery.require_approval`: a device the hub has never seen is held in a
 * pending list with the messages that announced it, instead of being
 * registered; approving replays those messages, rejecting ignores the device
 * from then on. Devices created by a person (`hearth device add`, the API) or
 * joining through an open pairing window count as approved.
 */
export class DeviceApprovals {
  private readonly rows = new Map<string, PendingDevice>();
  private readonly replays = new Map<string, Replay>();
  /** Writes run one after another, off the message path; awaited by `settled()`. */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<RegistryTables>,
    private readonly deps: {
      required: boolean;
      devices: DeviceRegistry;
      events: EventLog;
      log: Logger;
      /** True for a device logged in with the pairing key right now. */
      isPairing(deviceId: string): boolean;
      /** True for a device with an MQTT account (made by a person). */
      hasAccount(deviceId: string): Promise<boolean>;
    },
  ) {}

  get required(): boolean {
    return this.deps.required;
  }

  async load(): Promise<void> {
    for (const row of await this.db.selectFrom('device_approvals').selectAll().execute()) this.rows.set(row.device_id, row);
  }

  /** Lets `source` replay the messages it handed in, once a device is approved. */
  onApproved(source: string, replay: Replay): void {
    this.replays.set(source, replay);
  }

  /**
   * Whether a protocol may register the device now. When not, the message is
   * kept (the newest per topic) so approval can replay it. A device with an
   * MQTT account was created by a person (`hearth device add`, perhaps from
   * another process while the hub runs), which is approval enough.
   */
  async admit(arrival: Arrival): Promise<boolean> {
    const decided = this.decided(arrival);
    if (decided !== undefined) return decided;
    if (await this.deps.hasAccount(arrival.deviceId)) return true;
    this.hold(arrival, this.rows.get(arrival.deviceId));
    return false;
  }

  /** `admit` without the account lookup, for a protocol whose devices have no accounts and that cannot wait (HA discovery). */
  admitNow(arrival: Arrival): boolean {
    const decided = this.decided(arrival);
    if (decided !== undefined) return decided;
    this.hold(arrival, this.rows.get(arrival.deviceId));
    return false;
  }

  /** true or false when already decided; undefined for a device nobody has decided on yet. */
  private decided({ deviceId, topic }: Arrival): boolean | undefined {
    if (!this.deps.required || this.deps.devices.get(deviceId) || this.deps.isPairing(deviceId)) return true;
    const status = this.rows.get(deviceId)?.status;
    if (status === 'approved') return true;
    if (status === 'rejected') {
      this.deps.log.debug({ device: deviceId }, `ignoring ${topic}: device ${deviceId} was rejected`);
      return false;
    }
    return undefined;
  }

  /** Pending (or, with a status, approved or rejected) devices, newest first. */
  list(status: ApprovalStatus = 'pending'): PendingDevice[] {
    return [...this.rows.values()].filter((r) => r.status === status).sort((a, b) => b.last_seen - a.last_seen);
  }

  status(deviceId: string): ApprovalStatus | undefined {
    return this.rows.get(deviceId)?.status;
  }

  /** Approves a pending or rejected device and replays what announced it; it registers as if it had just announced. */
  async approve(deviceId: string): Promise<PendingDevice> {
    const row = this.decide(deviceId, 'approved');
    await this.settled();
    const messages = await this.db.selectFrom('device_approval_messages').select(['topic', 'payload']).where('device_id', '=', deviceId).execute();
    await this.db.deleteFrom('device_approval_messages').where('device_id', '=', deviceId).execute();
    this.deps.events.record({ type: 'device_approved', device_id: deviceId });
    this.deps.log.info({ device: deviceId }, `device ${deviceId} approved; registering it from ${messages.length} held message(s)`);
    const replay = this.replays.get(row.source);
    for (const m of messages) await replay?.(m.topic, m.payload);
    return row;
  }

  /** Rejects a device: its messages are dropped and it stays ignored until approved. */
  async reject(deviceId: string): Promise<PendingDevice> {
    const row = this.decide(deviceId, 'rejected');
    await this.settled();
    await this.db.deleteFrom('device_approval_messages').where('device_id', '=', deviceId).execute();
    this.deps.events.record({ type: 'device_rejected', device_id: deviceId });
    this.deps.log.info({ device: deviceId }, `device ${deviceId} rejected: its messages will be ignored`);
    return row;
  }

  /** A removed device must ask again if it comes back. */
  async forget(deviceId: string): Promise<void> {
    if (!this.rows.delete(deviceId)) return;
    await this.write(() => this.db.deleteFrom('device_approvals').where('device_id', '=', deviceId).execute());
  }

  /** Resolves once every write so far is on disk. */
  settled(): Promise<void> {
    return this.writes;
  }

  private decide(deviceId: string, status: 'approved' | 'rejected'): PendingDevice {
    const row = this.rows.get(deviceId);
    if (!row) throw new ApprovalError('not_found', `no device "${deviceId}" is waiting for approval`);
    if (row.status === status) throw new ApprovalError('conflict', `device "${deviceId}" is already ${status}`);
    row.status = status;
    void this.write(() => this.db.updateTable('device_approvals').set({ status }).where('device_id', '=', deviceId).execute());
    return row;
  }

  private hold(arrival: Arrival, existing: PendingDevice | undefined): void {
    const now = Date.now();
    const row: PendingDevice = existing ?? {
      device_id: arrival.deviceId,
      status: 'pending',
      source: arrival.source,
      name: null,
      model: null,
      manufacturer: null,
      first_seen: now,
      last_seen: now,
    };
    row.last_seen = now;
    row.name = arrival.name ?? row.name;
    row.model = arrival.model ?? row.model;
    row.manufacturer = arrival.manufacturer ?? row.manufacturer;
    this.rows.set(row.device_id, row);
    const message = { device_id: row.device_id, topic: arrival.topic, payload: arrival.payload };
    void this.write(async () => {
      await this.db.insertInto('device_approvals').values(row).onConflict((oc) => oc.column('device_id').doUpdateSet(row)).execute();
      await this.db
        .insertInto('device_approval_messages')
        .values(message)
        .onConflict((oc) => oc.columns(['device_id', 'topic']).doUpdateSet({ payload: message.payload }))
        .execute();
    });
    if (existing) return;
    this.deps.events.record({ type: 'device_pending', device_id: row.device_id, data: { source: row.source, name: row.name, model: row.model } });
    this.deps.log.info(
      { device: row.device_id },
      `device ${row.device_id} (${[row.manufacturer, row.model].filter(Boolean).join(' ') || row.source}) waits for approval: GET /api/pending-devices, then POST /api/pending-devices/${row.device_id}/approve or /reject`,
    );
  }

  private write(task: () => Promise<unknown>): Promise<void> {
    this.writes = this.writes.then(task).then(
      () => undefined,
      (error: Error) => this.deps.log.error({ err: error }, `saving a pending device failed: ${error.message}`),
    );
    return this.writes;
  }
}
