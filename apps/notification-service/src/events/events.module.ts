import { Module } from '@nestjs/common';
import { EmailModule } from '../email/email.module';
import { DeviceEventsConsumer } from './device-events.consumer';
import { DeviceEventsHandler } from './device-events.handler';

/** Turns durable device events into security emails and real-time events. */
@Module({
  imports: [EmailModule],
  providers: [DeviceEventsHandler, DeviceEventsConsumer],
})
export class EventsModule {}
