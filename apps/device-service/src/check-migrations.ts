import { schemaDrift } from './database/schema-drift';

/**
 * `npm run check:migrations` (and CI after the build): fails, listing the statements, when the
 * entities describe a schema the migrations do not build. Uses the Postgres server of
 * DATABASE_URL (default: the local one) and a scratch database of its own.
 */
const serverUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const started = Date.now();

schemaDrift(serverUrl)
  .then((statements) => {
    const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
    if (!statements.length) {
      console.log(`Entities and migrations agree (${took}).`);
      return;
    }
    console.error(`Entities and migrations disagree: a migration generated now would run (${took}):`);
    for (const statement of statements) console.error(`  ${statement};`);
    console.error(
      'Fix the entity, or generate the migration (npm run migration:generate -- apps/device-service/src/database/migrations/<Name>), read and tidy it, and list it in MIGRATIONS.',
    );
    process.exitCode = 1;
  })
  .catch((error: Error) => {
    console.error(`Schema check failed: ${error.message}`);
    process.exitCode = 1;
  });
