import { timingSafeEqual, createHash } from 'node:crypto';
import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/dist/types';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { bullPrefix, createBullConnection } from '@td/common';
import { Queue as QueueName } from '@td/contracts';
import { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import type { GatewayEnv } from '../config';

export const OPS_DASHBOARD_PATH = '/ops/queues';

/** Whether operators get the queue dashboard: always in local mode; elsewhere only when asked for, behind a password. */
export function opsDashboardEnabled(config: GatewayEnv): boolean {
  return config.AUTH_DEV_LOGIN || config.OPS_DASHBOARD;
}

/**
 * The operations view (Bull Board) of the BullMQ queues — `email` and `deprovision` —
 * at /ops/queues. Mounted on the Express app before Nest's own routes and the web app.
 * Outside local mode it asks for HTTP Basic credentials (`ops` / OPS_DASHBOARD_PASSWORD).
 * Returns a function that closes its Redis connection.
 */
export function mountOpsDashboard(app: INestApplication, config: GatewayEnv): () => Promise<void> {
  const connection = createBullConnection(config, 'gateway-ops-dashboard');
  // The connection logs its own loss (createBullConnection); the dashboard shows Redis errors itself.
  const queues = [QueueName.email, QueueName.deprovision].map((name) => new Queue(name, { connection, prefix: bullPrefix(config) }));
  for (const queue of queues) queue.on('error', () => undefined);
  const serverAdapter = new ExpressAdapter().setBasePath(OPS_DASHBOARD_PATH);
  // @bull-board/express 9.10.1 brings its own @bull-board/api: same shapes at run time, distinct private fields for tsc.
  createBullBoard({ queues: queues.map((queue) => new BullMQAdapter(queue)), serverAdapter: serverAdapter as unknown as IServerAdapter, options: { uiConfig: { boardTitle: 'Trusted Devices queues' } } });
  const guard = config.AUTH_DEV_LOGIN ? [] : [basicAuth(config.OPS_DASHBOARD_PASSWORD ?? '')];
  app.use(OPS_DASHBOARD_PATH, ...guard, serverAdapter.getRouter());
  return async () => {
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
    connection.disconnect();
  };
}

function basicAuth(password: string) {
  const expected = digest(`ops:${password}`);
  return (req: Request, res: Response, next: NextFunction): void => {
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(req.header('authorization') ?? '');
    const given = match ? Buffer.from(match[1], 'base64').toString('utf8') : '';
    if (password && timingSafeEqual(digest(given), expected)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Trusted Devices operations"');
    res.status(401).type('text/plain').send('Operator credentials required.\n');
  };
}

/** Equal-length inputs for timingSafeEqual, whatever was sent. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
