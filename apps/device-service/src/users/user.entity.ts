import type { Role } from '@td/contracts';
import { Check, Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/** A person in a workspace, identified by the token's (`wid`, `sub`) pair (AUTH-2). */
@Entity({ name: 'users' })
@Unique('users_workspace_subject_key', ['workspaceId', 'subject'])
@Check('users_role_check', `role IN ('owner', 'admin', 'member')`)
// (workspace_id, lower(email)): an expression index, which TypeORM cannot describe; the migration owns it.
@Index('users_workspace_email_idx', { synchronize: false })
@Index('users_deprovisioned_idx', ['deprovisionedAt'], { where: 'deprovisioned_at IS NOT NULL' })
@Index('users_cascade_open_idx', ['deprovisionedAt', 'id'], { where: 'deprovisioned_at IS NOT NULL AND cascade_done_at IS NULL' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'varchar', length: 255 })
  workspaceId: string;

  /** The token's `sub`; the API calls it the user's id. */
  @Column({ type: 'varchar', length: 255 })
  subject: string;

  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Column({ type: 'varchar', length: 255 })
  username: string;

  @Column({ type: 'varchar', length: 16 })
  role: Role;

  /** Set once, never cleared: from then on every call is refused (AUTH-3). */
  @Column({ name: 'deprovisioned_at', type: 'timestamptz', nullable: true })
  deprovisionedAt: Date | null;

  /**
   * Set once a deprovisioned user has no device left to disable (the self-heal sweep finds them):
   * the sweep reads only users without it. Cleared when the user is marked deprovisioned.
   */
  @Column({ name: 'cascade_done_at', type: 'timestamptz', nullable: true })
  cascadeDoneAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
