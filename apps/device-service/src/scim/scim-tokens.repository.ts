import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsNull, type DataSource, type EntityManager } from 'typeorm';
import { User } from '../users/user.entity';
import { ScimToken } from './scim-token.entity';

/** SEC-8: how often a token's last use is written at most (reads stay cheap for a busy IdP). */
export const LAST_USED_INTERVAL_MS = 60_000;

export interface ListedScimToken {
  token: ScimToken;
  /** The creator's token `sub`. */
  creatorSubject: string | null;
}

/** SCIM tokens and the users SCIM looks up, always within one workspace. */
@Injectable()
export class ScimRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  inTransaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** Outside any transaction (a refused token's audit row). */
  manager(): EntityManager {
    return this.dataSource.manager;
  }

  async insertToken(tx: EntityManager, token: ScimToken): Promise<void> {
    await tx.insert(ScimToken, token);
  }

  /** The token with this hash, whatever its state (revoked and expired ones are refused, and audited, by the caller). */
  findTokenByHash(tokenHash: string): Promise<ScimToken | null> {
    return this.dataSource.manager.findOneBy(ScimToken, { tokenHash });
  }

  /** SEC-8: the workspace's tokens that are not revoked (expired ones included), newest first, with their creator's `sub`. */
  async listTokens(workspaceId: string): Promise<ListedScimToken[]> {
    const { entities, raw } = await this.dataSource.manager
      .createQueryBuilder(ScimToken, 't')
      .leftJoin(User, 'u', 'u.id = t.created_by')
      .addSelect('u.subject', 'creator_subject')
      .where('t.workspace_id = :workspaceId', { workspaceId })
      .andWhere('t.revoked_at IS NULL')
      .orderBy('t.created_at', 'DESC')
      .addOrderBy('t.id', 'DESC')
      .getRawAndEntities<{ t_id: string; creator_subject: string | null }>();
    const creators = new Map(raw.map((row) => [row.t_id, row.creator_subject]));
    return entities.map((token) => ({ token, creatorSubject: creators.get(token.id) ?? null }));
  }

  /** Locks the workspace's token for revocation; null when there is no such token in this workspace. */
  lockToken(tx: EntityManager, workspaceId: string, id: string): Promise<ScimToken | null> {
    return tx.findOne(ScimToken, { where: { id, workspaceId }, lock: { mode: 'pessimistic_write' } });
  }

  async markRevoked(tx: EntityManager, id: string, at: Date): Promise<void> {
    await tx.update(ScimToken, { id, revokedAt: IsNull() }, { revokedAt: at });
  }

  /** SEC-8: records a use, at most once a minute per token (the condition makes concurrent requests write once). */
  async touchLastUsed(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE scim_tokens SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2::int * interval '1 millisecond')`,
      [id, LAST_USED_INTERVAL_MS],
    );
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
