import { RedisEnv, toBoolean } from '@td/common';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';

export class DeviceServiceEnv extends RedisEnv {
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  DATABASE_URL: string = 'postgres://postgres@127.0.0.1:5432/trusted_devices';

  @IsInt()
  @Min(1)
  @Max(1000)
  MAX_DEVICES_PER_USER: number = 20;

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
}
