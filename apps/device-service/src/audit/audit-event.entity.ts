import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One state change, who made it, from where (ADMIN-3). Written in the change's own transaction. */
@Entity({ name: 'audit_events' })
// (workspace_id, at DESC, id DESC) in the migration: TypeORM has no column order for indexes.
@Index('audit_events_workspace_at_idx', ['workspaceId', 'at', 'id'])
export class AuditEvent {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'workspace_id', type: 'varchar', length: 255 })
  workspaceId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'varchar', length: 64 })
  action: string;

  @Column({ name: 'actor_user_id', type: 'uuid', nullable: true })
  actorUserId: string | null;

  @Column({ name: 'actor_device_id', type: 'uuid', nullable: true })
  actorDeviceId: string | null;

  @Column({ name: 'target_user_id', type: 'uuid', nullable: true })
  targetUserId: string | null;

  @Column({ name: 'target_device_id', type: 'uuid', nullable: true })
  targetDeviceId: string | null;

  /** The SCIM token a `scim_token.*` event is about (SEC-8). */
  @Column({ name: 'target_scim_token_id', type: 'uuid', nullable: true })
  targetScimTokenId: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', length: 512, nullable: true })
  userAgent: string | null;

  /** Guards against writing one fact twice (a retried cascade, DEPROV-2). */
  @Column({ name: 'dedupe_key', type: 'varchar', length: 200, nullable: true, unique: true })
  dedupeKey: string | null;
}
