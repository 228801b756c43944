import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { TokenClaims } from '@td/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { User } from './user.entity';

/** The only place that reads and writes `users` for device commands. */
@Injectable()
export class UsersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findBySubject(workspaceId: string, subject: string): Promise<User | null> {
    return this.dataSource.manager.findOneBy(User, { workspaceId, subject });
  }

  /**
   * AUTH-2: creates the user on first sight or refreshes what the token says about them.
   * ON CONFLICT makes concurrent first requests of one user all succeed on the same row.
   */
  async createOrRefresh(claims: TokenClaims): Promise<User> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `INSERT INTO users (workspace_id, subject, email, username, role)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (workspace_id, subject) DO UPDATE
         SET email = EXCLUDED.email, username = EXCLUDED.username, role = EXCLUDED.role, updated_at = now()
       RETURNING id`,
      [claims.wid, claims.sub, claims.email, claims.username, claims.role],
    );
    return this.dataSource.manager.findOneByOrFail(User, { id: rows[0].id });
  }

  /**
   * Locks the user's row for the rest of the transaction. Every state change of a user's
   * devices takes this lock first (then device rows), so limits, names and deprovisioning
   * are decided one change at a time (SETUP-3, DEPROV-2).
   */
  lockForUpdate(tx: EntityManager, userId: string): Promise<User> {
    return tx.findOneOrFail(User, { where: { id: userId }, lock: { mode: 'pessimistic_write' } });
  }
}
