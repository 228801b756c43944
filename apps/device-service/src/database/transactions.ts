import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * Where services start a transaction: `run` hands the work an EntityManager, which it passes
 * to the repositories' methods (they own the SQL; services only decide what goes in one commit).
 */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /** No transaction: each statement commits on its own (an audit row of a refused request). */
  get outside(): EntityManager {
    return this.dataSource.manager;
  }
}
