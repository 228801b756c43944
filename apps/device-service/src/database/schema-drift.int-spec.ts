import { schemaDrift } from './schema-drift';

describe('entities and migrations (issue 11: generated migrations)', () => {
  it('a migration generated against a freshly migrated database is empty', async () => {
    const statements = await schemaDrift(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
    expect(statements).toEqual([]);
  });
});
