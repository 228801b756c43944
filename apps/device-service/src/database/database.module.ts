import { Global, Module } from '@nestjs/common';
import { Transactions } from './transactions';

/** Transactions for every module; the DataSource itself comes from TypeOrmModule.forRoot in the app module. */
@Global()
@Module({ providers: [Transactions], exports: [Transactions] })
export class DatabaseModule {}
