import { ScimBadRequest } from './scim.error';

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const MAX_USER_NAME_LENGTH = 320;

/**
 * The one filter we serve (RFC 7644 §3.4.2.2): `userName eq "…"`, which is how
 * identity providers look a user up. Attribute and operator names are case-insensitive.
 */
export function parseUserNameFilter(filter: unknown): string {
  if (typeof filter !== 'string' || filter.trim() === '')
    throw new ScimBadRequest('invalidFilter', 'A filter is required: userName eq "<email>".');
  const match = /^\s*userName\s+eq\s+"((?:[^"\\]|\\.)*)"\s*$/i.exec(filter);
  if (!match) throw new ScimBadRequest('invalidFilter', 'Only the filter userName eq "<email>" is supported.');
  let userName: string;
  try {
    userName = JSON.parse(`"${match[1]}"`) as string;
  } catch {
    throw new ScimBadRequest('invalidFilter', 'The filter value is not a valid string.');
  }
  if (userName.length < 1 || userName.length > MAX_USER_NAME_LENGTH)
    throw new ScimBadRequest('invalidFilter', `userName must be 1 to ${MAX_USER_NAME_LENGTH} characters.`);
  return userName;
}

/**
 * A PatchOp (RFC 7644 §3.5.2) is accepted only when it deactivates the user —
 * the one change this product makes (DEPROV-1). Both forms identity providers send:
 *   { op: "replace", path: "active", value: false }            (RFC, Okta)
 *   { op: "Replace", value: { active: false } }                (Okta, Entra ID)
 * Entra ID also writes booleans as the strings "False"/"True". Anything else is a 400.
 */
export function assertDeactivatingPatch(body: unknown): void {
  if (!isObject(body)) throw new ScimBadRequest('invalidSyntax', 'The body must be a SCIM PatchOp object.');
  const { schemas, Operations } = body;
  if (!Array.isArray(schemas) || !schemas.includes(PATCH_OP_SCHEMA))
    throw new ScimBadRequest('invalidSyntax', `schemas must include "${PATCH_OP_SCHEMA}".`);
  if (!Array.isArray(Operations) || Operations.length === 0)
    throw new ScimBadRequest('invalidSyntax', 'Operations must be a non-empty array.');
  for (const operation of Operations) assertDeactivatingOperation(operation);
}

function assertDeactivatingOperation(operation: unknown): void {
  if (!isObject(operation) || typeof operation.op !== 'string') throw new ScimBadRequest('invalidSyntax', 'Each operation needs an op.');
  if (!['replace', 'add'].includes(operation.op.toLowerCase())) {
    throw new ScimBadRequest('invalidValue', 'Only replacing active with false is supported.');
  }
  const { path, value } = operation;
  if (path !== undefined) {
    if (typeof path !== 'string' || path.trim().toLowerCase() !== 'active')
      throw new ScimBadRequest('invalidValue', 'Only the attribute active can be changed.');
    assertFalse(value);
    return;
  }
  if (!isObject(value)) throw new ScimBadRequest('invalidSyntax', 'An operation without a path needs an object value.');
  const keys = Object.keys(value);
  if (keys.length !== 1 || keys[0].toLowerCase() !== 'active')
    throw new ScimBadRequest('invalidValue', 'Only the attribute active can be changed.');
  assertFalse(value[keys[0]]);
}

function assertFalse(value: unknown): void {
  if (value === false || (typeof value === 'string' && value.toLowerCase() === 'false')) return;
  throw new ScimBadRequest('invalidValue', 'active can only be set to false: a deprovisioned user is not reactivated.');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
