import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';

/**
 * An event waiting to be published, written in the same transaction as the state
 * change it reports; its id is the JetStream message id, so re-publishing is safe.
 */
@Entity({ name: 'outbox' })
@Index('outbox_unpublished_idx', ['seq'], { where: 'published_at IS NULL' })
@Index('outbox_published_idx', ['publishedAt'], { where: 'published_at IS NOT NULL' })
export class OutboxMessage {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 128 })
  subject: string;

  @Column({ type: 'jsonb' })
  payload: object;

  /**
   * Commit order within the table: events of one transaction share `created_at`, and the
   * relay publishes by `seq` (the commit's NOTIFY carries the lowest one it wrote). bigint: pg
   * hands it over as a string.
   */
  @Column({ type: 'bigint', insert: false, update: false })
  @Generated('increment')
  seq: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;

  @Column({ type: 'int', default: 0 })
  attempts: number;
}
