import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The key of a device removed after the retention period (SEC-5): still taken, for ever (KEY-4). */
@Entity({ name: 'retired_device_keys' })
export class RetiredDeviceKey {
  @PrimaryColumn({ name: 'key_thumbprint', type: 'varchar', length: 64 })
  keyThumbprint: string;

  @Column({ name: 'retired_at', type: 'timestamptz', default: () => 'now()' })
  retiredAt: Date;
}
