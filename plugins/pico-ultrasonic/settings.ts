/**
 * Each device's effective settings: its own entry under `devices:`, else the
 * plugin's top-level values. Every schedule is built once at start, so a
 * window that cannot work stops the plugin with its path instead of failing later.
 */
import type { FromSchema } from 'json-schema-to-ts';
import { PluginConfigError } from '../../core/plugin-api.ts';
import type { configSchema } from './config-schema.ts';
import { Schedule, type ArmingSetting } from './schedule.ts';

export type PicoConfig = FromSchema<typeof configSchema>;

export interface DeviceSettings {
  thresholdCm: number;
  timeoutMs: number;
  schedule: Schedule;
  /** legacy devices only: the free distance, as their payload has none */
  baselineCm: number | null;
  /** for a legacy device the plugin creates */
  name: string | undefined;
}

export class PicoSettings {
  private readonly byDevice = new Map<string, DeviceSettings>();
  private readonly fallback: DeviceSettings;

  constructor(
    private readonly config: PicoConfig,
    readonly timeZone: string,
  ) {
    this.fallback = this.build('armed', undefined);
    for (const id of this.listed()) this.byDevice.set(id, this.build(`devices.${id}.armed`, id));
  }

  /** Device ids named under `devices:`. */
  listed(): string[] {
    return Object.keys(this.config.devices);
  }

  for(deviceId: string): DeviceSettings {
    return this.byDevice.get(deviceId) ?? this.fallback;
  }

  private build(path: string, deviceId: string | undefined): DeviceSettings {
    const own = deviceId === undefined ? undefined : this.config.devices[deviceId];
    const armed = (own?.armed ?? this.config.armed) as ArmingSetting;
    let schedule: Schedule;
    try {
      schedule = new Schedule(armed, this.timeZone);
    } catch (error) {
      throw new PluginConfigError(`${path}${(error as Error).message.replace(/^armed/, '')}`);
    }
    return {
      thresholdCm: own?.threshold_cm ?? this.config.threshold_cm,
      timeoutMs: (own?.motion_timeout ?? this.config.motion_timeout) * 1000,
      schedule,
      baselineCm: own?.baseline_cm ?? null,
      name: own?.name,
    };
  }
}
