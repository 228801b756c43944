import { Module } from '@nestjs/common';
import { DevicesModule } from '../devices/devices.module';
import { CallerResolver } from './caller-resolver';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';

/**
 * Owner of `users`, of turning the gateway's caller into our user and device (AUTH-2, AUTH-3,
 * KEY-4), and of what other services ask about a user (SEC-2).
 */
@Module({
  imports: [DevicesModule],
  controllers: [UsersController],
  providers: [UsersRepository, CallerResolver],
  exports: [UsersRepository, CallerResolver],
})
export class UsersModule {}
