import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { announce, connectDevice, eventually, startHub, type TestHub } from '../support/hub.ts';
import { call } from './api-helpers.ts';

describe('devices and rooms through the API', () => {
  let hub: TestHub;
  let device: MqttClient | undefined;
  afterEach(async () => {
    await device?.endAsync(true);
    device = undefined;
    await hub?.stop();
  });

  async function garagePico(name = 'Garage Pico'): Promise<void> {
    device ??= await connectDevice(hub.mqttUrl, 'pico-garage');
    await announce(device, 'pico-garage', [{ key: 'distance', kind: 'sensor', unit: 'cm', name: 'Distance' }], { name });
  }

  it('renames a device and moves it between rooms; the name survives a re-announce and a restart', async () => {
    hub = await startHub();
    await garagePico();
    await eventually(async () => (await call(hub, 'GET', '/api/devices/pico-garage')).status === 200);

    const renamed = await call(hub, 'PATCH', '/api/devices/pico-garage', { name: 'Car port', room: 'Garage' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: 'pico-garage', name: 'Car port', name_by_user: 'Car port', room_id: 'garage' });
    expect(renamed.body.entities.map((e: { entity_id: string }) => e.entity_id)).toEqual(['sensor.pico_garage_distance']);
    expect((await call(hub, 'GET', '/api/rooms')).body.items).toEqual([
      { id: 'garage', name: 'Garage', created_at: expect.any(String), devices: ['pico-garage'] },
    ]);

    // The device announces its own name again (it does on every reconnect): the person's name stays.
    await garagePico('Garage Pico');
    await announce(device!, 'pico-garage', [{ key: 'distance', kind: 'sensor', unit: 'mm', name: 'Distance' }], { name: 'Garage Pico' });
    await eventually(async () => (await call(hub, 'GET', '/api/entities/sensor.pico_garage_distance')).body.unit === 'mm');
    expect((await call(hub, 'GET', '/api/devices/pico-garage')).body.name).toBe('Car port');

    // By room id, by name in another case, a new name, and null.
    await call(hub, 'POST', '/api/rooms', { name: 'Kitchen' });
    expect((await call(hub, 'PATCH', '/api/devices/pico-garage', { room: 'kitchen' })).body.room_id).toBe('kitchen');
    expect((await call(hub, 'PATCH', '/api/devices/pico-garage', { room: 'GARAGE' })).body.room_id).toBe('garage');
    expect((await call(hub, 'PATCH', '/api/devices/pico-garage', { room: 'Cellar Store' })).body.room_id).toBe('cellar_store');
    expect((await call(hub, 'PATCH', '/api/devices/pico-garage', { room: null })).body.room_id).toBeNull();

    await device!.endAsync();
    device = undefined;
    hub = await hub.restart();
    expect((await call(hub, 'GET', '/api/devices/pico-garage')).body).toMatchObject({ name: 'Car port', room_id: null });
    expect((await call(hub, 'GET', '/api/rooms')).body.items.map((r: { id: string }) => r.id)).toEqual(['cellar_store', 'garage', 'kitchen']);
  });

  it('creates, renames and deletes rooms; the devices of a deleted room are left without one', async () => {
    hub = await startHub();
    await garagePico();
    await eventually(async () => (await call(hub, 'GET', '/api/devices/pico-garage')).status === 200);

    const created = await call(hub, 'POST', '/api/rooms', { name: 'Living Room' });
    expect(created).toMatchObject({ status: 201, body: { id: 'living_room', name: 'Living Room', devices: [] } });
    expect((await call(hub, 'POST', '/api/rooms', { name: 'living room' })).status).toBe(409);
    await call(hub, 'PATCH', '/api/devices/pico-garage', { room: 'living_room' });

    const renamed = await call(hub, 'PATCH', '/api/rooms/living_room', { name: 'Lounge' });
    expect(renamed.body).toMatchObject({ id: 'living_room', name: 'Lounge', devices: ['pico-garage'] });
    await call(hub, 'POST', '/api/rooms', { name: 'Hall' });
    expect(await call(hub, 'PATCH', '/api/rooms/hall', { name: 'LOUNGE' })).toMatchObject({
      status: 409,
      body: { error: { code: 'conflict', message: 'room "living_room" is already called "Lounge"' } },
    });

    expect((await call(hub, 'DELETE', '/api/rooms/living_room')).status).toBe(204);
    expect((await call(hub, 'GET', '/api/devices/pico-garage')).body.room_id).toBeNull();
    expect((await call(hub, 'GET', '/api/rooms')).body.items.map((r: { id: string }) => r.id)).toEqual(['hall']);
    expect((await call(hub, 'DELETE', '/api/rooms/living_room')).status).toBe(404);
    expect((await call(hub, 'PATCH', '/api/rooms/nope', { name: 'X' })).body.error).toEqual({ code: 'not_found', message: 'no room "nope"' });
  });

  it('answers unknown devices with 404 and deletes devices', async () => {
    hub = await startHub();
    const unknown: Array<[string, string, object?]> = [
      ['GET', '/api/devices/nope'],
      ['PATCH', '/api/devices/nope', { name: 'x' }],
      ['DELETE', '/api/devices/nope'],
      ['POST', '/api/devices/nope/credentials'],
    ];
    for (const [method, path, body] of unknown) {
      expect(await call(hub, method, path, body), `${method} ${path}`).toMatchObject({ status: 404, body: { error: { code: 'not_found', message: 'no device "nope"' } } });
    }
    expect((await call(hub, 'POST', '/api/devices', { id: 'shed', room: 'Shed' })).status).toBe(201);
    expect((await call(hub, 'POST', '/api/devices', { id: 'shed' })).status).toBe(409);
    expect((await call(hub, 'DELETE', '/api/devices/shed')).status).toBe(204);
    expect((await call(hub, 'GET', '/api/devices/shed')).status).toBe(404);
    expect((await call(hub, 'GET', '/api/rooms')).body.items[0]).toMatchObject({ id: 'shed', devices: [] });
  });

  it('lists every problem of a malformed body with its JSON path', async () => {
    hub = await startHub();
    await call(hub, 'POST', '/api/devices', { id: 'shed' });

    const bad = await call(hub, 'PATCH', '/api/devices/shed', { name: 5, room: '', colour: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect(bad.body.error.details).toEqual([
      { in: 'body', path: '/colour', message: 'unknown key "colour" (allowed: name, room)' },
      { in: 'body', path: '/name', message: 'must be string' },
      { in: 'body', path: '/room', message: 'must NOT have fewer than 1 characters' },
    ]);
    expect(bad.body.error.message).toBe(
      'invalid request: body /colour: unknown key "colour" (allowed: name, room); body /name: must be string; body /room: must NOT have fewer than 1 characters',
    );

    const missing = await call(hub, 'POST', '/api/devices', { name: 'No id', kind: 'toaster' });
    expect(missing.body.error.details).toEqual([
      { in: 'body', path: '/id', message: 'is required' },
      { in: 'body', path: '/kind', message: 'must be one of: "pico", "esp32", "generic"' },
    ]);
    expect((await call(hub, 'PATCH', '/api/devices/shed', {})).body.error.details).toEqual([{ in: 'body', path: '', message: 'must NOT have fewer than 1 properties' }]);
    expect((await call(hub, 'PATCH', '/api/devices/shed', [])).body.error.details).toEqual([{ in: 'body', path: '', message: 'must be object' }]);
    // Query strings too: unknown parameters by name, values by type.
    expect((await call(hub, 'GET', '/api/devices?limt=5&limit=x')).body.error.details).toEqual([
      { in: 'query', path: '/limit', message: 'must be integer' },
      { in: 'query', path: '/limt', message: 'unknown key "limt" (allowed: limit, cursor, room) — did you mean "limit"?' },
    ]);
  });

  it('refuses bodies that are not JSON (415), unparsable (400 with the position), empty (400) or too large (413)', async () => {
    hub = await startHub();
    await call(hub, 'POST', '/api/devices', { id: 'shed' });

    const plain = await call(hub, 'PATCH', '/api/devices/shed', '{"name": "x"}', { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect(plain.body.error).toEqual({
      code: 'unsupported_media_type',
      message: "Content-Type text/plain: send the body as application/json (curl: --json '{…}' or -H 'Content-Type: application/json')",
    });
    const untyped = await fetch(`${hub.api}/api/devices/shed`, { method: 'PATCH', body: new TextEncoder().encode('{"name": "x"}') });
    expect(untyped.status).toBe(415);

    const broken = await call(hub, 'PATCH', '/api/devices/shed', '{\n  "name": "x",\n}', { 'content-type': 'application/json' });
    expect(broken.status).toBe(400);
    expect(broken.body.error).toEqual({ code: 'invalid_json', message: 'request body is not valid JSON: Expected double-quoted property name in JSON at line 3, column 1' });
    expect((await call(hub, 'PATCH', '/api/devices/shed', '', { 'content-type': 'application/json' })).body.error.message).toBe(
      'request body is empty: expected a JSON object',
    );

    const huge = await call(hub, 'PATCH', '/api/devices/shed', { name: 'x'.repeat(1100 * 1024) });
    expect(huge.status).toBe(413);
    expect(huge.body.error).toEqual({ code: 'payload_too_large', message: 'request body is larger than 1024 KiB (the limit is http.max_body_kb in the config)' });
    expect((await call(hub, 'GET', '/api/devices/shed')).body.name).toBe('shed');
  });

  it('holds a body sent without a length to http.max_body_kb as well', async () => {
    hub = await startHub({ base: 'http: { host: 127.0.0.1, port: 0, max_body_kb: 1 }\nmqtt: { host: 127.0.0.1, port: 0, allow_anonymous: true }\n' });
    const chunks = [new TextEncoder().encode('{"name": "'), new TextEncoder().encode('y'.repeat(2000)), new TextEncoder().encode('"}')];
    const stream = new ReadableStream({ pull: (controller) => (chunks.length ? controller.enqueue(chunks.shift()) : controller.close()) });
    const response = await fetch(`${hub.api}/api/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('larger than 1 KiB');
    expect((await call(hub, 'POST', '/api/rooms', { name: 'Small' })).status).toBe(201);
  });
});
