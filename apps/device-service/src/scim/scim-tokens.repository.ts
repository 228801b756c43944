import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { insertRow, selectColumns, toEntity } from '../database/row-columns';
import { ScimToken } from './scim-token.entity';

/** SEC-8: how often a token's last use is written at most (reads stay cheap for a busy IdP). */
export const LAST_USED_INTERVAL_MS = 60_000;

export interface ListedScimToken {
  token: ScimToken;
  /** The creator's token `sub`. */
  creatorSubject: string | null;
}

const tokenColumns = (alias: string): string => selectColumns(ScimToken, alias);

/** The only place that reads and writes `scim_tokens`, always within one workspace. */
@Injectable()
export class ScimTokensRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(tx: EntityManager, token: ScimToken): Promise<void> {
    const { sql, parameters } = insertRow(ScimToken, 'scim_tokens', token);
    await tx.query(sql, parameters);
  }

  /** The token with this hash, whatever its state (revoked and expired ones are refused, and audited, by the caller). */
  async findByHash(tokenHash: string): Promise<ScimToken | null> {
    const rows: object[] = await this.dataSource.query(`SELECT ${tokenColumns('t')} FROM scim_tokens t WHERE t.token_hash = $1`, [
      tokenHash,
    ]);
    return rows.length === 0 ? null : toEntity(ScimToken, rows[0]);
  }

  /** SEC-8: the workspace's tokens that are not revoked (expired ones included), newest first, with their creator's `sub`. */
  async listInWorkspace(workspaceId: string): Promise<ListedScimToken[]> {
    const rows: Array<Record<string, unknown> & { creatorSubject: string | null }> = await this.dataSource.query(
      `SELECT ${tokenColumns('t')}, u.subject AS "creatorSubject"
         FROM scim_tokens t LEFT JOIN users u ON u.id = t.created_by
        WHERE t.workspace_id = $1 AND t.revoked_at IS NULL
        ORDER BY t.created_at DESC, t.id DESC`,
      [workspaceId],
    );
    return rows.map(({ creatorSubject, ...token }) => ({ token: toEntity(ScimToken, token), creatorSubject }));
  }

  /** Locks the workspace's token for revocation; null when there is no such token in this workspace. */
  async lock(tx: EntityManager, workspaceId: string, id: string): Promise<ScimToken | null> {
    const rows: object[] = await tx.query(
      `SELECT ${tokenColumns('t')} FROM scim_tokens t WHERE t.id = $1 AND t.workspace_id = $2 FOR UPDATE`,
      [id, workspaceId],
    );
    return rows.length === 0 ? null : toEntity(ScimToken, rows[0]);
  }

  async markRevoked(tx: EntityManager, id: string, at: Date): Promise<void> {
    await tx.query(`UPDATE scim_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, [id, at]);
  }

  /** SEC-8: records a use, at most once a minute per token (the condition makes concurrent requests write once). */
  async touchLastUsed(id: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE scim_tokens SET last_used_at = now()
        WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2::int * interval '1 millisecond')`,
      [id, LAST_USED_INTERVAL_MS],
    );
  }
}
