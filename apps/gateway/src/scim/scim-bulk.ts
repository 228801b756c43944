import { MAX_BULK_DEPROVISIONS } from '@td/contracts';
import { assertDeactivatingPatch } from './scim-request';
import { ScimBadRequest, scimError, ScimPayloadTooLarge, type ScimErrorBody } from './scim.error';

export const BULK_REQUEST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
export const BULK_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';

/** RFC 7644 §3.7 limits, advertised in /ServiceProviderConfig (DEPROV-3). */
export const BULK_MAX_OPERATIONS = MAX_BULK_DEPROVISIONS;
export const BULK_MAX_PAYLOAD_BYTES = 1_048_576;

const MAX_USER_ID_LENGTH = 255;

/** One operation of a BulkRequest, read: the user it deactivates, or why it cannot be done (answered on its own). */
export interface BulkOperation {
  method: string;
  bulkId?: string;
  userId?: string;
  error?: ScimErrorBody;
}

export interface BulkRequest {
  operations: BulkOperation[];
  /** RFC 7644 §3.7.3: stop after this many errors; absent = carry on through every operation. */
  failOnErrors?: number;
}

/** The response of one operation (RFC 7644 §3.7): status as a string, an error body when it failed. */
export interface BulkOperationResponse {
  method: string;
  bulkId?: string;
  location?: string;
  status: string;
  response?: unknown;
}

/**
 * Reads a BulkRequest whose operations deprovision users: `PATCH /Users/{id}` setting
 * active to false, or `DELETE /Users/{id}`. A malformed envelope is a 400 for the whole
 * request, more than `maxOperations` a 413; a bad operation fails on its own.
 */
export function parseBulkRequest(body: unknown): BulkRequest {
  if (!isObject(body)) throw new ScimBadRequest('invalidSyntax', 'The body must be a SCIM BulkRequest object.');
  const { schemas, Operations, failOnErrors } = body;
  if (!Array.isArray(schemas) || !schemas.includes(BULK_REQUEST_SCHEMA))
    throw new ScimBadRequest('invalidSyntax', `schemas must include "${BULK_REQUEST_SCHEMA}".`);
  if (!Array.isArray(Operations) || Operations.length === 0)
    throw new ScimBadRequest('invalidSyntax', 'Operations must be a non-empty array.');
  if (Operations.length > BULK_MAX_OPERATIONS) {
    throw new ScimPayloadTooLarge(`The number of operations (${Operations.length}) exceeds maxOperations (${BULK_MAX_OPERATIONS}).`);
  }
  if (failOnErrors !== undefined && !(Number.isInteger(failOnErrors) && (failOnErrors as number) >= 1)) {
    throw new ScimBadRequest('invalidValue', 'failOnErrors must be a positive integer.');
  }
  return { operations: Operations.map(readOperation), failOnErrors: failOnErrors as number | undefined };
}

function readOperation(operation: unknown): BulkOperation {
  if (!isObject(operation)) return { method: '', error: scimError(400, 'Each operation must be an object.', 'invalidSyntax') };
  const method = typeof operation.method === 'string' ? operation.method.toUpperCase() : '';
  const bulkId = typeof operation.bulkId === 'string' ? operation.bulkId : undefined;
  const read: BulkOperation = { method, ...(bulkId !== undefined ? { bulkId } : {}) };
  if (!method) return { ...read, error: scimError(400, 'The operation needs a method.', 'invalidSyntax') };
  if (method !== 'PATCH' && method !== 'DELETE')
    return { ...read, error: scimError(501, `${method} is not supported here: only PATCH (active false) and DELETE of Users.`) };
  const userId = userIdOf(operation.path);
  if (userId === null) return { ...read, error: scimError(400, 'path must be /Users/{id}.', 'invalidValue') };
  if (method === 'PATCH') {
    try {
      assertDeactivatingPatch(operation.data);
    } catch (error) {
      if (error instanceof ScimBadRequest) return { ...read, userId, error: scimError(400, error.detail, error.scimType) };
      throw error;
    }
  }
  return { ...read, userId };
}

function userIdOf(path: unknown): string | null {
  if (typeof path !== 'string') return null;
  const match = /^\/Users\/([^/?#]+)$/.exec(path);
  if (!match) return null;
  let userId: string;
  try {
    userId = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  return userId.length >= 1 && userId.length <= MAX_USER_ID_LENGTH ? userId : null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
