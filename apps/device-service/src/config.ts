import { configLoader, RedisConfig, RedisEnv, toBoolean } from '@td/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

/** The environment variables device-service (and its `worker.js`) reads, and their rules (OPS-4). */
export class DeviceServiceEnv extends RedisEnv {
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/trusted_devices';

  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_DEVICES_PER_USER: number = 20;

  /** SEC-5: setups (`POST /v1/devices` answered 201) one user may start in a rolling hour. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  SETUP_MAX_PER_HOUR: number = 30;

  /**
   * SEC-5: pending, expired and denied devices are deleted this many days after their last
   * change (their audit rows stay). At least a day, so the rolling-hour setup count holds.
   */
  @IsInt()
  @Min(1)
  @Max(3650)
  DEVICE_RETENTION_DAYS: number = 30;

  /** Old devices deleted per transaction by the retention pass (SEC-5). */
  @IsInt()
  @Min(1)
  @Max(10_000)
  DEVICE_RETENTION_BATCH_SIZE: number = 500;

  @IsInt()
  @Min(60)
  @Max(30 * 24 * 3600)
  PENDING_DEVICE_TTL_SECONDS: number = 1800;

  @IsInt()
  @Min(30)
  @Max(3600)
  CODE_TTL_SECONDS: number = 300;

  /** Run pending migrations at start (local mode); production runs `npm run migrate` as a step. */
  @Transform(toBoolean)
  @IsOptional()
  MIGRATIONS_RUN: boolean = false;

  @IsInt()
  @Min(1)
  @Max(100)
  DATABASE_POOL_SIZE: number = 10;

  /**
   * Safety-net poll of the outbox relay while rows may be waiting; commits wake it at once through
   * LISTEN/NOTIFY, so the poll only finds rows left by a relay that died mid-batch: they are
   * published within this. Seconds, not less: it runs after every commit (issue 12).
   */
  @IsInt()
  @Min(50)
  @Max(60_000)
  OUTBOX_POLL_INTERVAL_MS: number = 5000;

  /**
   * The relay's poll once a check found every announced row published (and LISTEN is up): only a
   * row written without its commit's NOTIFY would wait for it, so an idle system barely polls (issue 12).
   */
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  OUTBOX_IDLE_POLL_INTERVAL_MS: number = 60_000;

  /** Published outbox rows are deleted after this long. */
  @IsInt()
  @Min(1)
  @Max(24 * 30)
  OUTBOX_RETENTION_HOURS: number = 24;

  /** Outbox rows one relay pass claims and publishes at a time (one transaction and one commit flush per pass). */
  @IsInt()
  @Min(1)
  @Max(10_000)
  OUTBOX_BATCH_SIZE: number = 500;

  /**
   * SETUP-5: the longest sleep of the expiry sweep, which otherwise wakes at the earliest pending
   * deadline (and never sleeps longer than PENDING_DEVICE_TTL_SECONDS, so no expiry is late). A
   * bound for devices written behind the service's back; an idle system does not poll (issue 12).
   */
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  EXPIRY_SWEEP_INTERVAL_MS: number = 60_000;

  /**
   * How often pending devices whose live code vanished (Redis restarted without persistence: the code
   * and its queued mail are gone) get a fresh code mailed (issue 10).
   */
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  LOST_CODE_SWEEP_INTERVAL_MS: number = 10_000;

  /** Pending devices expired per transaction by the sweep. */
  @IsInt()
  @Min(1)
  @Max(10_000)
  EXPIRY_BATCH_SIZE: number = 500;

  /** Run the deprovisioning worker in this process; `false` when it runs alone (`worker.js`). */
  @Transform(toBoolean)
  @IsOptional()
  DEPROVISION_WORKER: boolean = true;

  /** Devices disabled per transaction by the deprovisioning cascade (DEPROV-1), of as many users as the transaction takes. */
  @IsInt()
  @Min(1)
  @Max(20_000)
  DEPROVISION_BATCH_SIZE: number = 2000;

  /**
   * Deprovisioning jobs (users) one worker holds at the same time; they are disabled together, many users
   * per transaction. Each holds its BullMQ lock meanwhile: at 500 on a starved machine renewals came late,
   * locks lapsed and jobs ran twice (issue 12); 200 kept them all.
   */
  @IsInt()
  @Min(1)
  @Max(5000)
  DEPROVISION_CONCURRENCY: number = 200;

  /** Cascade transactions one worker runs at the same time (its jobs are split between them). */
  @IsInt()
  @Min(1)
  @Max(16)
  DEPROVISION_TRANSACTIONS: number = 2;

  /** How long a worker's hold on a running cascade lasts before another worker may take it over (a crashed worker). */
  @IsInt()
  @Min(1000)
  @Max(600_000)
  DEPROVISION_LOCK_MS: number = 5000;

  /** A pause between the cascade's batches, to spread the database load of very large cascades. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  DEPROVISION_BATCH_PAUSE_MS: number = 0;

  /** How often deprovisioned users with devices still enabled get their cascade (re)started. */
  @IsInt()
  @Min(1000)
  @Max(3_600_000)
  DEPROVISION_HEAL_INTERVAL_MS: number = 30_000;
}

/** device-service's settings, by section; injected by this class (AppConfigModule). */
export class DeviceServiceConfig extends RedisConfig {
  readonly database: {
    readonly url: string;
    readonly poolSize: number;
    /** Run pending migrations at start (local mode). */
    readonly migrationsRun: boolean;
  };

  readonly devices: {
    readonly maxPerUser: number;
    /** SEC-5: setups one user may start in a rolling hour. */
    readonly setupMaxPerHour: number;
    readonly pendingTtlSeconds: number;
    /** How often devices whose live code vanished from Redis get a fresh code mailed (issue 10). */
    readonly lostCodeSweepIntervalMs: number;
  };

  /** SEC-5: pending, expired and denied devices are deleted this long after their last change. */
  readonly retention: {
    readonly days: number;
    readonly batchSize: number;
  };

  readonly outbox: {
    /** The relay's safety-net poll while rows may be waiting (commits wake it through LISTEN/NOTIFY). */
    readonly pollIntervalMs: number;
    /** The poll once every announced row is known published. */
    readonly idlePollIntervalMs: number;
    /** Published rows are deleted after this long. */
    readonly retentionHours: number;
    readonly batchSize: number;
  };

  /** SETUP-5: pending devices past their deadline are expired. */
  readonly expiry: {
    /** The sweep's longest sleep: it wakes at the earliest pending deadline. */
    readonly sweepIntervalMs: number;
    readonly batchSize: number;
  };

  /** DEPROV-1/2: the cascade's worker. */
  readonly deprovision: {
    /** Run the worker in this process (false when `worker.js` runs it alone). */
    readonly worker: boolean;
    readonly batchSize: number;
    readonly concurrency: number;
    /** Cascade transactions one worker runs at the same time (its jobs are split between them). */
    readonly transactions: number;
    readonly lockMs: number;
    readonly batchPauseMs: number;
    readonly healIntervalMs: number;
  };

  constructor(env: DeviceServiceEnv) {
    super(env);
    this.database = { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, migrationsRun: env.MIGRATIONS_RUN };
    this.devices = {
      maxPerUser: env.MAX_DEVICES_PER_USER,
      setupMaxPerHour: env.SETUP_MAX_PER_HOUR,
      pendingTtlSeconds: env.PENDING_DEVICE_TTL_SECONDS,
      lostCodeSweepIntervalMs: env.LOST_CODE_SWEEP_INTERVAL_MS,
    };
    this.retention = { days: env.DEVICE_RETENTION_DAYS, batchSize: env.DEVICE_RETENTION_BATCH_SIZE };
    this.outbox = {
      pollIntervalMs: env.OUTBOX_POLL_INTERVAL_MS,
      idlePollIntervalMs: env.OUTBOX_IDLE_POLL_INTERVAL_MS,
      retentionHours: env.OUTBOX_RETENTION_HOURS,
      batchSize: env.OUTBOX_BATCH_SIZE,
    };
    this.expiry = { sweepIntervalMs: env.EXPIRY_SWEEP_INTERVAL_MS, batchSize: env.EXPIRY_BATCH_SIZE };
    this.deprovision = {
      worker: env.DEPROVISION_WORKER,
      batchSize: env.DEPROVISION_BATCH_SIZE,
      concurrency: env.DEPROVISION_CONCURRENCY,
      transactions: env.DEPROVISION_TRANSACTIONS,
      lockMs: env.DEPROVISION_LOCK_MS,
      batchPauseMs: env.DEPROVISION_BATCH_PAUSE_MS,
      healIntervalMs: env.DEPROVISION_HEAL_INTERVAL_MS,
    };
  }
}

/** Reads and validates the environment once, at start; tests pass their own env. */
export const loadDeviceServiceConfig = configLoader(DeviceServiceEnv, DeviceServiceConfig);
