import type { ApprovalMethod, ClientType, DeviceStatus, DisabledBy } from '@td/contracts';
import { Check, Column, Entity, ForeignKey, Index, PrimaryColumn } from 'typeorm';
import { User } from '../users/user.entity';

/** One client-app instance, bound to its own P-256 key (KEY-1, KEY-4). */
@Entity({ name: 'devices' })
@Check('devices_client_type_check', `client_type IN ('web', 'extension', 'mobile')`)
@Check('devices_status_check', `status IN ('pending_verification', 'pending_approval', 'approved', 'denied', 'disabled', 'expired')`)
@Check('devices_approved_via_check', `approved_via IN ('email_code', 'device')`)
// DESC columns in the migration (created_at DESC, id DESC): TypeORM has no column order for indexes.
@Index('devices_user_created_idx', ['userId', 'createdAt'])
@Index('devices_workspace_created_idx', ['workspaceId', 'createdAt', 'id'])
// SETUP-5: the expiry sweep reads only pending devices by deadline; the lost-code sweep likewise.
@Index('devices_pending_expiry_idx', ['expiresAt'], { where: `status IN ('pending_verification', 'pending_approval')` })
@Index('devices_code_expires_idx', ['codeExpiresAt'], { where: `status = 'pending_verification'` })
// Expression indexes, which TypeORM cannot describe; the migrations own them:
// SETUP-2 (user_id, lower(name)) unique among registered devices; SEC-5 greatest(created_at, expires_at, denied_at).
@Index('devices_user_registered_name_key', { synchronize: false })
@Index('devices_prunable_idx', { synchronize: false })
export class Device {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'user_id', type: 'uuid' })
  @ForeignKey(() => User, { name: 'devices_user_id_fkey' })
  userId: string;

  @Column({ name: 'workspace_id', type: 'varchar', length: 255 })
  workspaceId: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ name: 'client_type', type: 'varchar', length: 16 })
  clientType: ClientType;

  @Column({ type: 'varchar', length: 64 })
  os: string;

  @Column({ type: 'varchar', length: 64 })
  browser: string;

  /** RFC 7638 thumbprint of the device key; unique for ever (KEY-4). */
  @Column({ name: 'key_thumbprint', type: 'varchar', length: 64, unique: true })
  keyThumbprint: string;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk: Record<string, string>;

  /** Five words from the key thumbprint (APPROVE-5). */
  @Column({ type: 'varchar', length: 128 })
  fingerprint: string;

  @Column({ type: 'varchar', length: 32 })
  status: DeviceStatus;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'approved_at', type: 'timestamptz', nullable: true })
  approvedAt: Date | null;

  @Column({ name: 'approved_via', type: 'varchar', length: 16, nullable: true })
  approvedVia: ApprovalMethod | null;

  @Column({ name: 'approved_by', type: 'uuid', nullable: true })
  @ForeignKey(() => Device, { name: 'devices_approved_by_fkey' })
  approvedBy: string | null;

  @Column({ name: 'denied_at', type: 'timestamptz', nullable: true })
  deniedAt: Date | null;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /** Who disabled it (set with disabledAt; null before the column existed). */
  @Column({ name: 'disabled_by', type: 'jsonb', nullable: true })
  disabledBy: DisabledBy | null;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @Column({ name: 'last_ip', type: 'varchar', length: 64, nullable: true })
  lastIp: string | null;

  @Column({ name: 'created_ip', type: 'varchar', length: 64, nullable: true })
  createdIp: string | null;

  /** Opaque to us: the vault key sealed by the approver for this device (APPROVE-3). */
  @Column({ name: 'key_envelope', type: 'text', nullable: true })
  keyEnvelope: string | null;

  /** SHA-256 (hex) of the setup's body: a retry with the same body gets the same answer (SETUP-6 retries). */
  @Column({ name: 'setup_request', type: 'char', length: 64, nullable: true })
  setupRequest: string | null;

  /** When the device's current email code expires (null: none sent); read by retries and the lost-code sweep. */
  @Column({ name: 'code_expires_at', type: 'timestamptz', nullable: true })
  codeExpiresAt: Date | null;
}
