import { createDataSource } from './data-source';

/**
 * For TypeORM's CLI (`npm run migration:generate -- apps/device-service/src/database/migrations/<Name>`):
 * the database of DATABASE_URL, migrated, is what the entities are compared with (STYLE.md 7).
 */
export default createDataSource(process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/trusted_devices', 1);
