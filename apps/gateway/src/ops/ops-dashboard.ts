import { createBullBoard } from '@bull-board/api';
import type { IServerAdapter } from '@bull-board/api/dist/types';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { INestApplication } from '@nestjs/common';
import { BullQueues } from '@td/common';
import { Queue as QueueName } from '@td/contracts';
import type { NextFunction, Request, Response } from 'express';
import type { GatewayConfig } from '../config';
import { isOperator } from './operator-auth';

export const OPS_DASHBOARD_PATH = '/ops/queues';

/** Whether operators get the queue dashboard: always in local mode; elsewhere only when asked for, behind a password. */
export function opsDashboardEnabled(config: GatewayConfig): boolean {
  return config.auth.devLogin || config.ops.dashboard;
}

/**
 * The operations view (Bull Board) of the BullMQ queues — `email` and `deprovision` —
 * at /ops/queues. Mounted on the Express app before Nest's own routes and the web app.
 * It asks for HTTP Basic credentials (`ops` / OPS_DASHBOARD_PASSWORD) whenever a password
 * is set, and always when the gateway listens beyond loopback (config refuses to start
 * without one then). It only reads unless OPS_DASHBOARD_WRITE=true (SEC-2).
 * Returns a function that closes its Redis connection.
 */
export function mountOpsDashboard(app: INestApplication, config: GatewayConfig): () => Promise<void> {
  const bull = new BullQueues(config.redis, 'gateway-ops-dashboard');
  // The connection logs its own loss; the dashboard shows Redis errors itself.
  const queues = [QueueName.email, QueueName.deprovision].map((name) => bull.open(name));
  const readOnlyMode = !config.ops.dashboardWrite;
  const serverAdapter = new ExpressAdapter().setBasePath(OPS_DASHBOARD_PATH);
  // @bull-board/express 9.10.1 brings its own @bull-board/api: same shapes at run time, distinct private fields for tsc.
  createBullBoard({
    queues: queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode })),
    serverAdapter: serverAdapter as unknown as IServerAdapter,
    options: { uiConfig: { boardTitle: 'Trusted Devices queues' } },
  });
  const guards = [operatorsOnly(config), ...(readOnlyMode ? [readsOnly] : [])];
  app.use(OPS_DASHBOARD_PATH, ...guards, serverAdapter.getRouter());
  return () => bull.close();
}

function operatorsOnly(config: GatewayConfig) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isOperator(req, config)) return next();
    res.setHeader('WWW-Authenticate', 'Basic realm="Trusted Devices operations"');
    res.status(401).type('text/plain').send('Operator credentials required.\n');
  };
}

/** Bull Board's read-only mode hides its buttons; this refuses the calls behind them too, whatever the UI. */
function readsOnly(req: Request, res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  res
    .status(403)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        code: 'forbidden',
        detail: 'The dashboard is read-only (OPS_DASHBOARD_WRITE is not true).',
      }),
    );
}
