import { randomBytes } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { commandValue } from '../commands/command-values.ts';
import { CommandError, type CommandAck, type CommandHandler } from '../commands/router.ts';
import type { EventBus } from '../events/bus.ts';
import type { DeviceRegistry } from '../registry/devices.ts';
import type { ComponentConfig } from './ha-discovery-payload.ts';
import type { HaDiscovery } from './ha-discovery.ts';
import type { MqttTransport } from './transport.ts';

/**
 * Commands to entities found by Home Assistant discovery. That protocol has
 * no acknowledgement, so the device's answer is its state topic: the command
 * counts as acknowledged when the entity reports the value asked for within
 * the timeout (or at once for an entity without a state topic, which HA calls
 * optimistic).
 */
export function haCommandHandler(deps: { discovery: HaDiscovery; mqtt: MqttTransport; devices: DeviceRegistry; bus: EventBus }): CommandHandler {
  return async ({ entity, value, timeoutMs }) => {
    const config = deps.discovery.discovered(entity.entity_id);
    if (!config?.commandTopic) throw new CommandError('unsupported', `${entity.entity_id} was discovered without a command topic`);
    const wanted = commandValue(entity, value);
    const device = entity.device_id ? deps.devices.get(entity.device_id) : undefined;
    if (device?.online === false) throw new CommandError('offline', `device "${device.id}" is offline`);
    const id = randomBytes(6).toString('hex');
    const expected = typeof wanted === 'boolean' || typeof wanted === 'number' || typeof wanted === 'string' ? wanted : undefined;
    const confirmed =
      config.stateTopic && expected !== undefined
        ? new Promise<CommandAck>((resolve, reject) => {
            const timer = setTimeout(() => {
              off();
              reject(new CommandError('timeout', `${entity.entity_id} did not report ${JSON.stringify(expected)} on ${config.stateTopic} within ${timeoutMs / 1000} s`));
            }, timeoutMs);
            const off = deps.bus.on('state_changed', ({ entity_id, new_state }) => {
              if (entity_id !== entity.entity_id || !isDeepStrictEqual(new_state.state, expected)) return;
              clearTimeout(timer);
              off();
              resolve({ id, ok: true, value: new_state.state });
            }, 'ha-discovery');
          })
        : undefined;
    await deps.mqtt.publish(config.commandTopic, commandPayload(config, wanted), { qos: 1 });
    return confirmed ?? { id, ok: true };
  };
}

/** What Home Assistant would send for the value: the configured on/off payloads, a number as text, a JSON light command. */
export function commandPayload(config: ComponentConfig, value: unknown): string {
  if (typeof value === 'boolean') {
    if (config.component === 'light' && config.schema === 'json') return JSON.stringify({ state: value ? 'ON' : 'OFF' });
    return value ? config.payloadOn : config.payloadOff;
  }
  if (value === null) return String(config.options.payload_press ?? 'PRESS');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
