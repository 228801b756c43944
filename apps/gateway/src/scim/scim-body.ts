import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { SCIM_CONTENT_TYPE, scimError } from './scim.error';

/**
 * SCIM bodies are parsed ahead of the API's parser so that a malformed or oversize one
 * gets an RFC 7644 error (invalidSyntax) instead of problem+json (API.md's SCIM note).
 */
export function scimBodyParser(
  limit: string | number,
  tooLarge = 'The request body is too large.',
): Array<RequestHandler | ((error: unknown, req: Request, res: Response, next: NextFunction) => void)> {
  return [
    json({ limit, strict: true, type: ['application/json', 'application/*+json'] }),
    (error: unknown, _req: Request, res: Response, next: NextFunction): void => {
      const status = (error as { status?: unknown }).status;
      if (typeof status !== 'number' || status < 400 || status >= 500) return next(error);
      const detail = status === 413 ? tooLarge : 'The request body is not valid JSON.';
      res
        .status(status)
        .type(SCIM_CONTENT_TYPE)
        .send(JSON.stringify(scimError(status, detail, status === 400 ? 'invalidSyntax' : undefined)));
    },
  ];
}
