import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { closeOnSignals, createLogger, PinoNestLogger, type StartOptions } from '@td/common';
import { Service } from '@td/contracts';
import { json } from 'express';
import { GatewayModule } from './app.module';
import type { GatewayConfig } from './config';
import { setUpDocs } from './docs/docs';
import { RealtimeHub } from './events/realtime.hub';
import { accessLog } from './http/access-log';
import { GracefulHttp } from './http/graceful-http';
import { noStore, securityHeaders } from './http/security-headers';
import { mountOpsDashboard, opsDashboardEnabled } from './ops/ops-dashboard';
import { answerParserErrorsAsProblems } from './problem/client-error';
import { scimBodyParser } from './scim/scim-body';
import { BULK_MAX_PAYLOAD_BYTES } from './scim/scim-bulk';
import { createValidationPipe, RejectNulCharactersPipe } from './problem/validation';

/** ERR-2: bodies over 16 KiB are refused before they are parsed. */
export const BODY_LIMIT = '16kb';
/** DEPROV-3's bulk requests (1,000 user ids of up to 255 characters) have their own, advertised, bound. */
export const BULK_BODY_LIMIT = BULK_MAX_PAYLOAD_BYTES;

export async function createGateway(config: GatewayConfig, options: StartOptions = {}): Promise<INestApplication> {
  // Lines written while handling a request carry its id: the access log runs each request in a context holding it.
  const logger = createLogger(Service.gateway, config.process.logLevel, { stream: options.logStream });
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), {
    bufferLogs: true,
    bodyParser: false,
  });
  app.useLogger(new PinoNestLogger(logger));
  // First of all: every request gets its id, its context and its access line, even one a body parser refuses.
  app.use(accessLog(logger));
  app.set('trust proxy', config.http.trustProxy);
  app.disable('x-powered-by');
  // API answers are no-store (SEC-10) and SCIM says it has no ETags: hashing every body for one is wasted work.
  app.disable('etag');
  app.use(securityHeaders(config.http.publicUrl));
  app.use(['/v1', '/scim'], noStore);
  app.use(
    '/scim/v2/Bulk',
    ...scimBodyParser(BULK_BODY_LIMIT, `The size of the bulk operation exceeds the maxPayloadSize (${BULK_MAX_PAYLOAD_BYTES}).`),
  );
  app.use('/scim', ...scimBodyParser(BODY_LIMIT));
  app.use('/v1/workspace/deprovisions', json({ limit: BULK_BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));
  app.use(json({ limit: BODY_LIMIT, strict: true, type: ['application/json', 'application/*+json'] }));
  app.useGlobalPipes(new RejectNulCharactersPipe(), createValidationPipe());
  if (opsDashboardEnabled(config)) {
    const closeDashboard = mountOpsDashboard(app, config);
    // Nest's application proxy silently ignores assignments (`app.close = …` never ran), so the
    // dashboard's Redis connection closes with the HTTP server instead.
    app.getHttpServer().once('close', () => void closeDashboard());
  }
  answerParserErrorsAsProblems(app.getHttpServer());
  const http = app.get(GracefulHttp);
  http.attach(app.getHttpServer());
  // Open event streams would hold the drain to its end: they end at once (clients reconnect to another gateway).
  http.onDrain(() => app.get(RealtimeHub, { strict: false }).closeAll());
  closeOnSignals(app, () => stopGateway(app, config), config.http.shutdownDelayMs + config.process.shutdownDrainMs);
  setUpDocs(app, config.http.publicUrl);
  return app;
}

/**
 * The gateway's graceful stop (what SIGTERM runs): readiness 503, stop accepting, finish the
 * requests in flight (bounded by SHUTDOWN_DRAIN_MS), then close the bus, Redis and the rest.
 */
export async function stopGateway(app: INestApplication, config: GatewayConfig): Promise<void> {
  await app.get(GracefulHttp).drain({ delayMs: config.http.shutdownDelayMs, drainMs: config.process.shutdownDrainMs });
  await app.close();
}

export async function startGateway(config: GatewayConfig, options: StartOptions = {}): Promise<INestApplication> {
  const app = await createGateway(config, options);
  await app.listen(config.http.port, config.http.host);
  return app;
}
