import type { Role } from '@td/contracts';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A person in a workspace, identified by the token's (`wid`, `sub`) pair (AUTH-2). */
@Entity({ name: 'users' })
@Index('users_workspace_subject_key', ['workspaceId', 'subject'], { unique: true })
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
