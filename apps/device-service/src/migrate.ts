import { migrate } from './bootstrap';
import { loadDeviceServiceConfig } from './config';

migrate(loadDeviceServiceConfig())
  .then((applied) => {
    console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.');
  })
  .catch((error: Error) => {
    console.error(`Migration failed: ${error.message}`);
    process.exit(1);
  });
