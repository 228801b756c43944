import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource } from 'typeorm';
import { User } from '../users/user.entity';
import { ScimToken } from './scim-token.entity';

/** SCIM tokens and the users SCIM looks up, always within one workspace. */
@Injectable()
export class ScimRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insertToken(token: ScimToken): Promise<void> {
    await this.dataSource.manager.insert(ScimToken, token);
  }

  findActiveToken(tokenHash: string): Promise<ScimToken | null> {
    return this.dataSource.manager.findOneBy(ScimToken, { tokenHash, revokedAt: IsNull() });
  }

  /** Revokes the workspace's token; false when there is no such token in this workspace. */
  async revokeToken(workspaceId: string, id: string): Promise<boolean> {
    const token = await this.dataSource.manager.findOneBy(ScimToken, { id, workspaceId });
    if (!token) return false;
    if (!token.revokedAt) await this.dataSource.manager.update(ScimToken, { id, revokedAt: IsNull() }, { revokedAt: new Date() });
    return true;
  }

  findUser(workspaceId: string, subject: string): Promise<User | null> {
    return this.dataSource.manager.findOneBy(User, { workspaceId, subject });
  }

  /** `userName eq "…"`: SCIM says userName comparisons ignore case (RFC 7643 §4.1.1). */
  findUsersByEmail(workspaceId: string, email: string): Promise<User[]> {
    return this.dataSource.manager
      .createQueryBuilder(User, 'u')
      .where('u.workspace_id = :workspaceId', { workspaceId })
      .andWhere('lower(u.email) = lower(:email)', { email })
      .orderBy('u.created_at')
      .limit(100)
      .getMany();
  }
}
