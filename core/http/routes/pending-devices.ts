import { Hono } from 'hono';
import type { ApprovalStatus } from '../../db/tables.ts';
import { ApprovalError, type DeviceApprovals, type PendingDevice } from '../../registry/device-approvals.ts';
import { apiError, badRequest } from '../errors.ts';
import { iso } from '../serialize.ts';

const STATUSES: readonly ApprovalStatus[] = ['pending', 'approved', 'rejected'];

/**
 * `discovery.require_approval`: `GET /api/pending-devices[?status=rejected]`,
 * `POST /api/pending-devices/:id/approve` and `/reject`.
 */
export function pendingDeviceRoutes(approvals: DeviceApprovals): Hono {
  const decide = (action: 'approve' | 'reject') => async (id: string) => {
    try {
      return serialize(await approvals[action](id));
    } catch (error) {
      if (error instanceof ApprovalError) throw apiError(error.code === 'not_found' ? 404 : 409, error.code, error.message);
      throw error;
    }
  };
  return new Hono()
    .get('/', (c) => {
      const status = c.req.query('status') ?? 'pending';
      if (!STATUSES.includes(status as ApprovalStatus)) throw badRequest(`status: expected one of ${STATUSES.join(', ')}, got "${status}"`);
      return c.json({ require_approval: approvals.required, devices: approvals.list(status as ApprovalStatus).map(serialize) });
    })
    .post('/:id/approve', async (c) => c.json(await decide('approve')(c.req.param('id'))))
    .post('/:id/reject', async (c) => c.json(await decide('reject')(c.req.param('id'))));
}

function serialize(row: PendingDevice) {
  return { ...row, first_seen: iso(row.first_seen), last_seen: iso(row.last_seen) };
}
