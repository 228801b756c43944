import type { ScimUserRecord } from '@td/contracts';

export const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const SCIM_LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export interface ScimUserResource {
  schemas: [typeof SCIM_USER_SCHEMA];
  id: string;
  userName: string;
  displayName: string;
  active: boolean;
  emails: Array<{ value: string; primary: boolean }>;
  meta: { resourceType: 'User'; location: string };
}

export interface ScimListResponse {
  schemas: [typeof SCIM_LIST_SCHEMA];
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: ScimUserResource[];
}

/** RFC 7643 §4.1 User resource; `id` is the user's token `sub`, `userName` the email (API.md). */
export function toScimUser(user: ScimUserRecord, publicUrl: string): ScimUserResource {
  return {
    schemas: [SCIM_USER_SCHEMA],
    id: user.id,
    userName: user.userName,
    displayName: user.displayName,
    active: user.active,
    emails: [{ value: user.userName, primary: true }],
    meta: { resourceType: 'User', location: `${publicUrl}/scim/v2/Users/${encodeURIComponent(user.id)}` },
  };
}

/** RFC 7644 §3.4.2 ListResponse: a userName filter matches at most a handful, so one page holds all. */
export function toListResponse(users: ScimUserRecord[], publicUrl: string): ScimListResponse {
  return {
    schemas: [SCIM_LIST_SCHEMA],
    totalResults: users.length,
    startIndex: 1,
    itemsPerPage: users.length,
    Resources: users.map((u) => toScimUser(u, publicUrl)),
  };
}
