/** RFC 7644 §3.12: the error schema and the `scimType`s we answer with. */
export const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SCIM_CONTENT_TYPE = 'application/scim+json';

export type ScimType = 'invalidFilter' | 'invalidSyntax' | 'invalidValue' | 'noTarget' | 'mutability';

export interface ScimErrorBody {
  schemas: [typeof SCIM_ERROR_SCHEMA];
  /** A string, as RFC 7644 §3.12 says. */
  status: string;
  detail: string;
  scimType?: ScimType;
}

/** A bad SCIM request found by the gateway itself (filter, PatchOp): always a 400 with a `scimType`. */
export class ScimBadRequest extends Error {
  constructor(
    readonly scimType: ScimType,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export function scimError(status: number, detail: string, scimType?: ScimType): ScimErrorBody {
  return { schemas: [SCIM_ERROR_SCHEMA], status: String(status), detail, ...(scimType ? { scimType } : {}) };
}

/** RFC 7644 §3.7.4: a BulkRequest beyond maxOperations or maxPayloadSize is a 413 naming the limit. */
export class ScimPayloadTooLarge extends Error {
  constructor(readonly detail: string) {
    super(detail);
  }
}
