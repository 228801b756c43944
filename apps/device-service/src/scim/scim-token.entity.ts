import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A workspace's SCIM bearer token (DEPROV-1). The token itself is never stored, only its SHA-256. */
@Entity({ name: 'scim_tokens' })
export class ScimToken {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'varchar', length: 255 })
  workspaceId: string;

  /** Hex SHA-256 of the token: tokens are long random strings, so a plain hash is enough to look one up. */
  @Column({ name: 'token_hash', type: 'char', length: 64 })
  tokenHash: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The admin who created it (internal `users.id`). */
  @Column({ name: 'created_by', type: 'uuid', nullable: true })
  createdBy: string | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
