import { Module } from '@nestjs/common';
import { EventsController } from './events.controller';
import { RealtimeHub } from './realtime.hub';

@Module({ controllers: [EventsController], providers: [RealtimeHub], exports: [RealtimeHub] })
export class EventsModule {}
