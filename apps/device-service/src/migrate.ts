import { loadConfig } from '@td/common';
import { migrate } from './bootstrap';
import { DeviceServiceEnv } from './config';

migrate(loadConfig(DeviceServiceEnv))
  .then((applied) => {
    console.log(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}` : 'No pending migrations.');
  })
  .catch((error: Error) => {
    console.error(`Migration failed: ${error.message}`);
    process.exit(1);
  });
