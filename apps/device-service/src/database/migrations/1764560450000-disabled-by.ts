import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Who disabled a device (issue 13 item 7): the device it was disabled from (its name as it was
 * then), an admin, or deprovisioning — so the disabled device can say why. Devices disabled
 * before this column existed keep null.
 */
export class DisabledBy1764560450000 implements MigrationInterface {
  name = 'DisabledBy1764560450000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN disabled_by jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN disabled_by`);
  }
}
