import { Column, Entity, ForeignKey, Index, PrimaryColumn, Unique } from 'typeorm';
import { User } from '../users/user.entity';

/** A workspace's SCIM bearer token (DEPROV-1). The token itself is never stored, only its SHA-256. */
@Entity({ name: 'scim_tokens' })
@Unique('scim_tokens_token_hash_key', ['tokenHash'])
@Index('scim_tokens_workspace_idx', ['workspaceId'])
export class ScimToken {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'varchar', length: 255 })
  workspaceId: string;

  /** Hex SHA-256 of the token: tokens are long random strings, so a plain hash is enough to look one up. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  /** How admins tell tokens apart (SEC-8). */
  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  /** Refused after this (SEC-8); null: never expires. */
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  /** Last successful use, written at most once a minute (SEC-8). */
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  /** The admin who created it (internal `users.id`). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  @ForeignKey(() => User, { name: 'scim_tokens_created_by_fkey' })
  createdBy: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
