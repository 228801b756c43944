import { Module } from '@nestjs/common';
import { ScimTokenGuard } from './scim-token.guard';
import { ScimBulkController } from './scim-bulk.controller';
import { ScimUsersController } from './scim.controller';

@Module({ controllers: [ScimUsersController, ScimBulkController], providers: [ScimTokenGuard] })
export class ScimModule {}
