import { Module, type DynamicModule } from '@nestjs/common';
import type { NotificationServiceEnv } from '../config';
import { DeviceEventsConsumer } from './device-events.consumer';
import { DeviceEventsHandler } from './device-events.handler';
import { EVENTS_SETTINGS, type EventsSettings } from './events.settings';

/** Turns durable device events into security emails and real-time events. */
@Module({})
export class EventsModule {
  /** `emails`: the app's EmailModule, whose queue the security emails go to. */
  static forRoot(config: NotificationServiceEnv, emails: DynamicModule): DynamicModule {
    return {
      module: EventsModule,
      imports: [emails],
      providers: [
        {
          provide: EVENTS_SETTINGS,
          useValue: {
            natsPrefix: config.NATS_PREFIX,
            streamReplicas: config.NATS_STREAM_REPLICAS,
            ackWaitMs: config.EVENTS_ACK_WAIT_MS,
            drainMs: config.SHUTDOWN_DRAIN_MS,
          } satisfies EventsSettings,
        },
        DeviceEventsHandler,
        DeviceEventsConsumer,
      ],
    };
  }
}
