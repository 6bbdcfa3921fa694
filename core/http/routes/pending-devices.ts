import { Hono } from 'hono';
import { ApprovalError, type DeviceApprovals, type PendingDevice } from '../../registry/device-approvals.ts';
import { dateTime, named, notFoundResponse } from '../api-schema.ts';
import { apiError } from '../errors.ts';
import { spec } from '../route-spec.ts';
import { iso } from '../serialize.ts';

const STATUSES = ['pending', 'approved', 'rejected'] as const;

const PendingDeviceSchema = named('PendingDevice', {
  type: 'object',
  required: ['device_id', 'status', 'source', 'name', 'model', 'manufacturer', 'first_seen', 'last_seen'],
  properties: {
    device_id: { type: 'string' },
    status: { enum: STATUSES },
    source: { type: 'string', description: '`mqtt` (native announce) or `ha-discovery`' },
    name: { type: ['string', 'null'] },
    model: { type: ['string', 'null'] },
    manufacturer: { type: ['string', 'null'] },
    first_seen: dateTime,
    last_seen: dateTime,
  },
});

const list = spec({
  summary: 'List devices waiting for approval (discovery.require_approval)',
  tags: ['devices'],
  query: {
    type: 'object',
    additionalProperties: false,
    properties: { status: { enum: STATUSES, default: 'pending', description: 'which decisions to list' } },
  },
  responses: {
    200: {
      description: 'whether approval is required, and the devices with that status, newest first',
      schema: { type: 'object', required: ['require_approval', 'devices'], properties: { require_approval: { type: 'boolean' }, devices: { type: 'array', items: PendingDeviceSchema } } },
    },
  },
});

const decision = (verb: 'Approve' | 'Reject', effect: string) =>
  spec({
    summary: `${verb} a device that announced itself`,
    description: effect,
    tags: ['devices'],
    responses: { 200: { description: 'the decision', schema: PendingDeviceSchema }, 404: notFoundResponse('pending device'), 409: { description: 'already decided that way' } },
  });

const approve = decision('Approve', 'It is registered at once from the messages it announced itself with.');
const reject = decision('Reject', 'Its messages are ignored from now on, until it is approved.');

/**
 * `discovery.require_approval`: `GET /api/pending-devices[?status=rejected]`,
 * `POST /api/pending-devices/:id/approve` and `/reject`.
 */
export function pendingDeviceRoutes(approvals: DeviceApprovals): Hono {
  const decide = async (action: 'approve' | 'reject', id: string) => {
    try {
      return serialize(await approvals[action](id));
    } catch (error) {
      if (error instanceof ApprovalError) throw apiError(error.code === 'not_found' ? 404 : 409, error.code, error.message);
      throw error;
    }
  };
  return new Hono()
    .get('/', list, (c) => c.json({ require_approval: approvals.required, devices: approvals.list(c.req.valid('query').status).map(serialize) }))
    .post('/:id/approve', approve, async (c) => c.json(await decide('approve', c.req.param('id'))))
    .post('/:id/reject', reject, async (c) => c.json(await decide('reject', c.req.param('id'))));
}

function serialize(row: PendingDevice) {
  return { ...row, first_seen: iso(row.first_seen), last_seen: iso(row.last_seen) };
}
