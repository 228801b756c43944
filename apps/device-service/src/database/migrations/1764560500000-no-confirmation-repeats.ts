import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Undoes ConfirmationRetries1764560400000: a confirmation works once (CODE-3, APPROVE-2), so nothing
 * recognises a repeated verify any more and the code's receipt is no longer kept (issue 10).
 */
export class NoConfirmationRepeats1764560500000 implements MigrationInterface {
  name = 'NoConfirmationRepeats1764560500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices DROP COLUMN verified_code`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE devices ADD COLUMN verified_code char(64)`);
  }
}
