import { inspectRoutes } from 'hono/dev';
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { createAjv } from '../../core/config/ajv.ts';
import { announce, connectDevice, eventually, startHub, tempDir, writeFiles, type TestHub } from '../support/hub.ts';
import { call } from './api-helpers.ts';

const METHODS_OF_ALL = ['get', 'post', 'put', 'patch', 'delete'];

/** `/api/devices/:id` → `/api/devices/{id}`, a catch-all `*` → `{path}`: how OpenAPI writes a Hono route. */
const template = (path: string) => path.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?/g, '{$1}').replace(/\*$/, '{path}');

/** A schema with its `$ref`s to components replaced by what they name, for ajv. */
function resolveRefs(schema: unknown, components: Record<string, unknown>): unknown {
  if (Array.isArray(schema)) return schema.map((s) => resolveRefs(s, components));
  if (schema === null || typeof schema !== 'object') return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref) return resolveRefs(components[ref.replace('#/components/schemas/', '')], components);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolveRefs(v, components)]));
}

describe('/api/openapi.json', () => {
  let hub: TestHub;
  let device: MqttClient | undefined;
  afterEach(async () => {
    await device?.endAsync(true);
    await hub?.stop();
  });

  it('documents every route the app serves, and only those', async () => {
    hub = await startHub();
    const { status, body: doc } = await call(hub, 'GET', '/api/openapi.json');
    expect(status).toBe(200);
    expect(doc).toMatchObject({ openapi: '3.1.0', info: { title: 'Hearth API' } });
    expect(doc.components.securitySchemes).toEqual({
      bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      cookieAuth: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'hearth_session' }),
    });

    const served = new Set<string>();
    for (const route of inspectRoutes(hub.hub.httpApp)) {
      if (route.isMiddleware) continue;
      for (const method of route.method === 'ALL' ? METHODS_OF_ALL : [route.method.toLowerCase()]) served.add(`${method} ${template(route.path)}`);
    }
    const documented = new Set<string>(Object.entries(doc.paths as Record<string, object>).flatMap(([path, operations]) => Object.keys(operations).map((m) => `${m} ${path}`)));
    expect([...served].filter((route) => !documented.has(route)), 'served but not documented').toEqual([]);
    expect([...documented].filter((route) => !served.has(route)), 'documented but not served').toEqual([]);
    expect(served.size).toBeGreaterThan(30);

    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(operations)) {
        expect(operation.summary, `${method} ${path}`).toEqual(expect.any(String));
        expect(operation.tags, `${method} ${path}`).toHaveLength(1);
        expect(doc.tags.map((t: { name: string }) => t.name)).toContain(operation.tags[0]);
        const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(operation.parameters?.filter((p: { in: string }) => p.in === 'path').map((p: { name: string }) => p.name) ?? [], `${method} ${path}`).toEqual(pathParams);
      }
    }
    // Who may call what comes from the access policy.
    expect(doc.paths['/api/health'].get.security).toEqual([]);
    expect(doc.paths['/api/devices/{id}'].patch.description).toContain('Needs the role user or higher.');
    expect(doc.paths['/api/devices/{id}'].delete.responses).toHaveProperty('403');
  });

  it('validates every documented JSON body by its documented schema', async () => {
    hub = await startHub();
    const doc = (await call(hub, 'GET', '/api/openapi.json')).body;
    const withBody = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, operation]) => operation.requestBody?.content['application/json'])
        .map(([method, operation]) => ({ method, path, schema: resolveRefs(operation.requestBody.content['application/json'].schema, doc.components.schemas) as any })),
    );
    expect(withBody.map((b) => `${b.method} ${b.path}`)).toEqual(expect.arrayContaining(['patch /api/devices/{id}', 'patch /api/entities/{entity_id}', 'post /api/config/validate']));
    for (const { method, path, schema } of withBody) {
      if (schema.additionalProperties !== false) continue;
      const answer = await call(hub, method.toUpperCase(), path.replace(/\{\w+\}/g, 'x'), { __unknown: 1 });
      expect(answer.status, `${method} ${path}`).toBe(400);
      expect(answer.body.error.details, `${method} ${path}`).toContainEqual({ in: 'body', path: '/__unknown', message: expect.stringContaining('unknown key "__unknown"') });
    }
  });

  it('describes what the read routes answer: real answers pass their documented schemas', async () => {
    const dir = tempDir();
    writeFiles(dir, { 'plugins/nap/index.ts': `export default { id: 'nap', version: '1.0.0', hub: '^1.0.0', setup() {} };` });
    hub = await startHub({ dir, yaml: 'plugins: { nap: {} }' });
    device = await connectDevice(hub.mqttUrl, 'pico');
    await announce(device, 'pico', [{ key: 'distance', kind: 'sensor', unit: 'cm' }, { key: 'motion', kind: 'binary_sensor', device_class: 'motion' }], { name: 'Pico' });
    await device.publishAsync('hearth/pico/telemetry', JSON.stringify({ distance: 42, motion: true }), { qos: 1 });
    await call(hub, 'PATCH', '/api/devices/pico', { room: 'Garage' });
    await eventually(async () => (await call(hub, 'GET', '/api/events?type=motion_started')).body.items.length === 1);

    const doc = (await call(hub, 'GET', '/api/openapi.json')).body;
    const ajv = createAjv();
    const reads = [
      ['/api/devices', '/api/devices'],
      ['/api/devices/{id}', '/api/devices/pico'],
      ['/api/entities', '/api/entities'],
      ['/api/entities/{entity_id}', '/api/entities/sensor.pico_distance'],
      ['/api/states', '/api/states'],
      ['/api/states/{entity_id}', '/api/states/binary_sensor.pico_motion'],
      ['/api/rooms', '/api/rooms'],
      ['/api/events', '/api/events'],
      ['/api/plugins', '/api/plugins'],
      ['/api/health', '/api/health'],
      ['/api/history/{entity_id}', '/api/history/sensor.pico_distance'],
      ['/api/statistics/consumption', '/api/statistics/consumption'],
      ['/api/pairing', '/api/pairing'],
    ];
    for (const [documented, path] of reads) {
      const answer = await call(hub, 'GET', path!);
      expect(answer.status, path).toBe(200);
      const validate = ajv.compile(resolveRefs(doc.paths[documented!].get.responses['200'].content['application/json'].schema, doc.components.schemas) as object);
      expect(validate(answer.body) ? [] : validate.errors, path).toEqual([]);
      if (Array.isArray(answer.body.items)) expect(answer.body.items.length, path).toBeGreaterThan(0);
    }
  });
});
