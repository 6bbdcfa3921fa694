import type { Logger } from 'pino';
import type { HubMetrics } from '../metrics.ts';
import type { DeviceApprovals } from '../registry/device-approvals.ts';
import type { DeviceRegistry } from '../registry/devices.ts';
import type { EntityRegistry } from '../registry/entities.ts';
import type { StateMachine } from '../states/state-machine.ts';
import type { MqttTransport } from './transport.ts';

/** What every device protocol over MQTT (native, Home Assistant discovery, …) works with. */
export interface MqttProtocolDeps {
  mqtt: MqttTransport;
  devices: DeviceRegistry;
  entities: EntityRegistry;
  states: StateMachine;
  log: Logger;
  metrics: HubMetrics;
  /** `discovery.require_approval`; without it every device is registered as it appears. */
  approvals?: DeviceApprovals;
}
