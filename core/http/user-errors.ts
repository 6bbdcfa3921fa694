import { UserError } from '../auth/users.ts';
import { apiError } from './errors.ts';

const ANSWER = {
  invalid: [400, 'invalid_request'],
  exists: [409, 'conflict'],
  not_found: [404, 'not_found'],
  last_admin: [409, 'conflict'],
} as const;

/** Runs `work`, answering a refused user or token change with its status (400, 404, 409) and message. */
export async function asApiErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    const [status, code] = ANSWER[error.code];
    throw apiError(status, code, error.message);
  }
}
