import { createParamDecorator, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { BusClient, DomainError } from '@td/common';
import { Command, ErrorCode } from '@td/contracts';
import type { Request } from 'express';
import { MAX_USER_AGENT_LENGTH } from '../auth/caller.guard';
import { clientIp } from '../common/network';

interface ScimRequest extends Request {
  scimWorkspaceId?: string;
}

/**
 * `Authorization: Bearer <SCIM token>`: device-service says which workspace the
 * token acts for (or 401). The workspace never comes from the client.
 */
@Injectable()
export class ScimTokenGuard implements CanActivate {
  constructor(private readonly bus: BusClient) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<ScimRequest>();
    const match = /^Bearer\s+(\S{1,512})$/i.exec(request.header('authorization')?.trim() ?? '');
    if (!match) throw DomainError.of(ErrorCode.unauthenticated, 'A SCIM token is required: Authorization: Bearer <token>.');
    // Where the request came from: a refused token is audited with it (SEC-8).
    const { workspaceId } = await this.bus.request(Command.scimAuthenticate, {
      token: match[1],
      ip: clientIp(request),
      userAgent: request.header('user-agent')?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
    });
    request.scimWorkspaceId = workspaceId;
    return true;
  }
}

/** The workspace of the authenticated SCIM token. */
export const ScimWorkspace = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const workspaceId = context.switchToHttp().getRequest<ScimRequest>().scimWorkspaceId;
  if (!workspaceId) throw new Error('ScimWorkspace used without ScimTokenGuard');
  return workspaceId;
});
