/**
 * Pico W ultrasonic sensors (firmware/pico-ultrasonic): a motion sensor and
 * an armed switch per device, an arming schedule, `pico-ultrasonic.intrusion`
 * events with the device's exact time, the threshold pushed to the firmware,
 * and the older flat payload on its own topic. See README.md beside this file.
 */
import { definePlugin, isTimeZone, PluginConfigError, RejectionLog } from '../../core/plugin-api.ts';
import { configSchema } from './config-schema.ts';
import { LegacyPayloadError, parseLegacy } from './legacy-payload.ts';
import { PicoDevices } from './pico-devices.ts';
import { PicoSettings } from './settings.ts';
import { picoRecords } from './telemetry.ts';
import { ThresholdPusher } from './threshold-push.ts';

const DEVICE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export default definePlugin({
  id: 'pico-ultrasonic',
  version: '1.0.0',
  hub: '^1.0.0',
  description: 'Pico W ultrasonic sensors: motion, arming schedule, intrusion events',
  configSchema,

  async setup(ctx) {
    const { config } = ctx;
    const timeZone = config.timezone ?? ctx.hub.timeZone;
    if (!isTimeZone(timeZone)) throw new PluginConfigError(`timezone "${timeZone}" is not an IANA time zone such as Europe/Berlin`);
    const settings = new PicoSettings(config, timeZone);

    const pusher = config.push_threshold ? new ThresholdPusher(ctx, config.threshold_ack_timeout * 1000) : null;
    await pusher?.start();
    const picos = new PicoDevices(ctx, settings, pusher);
    for (const id of settings.listed()) picos.claimLegacyTopic(id);

    ctx.bus.on('device_registered', (e) => void picos.consider(e.device_id));
    // A device provisioned first gets its model with its announce, after it was registered.
    ctx.bus.on('entity_registered', (e) => void picos.consider(e.device_id));
    ctx.bus.on('device_online', (e) => picos.cameOnline(e.device_id));
    ctx.bus.on('device_removed', (e) => picos.removed(e.device_id));

    // Every message, not state changes: the same distance twice is two triggers.
    await ctx.mqtt.subscribe('hearth/+/telemetry', (m) => {
      const deviceId = m.topic.split('/')[1]!;
      if (picos.watching(deviceId)) return picos.native(deviceId, picoRecords(m.payload, Date.now()));
    });

    const rejections = new RejectionLog(ctx.log, 'legacy message');
    const idLevel = config.legacy_topic.split('/').indexOf('+');
    await ctx.mqtt.subscribe(config.legacy_topic, async (m) => {
      const deviceId = m.topic.split('/')[idLevel]!;
      try {
        if (!DEVICE_ID.test(deviceId)) throw new LegacyPayloadError('invalid_payload', `device id "${deviceId}" must be 1-64 letters, digits, "_" or "-"`, 'topic');
        await picos.legacy(deviceId, parseLegacy(deviceId, m.payload, timeZone, Date.now()));
      } catch (error) {
        if (!(error instanceof LegacyPayloadError)) throw error;
        rejections.reject(m.topic, error.reason, error.message, error.field);
      }
    });

    // The armed switches follow their schedules.
    ctx.schedule.cron('* * * * *', () => picos.refreshArmed(Date.now()));

    // POST /api/entities/switch.<id>_armed/commands {"value": true}: armed by hand until the schedule next changes.
    ctx.commands.handle(async ({ entity, value }) => {
      const pico = entity.key === 'armed' && entity.device_id ? picos.get(entity.device_id) : undefined;
      if (!pico) return { ok: false, error: `${entity.entity_id} takes no commands` };
      const { armed, until } = pico.armed.set(value as boolean, Date.now());
      ctx.log.info({ device: pico.id }, `Pico ${pico.id} ${armed ? 'armed' : 'disarmed'} by hand${until ? ` until ${new Date(until).toISOString()}` : ''}`);
      return { ok: true, value: armed };
    });

    await Promise.all(ctx.devices.list().map((d) => picos.consider(d.id)));
    ctx.log.info(`watching Pico ultrasonic sensors (legacy messages on ${config.legacy_topic}, time zone ${timeZone})`);
  },
});
