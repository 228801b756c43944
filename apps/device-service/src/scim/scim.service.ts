import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@td/common';
import {
  ErrorCode,
  type CreateScimTokenReply,
  type EmptyReply,
  type ScimAuthenticateReply,
  type ScimDeactivateUserReply,
  type ScimDeactivateUsersReply,
  type ScimFindUsersReply,
  type ScimUserRecord,
  type ScimUserReply,
} from '@td/contracts';
import { DeprovisionService } from '../deprovision/deprovision.service';
import type { User } from '../users/user.entity';
import type { AdminCommandDto, RevokeScimTokenDto } from '../workspace/dto/workspace-commands.dto';
import { WorkspaceAdmins } from '../workspace/workspace-admins';
import type { ScimAuthenticateDto, ScimDeactivateUsersDto, ScimFindUsersDto, ScimUserDto } from './dto/scim-commands.dto';
import { ScimToken } from './scim-token.entity';
import { ScimRepository } from './scim-tokens.repository';

/** Tokens carry 256 random bits, so a plain SHA-256 is a safe way to store and look them up. */
export const hashScimToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const TOKEN_PREFIX = 'tdscim_';

/**
 * DEPROV-1 over SCIM 2.0: admins create and revoke the workspace's SCIM tokens; the
 * identity provider, holding one, looks users up and deactivates them. A token acts
 * only within its own workspace.
 */
@Injectable()
export class ScimService {
  constructor(
    private readonly admins: WorkspaceAdmins,
    private readonly scim: ScimRepository,
    private readonly deprovisioning: DeprovisionService,
  ) {}

  async createToken(request: AdminCommandDto): Promise<CreateScimTokenReply> {
    const admin = await this.admins.resolve(request.caller);
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    await this.scim.insertToken(
      Object.assign(new ScimToken(), { id, workspaceId: admin.workspaceId, tokenHash: hashScimToken(token), createdAt: new Date(), createdBy: admin.user.id, revokedAt: null }),
    );
    return { id, token };
  }

  async revokeToken(request: RevokeScimTokenDto): Promise<EmptyReply> {
    const admin = await this.admins.resolve(request.caller);
    if (!(await this.scim.revokeToken(admin.workspaceId, request.tokenId))) throw DomainError.notFound('The SCIM token');
    return { ok: true };
  }

  async authenticate(request: ScimAuthenticateDto): Promise<ScimAuthenticateReply> {
    const found = request.token.startsWith(TOKEN_PREFIX) ? await this.scim.findActiveToken(hashScimToken(request.token)) : null;
    if (!found) throw DomainError.of(ErrorCode.unauthenticated, 'The SCIM token is not valid.');
    return { workspaceId: found.workspaceId, tokenId: found.id };
  }

  async getUser(request: ScimUserDto): Promise<ScimUserReply> {
    const user = await this.scim.findUser(request.workspaceId, request.userId);
    if (!user) throw DomainError.notFound('The user');
    return { user: toScimUser(user) };
  }

  async findUsers(request: ScimFindUsersDto): Promise<ScimFindUsersReply> {
    return { users: (await this.scim.findUsersByEmail(request.workspaceId, request.userName)).map(toScimUser) };
  }

  /** PATCH `active: false` or DELETE: the same cascade as an admin's deprovisioning; idempotent. */
  async deactivateUser(request: ScimUserDto): Promise<ScimDeactivateUserReply> {
    const { user, jobId } = await this.deprovisioning.deprovision(request.workspaceId, request.userId, { userId: null, deviceId: null, ip: null, userAgent: null });
    return { user: toScimUser(user), jobId };
  }

  /** SCIM Bulk (DEPROV-3): every user its operations name, deprovisioned together; each found or not on its own. */
  async deactivateUsers(request: ScimDeactivateUsersDto): Promise<ScimDeactivateUsersReply> {
    const { found, missing } = await this.deprovisioning.deprovisionMany(request.workspaceId, request.userIds, { userId: null, deviceId: null, ip: null, userAgent: null });
    return {
      results: [
        ...found.map(({ user, jobId }) => ({ userId: user.subject, user: toScimUser(user), jobId })),
        ...missing.map((userId) => ({ userId, error: { userId, code: ErrorCode.notFound, detail: 'The user was not found.' } })),
      ],
    };
  }
}

function toScimUser(user: User): ScimUserRecord {
  return { id: user.subject, userName: user.email, displayName: user.username, active: user.deprovisionedAt === null };
}
