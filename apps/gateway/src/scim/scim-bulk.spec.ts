import { BULK_MAX_OPERATIONS, BULK_REQUEST_SCHEMA, parseBulkRequest } from './scim-bulk';
import { PATCH_OP_SCHEMA } from './scim-request';
import { ScimBadRequest, ScimPayloadTooLarge } from './scim.error';

const deactivate = { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: false }] };
const bulk = (Operations: unknown, extra: Record<string, unknown> = {}) => ({ schemas: [BULK_REQUEST_SCHEMA], Operations, ...extra });

function thrown(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('SCIM BulkRequest (DEPROV-3, RFC 7644 §3.7)', () => {
  it('DEPROV-3 reads PATCH active=false and DELETE of /Users/{id}, ids percent-decoded, bulkIds kept', () => {
    expect(
      parseBulkRequest(
        bulk([
          { method: 'PATCH', bulkId: 'one', path: '/Users/ann%40example', data: deactivate },
          { method: 'delete', path: '/Users/bob' },
        ]),
      ),
    ).toEqual({
      operations: [
        { method: 'PATCH', bulkId: 'one', userId: 'ann@example' },
        { method: 'DELETE', userId: 'bob' },
      ],
      failOnErrors: undefined,
    });
  });

  it('DEPROV-3 a bad operation fails on its own with an RFC 7644 error body; the others stand', () => {
    const { operations } = parseBulkRequest(
      bulk([
        'not an object',
        { path: '/Users/x' },
        { method: 'POST', path: '/Users', data: {} },
        { method: 'DELETE', path: '/Groups/x' },
        { method: 'DELETE', path: `/Users/${'x'.repeat(256)}` },
        {
          method: 'PATCH',
          path: '/Users/carol',
          data: { schemas: [PATCH_OP_SCHEMA], Operations: [{ op: 'replace', path: 'active', value: true }] },
        },
        { method: 'DELETE', path: '/Users/dave' },
      ]),
    );
    expect(operations.map((operation) => [operation.error?.status, operation.error?.scimType])).toEqual([
      ['400', 'invalidSyntax'],
      ['400', 'invalidSyntax'],
      ['501', undefined],
      ['400', 'invalidValue'],
      ['400', 'invalidValue'],
      ['400', 'invalidValue'],
      [undefined, undefined],
    ]);
    expect(operations[6]).toEqual({ method: 'DELETE', userId: 'dave' });
  });

  it('DEPROV-3 a malformed envelope is a 400 invalidSyntax for the whole request', () => {
    for (const body of [
      null,
      [],
      { Operations: [] },
      { schemas: ['urn:other'], Operations: [{ method: 'DELETE', path: '/Users/a' }] },
      bulk([]),
      bulk({}),
    ]) {
      const error = thrown(() => parseBulkRequest(body));
      expect(error).toBeInstanceOf(ScimBadRequest);
      expect((error as ScimBadRequest).scimType).toBe('invalidSyntax');
    }
    for (const failOnErrors of [0, -1, 1.5, '2']) {
      expect(
        (thrown(() => parseBulkRequest(bulk([{ method: 'DELETE', path: '/Users/a' }], { failOnErrors }))) as ScimBadRequest).scimType,
      ).toBe('invalidValue');
    }
    expect(parseBulkRequest(bulk([{ method: 'DELETE', path: '/Users/a' }], { failOnErrors: 2 })).failOnErrors).toBe(2);
  });

  it('DEPROV-3 more operations than maxOperations is a 413 naming the limit', () => {
    const operations = Array.from({ length: BULK_MAX_OPERATIONS + 1 }, () => ({ method: 'DELETE', path: '/Users/a' }));
    const error = thrown(() => parseBulkRequest(bulk(operations)));
    expect(error).toBeInstanceOf(ScimPayloadTooLarge);
    expect((error as ScimPayloadTooLarge).detail).toContain(`maxOperations (${BULK_MAX_OPERATIONS})`);
    expect(parseBulkRequest(bulk(operations.slice(1))).operations).toHaveLength(BULK_MAX_OPERATIONS);
  });
});
