import { DataSource, type DataSourceOptions } from 'typeorm';
import { AuditEvent } from '../audit/audit-event.entity';
import { Device } from '../devices/device.entity';
import { RetiredDeviceKey } from '../devices/retired-device-key.entity';
import { OutboxMessage } from '../outbox/outbox-message.entity';
import { ScimToken } from '../scim/scim-token.entity';
import { User } from '../users/user.entity';
import { InitialSchema1764300000000 } from './migrations/1764300000000-initial-schema';
import { OutboxNotify1764310000000 } from './migrations/1764310000000-outbox-notify';
import { ScimTokens1764320000000 } from './migrations/1764320000000-scim-tokens';
import { OutboxRelayPath1764345000000 } from './migrations/1764345000000-outbox-relay-path';
import { DeviceRetention1764560100000 } from './migrations/1764560100000-device-retention';
import { ScimTokenDetails1764560200000 } from './migrations/1764560200000-scim-token-details';
import { SetupRetries1764560300000 } from './migrations/1764560300000-setup-retries';
import { ConfirmationRetries1764560400000 } from './migrations/1764560400000-confirmation-retries';
import { DisabledBy1764560450000 } from './migrations/1764560450000-disabled-by';
import { NoConfirmationRepeats1764560500000 } from './migrations/1764560500000-no-confirmation-repeats';
import { CascadeDone1764560600000 } from './migrations/1764560600000-cascade-done';
import { OutboxNotifyUnpublished1764560700000 } from './migrations/1764560700000-outbox-notify-unpublished';

export const ENTITIES = [User, Device, RetiredDeviceKey, OutboxMessage, AuditEvent, ScimToken];
export const MIGRATIONS = [
  InitialSchema1764300000000,
  OutboxNotify1764310000000,
  ScimTokens1764320000000,
  OutboxRelayPath1764345000000,
  DeviceRetention1764560100000,
  ScimTokenDetails1764560200000,
  SetupRetries1764560300000,
  ConfirmationRetries1764560400000,
  DisabledBy1764560450000,
  NoConfirmationRepeats1764560500000,
  CascadeDone1764560600000,
  OutboxNotifyUnpublished1764560700000,
];

/** The one description of device-service's database; the app, `npm run migrate` and tests use it. */
export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsTransactionMode: 'each',
    applicationName: 'device-service',
    extra: {
      max: poolSize,
      connectionTimeoutMillis: 3000,
      // Longer than the periodic work's intervals (sweeps, self-heal, the relay's idle poll), so at rest it
      // reuses a connection instead of starting a Postgres backend each time (pg's default: closed after 10 s idle; issue 12).
      idleTimeoutMillis: 120_000,
      // Every statement has a bound (ERR-3): a stuck query fails rather than hangs.
      statement_timeout: 5000,
      query_timeout: 6000,
      idle_in_transaction_session_timeout: 10000,
    },
  };
}

export function createDataSource(url: string, poolSize?: number): DataSource {
  return new DataSource(dataSourceOptions(url, poolSize));
}
