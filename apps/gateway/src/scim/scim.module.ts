import { Module } from '@nestjs/common';
import { ScimTokenGuard } from './scim-token.guard';
import { ScimUsersController } from './scim.controller';

@Module({ controllers: [ScimUsersController], providers: [ScimTokenGuard] })
export class ScimModule {}
