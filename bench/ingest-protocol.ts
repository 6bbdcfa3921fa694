/** What `bench/ingest.ts` and its device simulator (`bench/ingest-devices.ts`) say to each other over IPC. */
export type DeviceCommand =
  | { cmd: 'connect'; url: string; devices: number; switches: number }
  | { cmd: 'flood'; qos: 0 | 1; ms: number }
  | { cmd: 'pace'; qos: 0 | 1; rate: number; ms: number }
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

