import { Injectable, type NestMiddleware } from '@nestjs/common';
import { isSafeRequestId, REQUEST_ID_HEADER, RequestContext } from '@td/common';
import type { NextFunction, Request, Response } from 'express';
import { randomUUID } from 'node:crypto';

/** Gives each request an id (the client's, if it sent a sane one), echoes it, and puts it in scope for logs and NATS headers. */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const given = request.header(REQUEST_ID_HEADER);
    const requestId = given && isSafeRequestId(given) ? given : randomUUID();
    response.setHeader(REQUEST_ID_HEADER, requestId);
    RequestContext.run(requestId, next);
  }
}
