import { assertDeactivatingPatch, parseUserNameFilter, PATCH_OP_SCHEMA } from './scim-request';
import { ScimBadRequest } from './scim.error';

const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_SCHEMA], Operations });

function scimTypeOf(work: () => unknown): string | undefined {
  try {
    work();
  } catch (error) {
    if (error instanceof ScimBadRequest) return error.scimType;
    throw error;
  }
  return undefined;
}

describe('SCIM requests (DEPROV-1)', () => {
  it('DEPROV-1 reads the userName eq filter, case-insensitively, with escapes', () => {
    expect(parseUserNameFilter('userName eq "ann@example.test"')).toBe('ann@example.test');
    expect(parseUserNameFilter('USERNAME EQ "a\\"b@example.test"')).toBe('a"b@example.test');
  });

  it('DEPROV-1 refuses other filters with invalidFilter', () => {
    for (const filter of [undefined, '', 'userName co "a"', 'emails eq "a"', 'userName eq "a" or active eq true', 'userName eq a']) {
      expect([filter, scimTypeOf(() => parseUserNameFilter(filter))]).toEqual([filter, 'invalidFilter']);
    }
  });

  it('DEPROV-1 accepts the RFC form, the Okta/Entra value-object form and Entra string booleans', () => {
    expect(() => assertDeactivatingPatch(patch({ op: 'replace', path: 'active', value: false }))).not.toThrow();
    expect(() => assertDeactivatingPatch(patch({ op: 'Replace', value: { active: false } }))).not.toThrow();
    expect(() => assertDeactivatingPatch(patch({ op: 'Replace', path: 'active', value: 'False' }))).not.toThrow();
  });

  it('DEPROV-1 refuses anything else with invalidSyntax or invalidValue', () => {
    const cases: Array<[unknown, string]> = [
      [null, 'invalidSyntax'],
      [{ Operations: [{ op: 'replace', path: 'active', value: false }] }, 'invalidSyntax'],
      [patch(), 'invalidSyntax'],
      [patch({ path: 'active', value: false }), 'invalidSyntax'],
      [patch({ op: 'replace', path: 'active', value: true }), 'invalidValue'],
      [patch({ op: 'replace', path: 'displayName', value: 'x' }), 'invalidValue'],
      [patch({ op: 'remove', path: 'active' }), 'invalidValue'],
      [patch({ op: 'replace', value: { active: false, displayName: 'x' } }), 'invalidValue'],
      [patch({ op: 'replace', value: false }), 'invalidSyntax'],
    ];
    for (const [body, scimType] of cases) expect([body, scimTypeOf(() => assertDeactivatingPatch(body))]).toEqual([body, scimType]);
  });
});
