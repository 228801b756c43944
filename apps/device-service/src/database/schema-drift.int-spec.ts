import { createDataSource, ENTITIES } from './data-source';
import { columnsOf } from './row-columns';
import { schemaDrift } from './schema-drift';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('entities and migrations (issue 11: generated migrations, one row mapping)', () => {
  it('a migration generated against a freshly migrated database is empty', async () => {
    expect(await schemaDrift(serverUrl)).toEqual([]);
  });

  it("the repositories' select lists name every column of each entity as TypeORM maps it", async () => {
    const dataSource = await createDataSource(serverUrl, 1).initialize();
    try {
      for (const entity of ENTITIES) {
        const typeorm = dataSource.getMetadata(entity).columns.map((column) => [column.databaseName, column.propertyName]);
        expect({ entity: entity.name, columns: columnsOf(entity) }).toEqual({ entity: entity.name, columns: typeorm });
      }
    } finally {
      await dataSource.destroy();
    }
  });
});
