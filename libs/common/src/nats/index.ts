export * from './bus.client';
export * from './microservice';
export * from './nats.module';
export * from './nats.server';
export * from './subject-prefix';
export * from './jetstream';
