/**
 * The load generator of `bench/ingest.ts`, run as a child process so the
 * simulated devices' own CPU (1,000 mqtt.js clients) is not charged to the
 * broker's event loop. Driven over IPC: connect, flood, pace, disconnect.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { deviceId, wallMs, type DeviceCommand, type DeviceGroup, type DeviceReply } from './ingest-protocol.ts';

const groups = new Map<DeviceGroup, MqttClient[]>();
const group = (name: DeviceGroup) => groups.get(name) ?? [];
const reply = (message: DeviceReply) => process.send!(message);
const cpuMs = (start: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000);
};

async function connect(name: DeviceGroup, url: string, devices: number, switches: number): Promise<void> {
  const started = performance.now();
  const clients: MqttClient[] = [];
  groups.set(name, clients);
  const ids = Array.from({ length: devices }, (_, i) => deviceId(i));
  for (let i = 0; i < ids.length; i += 100) {
    const batch = await Promise.all(
      ids.slice(i, i + 100).map(async (id, j) => {
        const client = await mqtt.connectAsync(url, {
          clientId: id,
          will: { topic: `hearth/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
          reconnectPeriod: 0,
          keepalive: 120,
        });
        const entities: object[] = [{ key: 'temperature', kind: 'sensor', unit: '°C', state_class: 'measurement' }];
        if (i + j < switches) {
          entities.push({ key: 'relay', kind: 'switch' });
          await client.subscribeAsync(`hearth/${id}/cmd/+`, { qos: 1 });
          // Acks at once, as firmware that applies the relay would.
          client.on('message', (topic, raw) => {
            const { id: commandId, value } = JSON.parse(raw.toString()) as { id: string; value: unknown };
            client.publish(`${topic}/ack`, JSON.stringify({ id: commandId, ok: true, value }), { qos: 1 });
          });
        }
        await client.publishAsync(`hearth/${id}/announce`, JSON.stringify({ id, entities }), { qos: 1, retain: true });
        return client;
      }),
    );
    clients.push(...batch);
  }
  reply({ type: 'connected', devices: clients.length, ms: Math.round(performance.now() - started) });
}

/** Every device publishes as fast as its connection takes it: QoS 0 up to the socket's backpressure, QoS 1 one message in flight per device. */
async function flood(clients: MqttClient[], qos: 0 | 1, ms: number): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const end = started + ms;
  let sent = 0;
  let acked = 0;
  const window = qos === 0 ? 4 : 1;
  await Promise.all(
    clients.map(
      (client, i) =>
        new Promise<void>((resolve) => {
          const topic = `hearth/${deviceId(i)}/telemetry`;
          let inFlight = 0;
          let n = 0;
          const pump = () => {
            while (inFlight < window && performance.now() < end) {
              inFlight++;
              sent++;
              n++;
              client.publish(topic, `{"temperature":${20 + (n % 1000) / 100}}`, { qos }, () => {
                inFlight--;
                acked++;
                // The callback of a QoS 0 publish runs synchronously when the socket took it: yield, or this never ends.
                setImmediate(pump);
              });
            }
            if (inFlight === 0 && performance.now() >= end) resolve();
          };
          pump();
        }),
    ),
  );
  reply({ type: 'flooded', sent, acked, ms: Math.round(performance.now() - started), cpuMs: cpuMs(cpu) });
}

/** `rate` messages/s in all, round-robin over the devices; each value is its publish time (wall ms), so the receiver knows the latency. */
async function pace(clients: MqttClient[], qos: 0 | 1, rate: number, ms: number): Promise<void> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  let sent = 0;
  let next = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * rate) / 1000), Math.floor((ms * rate) / 1000));
      while (sent < due) {
        const i = next++ % clients.length;
        clients[i]!.publish(`hearth/${deviceId(i)}/telemetry`, `{"temperature":${wallMs().toFixed(3)}}`, { qos });
        sent++;
      }
      if (elapsed >= ms) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  reply({ type: 'paced', sent, ms: Math.round(performance.now() - started), cpuMs: cpuMs(cpu) });
}

process.on('message', (message: DeviceCommand) => {
  const run = async () => {
    switch (message.cmd) {
      case 'connect':
        return connect(message.group, message.url, message.devices, message.switches);
      case 'flood':
        return flood(group(message.group), message.qos, message.ms);
      case 'pace':
        return pace(group(message.group), message.qos, message.rate, message.ms);
      case 'clock':
        return reply({ type: 'clock', parent: message.parent, child: wallMs() });
      case 'disconnect':
        await Promise.all([...groups.values()].flat().map((c) => c.endAsync(true)));
        groups.clear();
        return reply({ type: 'disconnected' });
      case 'exit':
        process.exit(0);
    }
  };
  run().catch((error: unknown) => {
    console.error('device simulator failed:', error);
    process.exit(1);
  });
});
