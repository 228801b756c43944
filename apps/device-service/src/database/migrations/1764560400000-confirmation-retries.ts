import type { MigrationInterface, QueryRunner } from 'typeorm';

/** What a verify repeated after a lost answer is recognised by: the receipt of the code that verified the device (issue 10). */
export class ConfirmationRetries1764560400000 implements MigrationInterface {
  name = 'ConfirmationRetries1764560400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN verified_code char(64)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN verified_code`);
  }
}
