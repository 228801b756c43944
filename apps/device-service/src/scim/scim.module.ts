import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module';
import { UsersModule } from '../users/users.module';
import { WorkspaceModule } from '../workspace/workspace.module';
import { ScimTokensRepository } from './scim-tokens.repository';
import { ScimController } from './scim.controller';
import { ScimService } from './scim.service';

/**
 * Owner of `scim_tokens` and of SCIM (DEPROV-1, SEC-8): admins' token commands (checked by
 * WorkspaceModule's WorkspaceAdmins) and the identity provider's calls. Needs the global
 * DeprovisionModule.
 */
@Module({
  imports: [AuditModule, UsersModule, WorkspaceModule],
  controllers: [ScimController],
  providers: [ScimTokensRepository, ScimService],
  exports: [ScimTokensRepository, ScimService],
})
export class ScimModule {}
