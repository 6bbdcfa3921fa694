/** What `bench/ingest.ts` and its device simulator (`bench/ingest-devices.ts`) say to each other over IPC. */
/**
 * The simulator keeps one group of devices per broker under test (`hub`,
 * `bare`), all connected at once, so floods against the two can alternate.
 */
export type DeviceGroup = 'hub' | 'bare';

export type DeviceCommand =
  | { cmd: 'connect'; group: DeviceGroup; url: string; devices: number; switches: number }
  | { cmd: 'flood'; group: DeviceGroup; qos: 0 | 1; ms: number }
  | { cmd: 'pace'; group: DeviceGroup; qos: 0 | 1; rate: number; ms: number }
  | { cmd: 'clock'; parent: number }
  | { cmd: 'disconnect' }
  | { cmd: 'exit' };

export type DeviceReply =
  | { type: 'connected'; devices: number; ms: number }
  | { type: 'flooded'; sent: number; acked: number; ms: number; cpuMs: number }
  | { type: 'paced'; sent: number; ms: number; cpuMs: number }
  | { type: 'clock'; parent: number; child: number }
  | { type: 'disconnected' };

/** Wall-clock ms with sub-ms precision, comparable across processes on one machine. */
export const wallMs = () => performance.timeOrigin + performance.now();

export const deviceId = (i: number) => `bench-${String(i).padStart(4, '0')}`;

