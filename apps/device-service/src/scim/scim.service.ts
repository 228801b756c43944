import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DomainError } from '@td/common';
import {
  ErrorCode,
  type CreateScimTokenReply,
  type EmptyReply,
  type ListScimTokensReply,
  type ScimAuthenticateReply,
  type ScimDeactivateUserReply,
  type ScimDeactivateUsersReply,
  type ScimFindUsersReply,
  type ScimUserRecord,
  type ScimUserReply,
} from '@td/contracts';
import { AuditAction, AuditLog, type AuditEntry } from '../audit/audit.log';
import { Transactions } from '../database/transactions';
import { DeprovisionService } from '../deprovision/deprovision.service';
import type { User } from '../users/user.entity';
import { UsersRepository } from '../users/users.repository';
import type { AdminCommandDto, CreateScimTokenDto, RevokeScimTokenDto } from '../workspace/dto/workspace-commands.dto';
import { WorkspaceAdmins, type AdminContext } from '../workspace/workspace-admins';
import type { ScimAuthenticateDto, ScimDeactivateUsersDto, ScimFindUsersDto, ScimUserDto } from './dto/scim-commands.dto';
import { ScimToken } from './scim-token.entity';
import { ScimTokensRepository } from './scim-tokens.repository';

/** Tokens carry 256 random bits, so a plain SHA-256 is a safe way to store and look them up. */
export const hashScimToken = (token: string): string => createHash('sha256').update(token).digest('hex');

const TOKEN_PREFIX = 'tdscim_';
const DEFAULT_TOKEN_NAME = 'SCIM token';
/** SEC-8: failed uses of one token are audited at most once per this window (a retrying IdP does not flood the log). */
const FAILED_USE_AUDIT_WINDOW_MS = 60_000;

/**
 * DEPROV-1 over SCIM 2.0: admins create and revoke the workspace's SCIM tokens; the
 * identity provider, holding one, looks users up and deactivates them. A token acts
 * only within its own workspace.
 */
@Injectable()
export class ScimService {
  constructor(
    private readonly admins: WorkspaceAdmins,
    private readonly tokens: ScimTokensRepository,
    private readonly users: UsersRepository,
    private readonly transactions: Transactions,
    private readonly deprovisioning: DeprovisionService,
    private readonly audit: AuditLog,
  ) {}

  /** SEC-8: a named token, optionally expiring; its creation is audited with it. */
  async createToken(request: CreateScimTokenDto): Promise<CreateScimTokenReply> {
    const admin = await this.admins.resolve(request.caller);
    const expiresAt = request.expiresAt === undefined ? null : futureTime(request.expiresAt);
    const name = request.name?.normalize('NFC').trim() || DEFAULT_TOKEN_NAME;
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const id = randomUUID();
    const row = Object.assign(new ScimToken(), {
      id,
      workspaceId: admin.workspaceId,
      tokenHash: hashScimToken(token),
      name,
      createdAt: new Date(),
      createdBy: admin.user.id,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    } satisfies ScimToken);
    await this.transactions.run(async (tx) => {
      await this.tokens.insert(tx, row);
      await this.audit.record(tx, [adminTokenEntry(admin, AuditAction.scimTokenCreated, id, request)]);
    });
    return { id, token };
  }

  /** Revoking twice is fine (204 both times); the revocation is audited once. */
  async revokeToken(request: RevokeScimTokenDto): Promise<EmptyReply> {
    const admin = await this.admins.resolve(request.caller);
    await this.transactions.run(async (tx) => {
      const token = await this.tokens.lock(tx, admin.workspaceId, request.tokenId);
      if (!token) throw DomainError.notFound('The SCIM token');
      if (token.revokedAt) return;
      await this.tokens.markRevoked(tx, token.id, new Date());
      await this.audit.record(tx, [adminTokenEntry(admin, AuditAction.scimTokenRevoked, token.id, request)]);
    });
    return { ok: true };
  }

  /** SEC-8: the workspace's tokens, never the tokens themselves. */
  async listTokens(request: AdminCommandDto): Promise<ListScimTokensReply> {
    const admin = await this.admins.resolve(request.caller);
    const listed = await this.tokens.listInWorkspace(admin.workspaceId);
    return {
      tokens: listed.map(({ token, creatorSubject }) => ({
        id: token.id,
        name: token.name,
        createdAt: token.createdAt.toISOString(),
        createdBy: { userId: creatorSubject },
        lastUsedAt: token.lastUsedAt?.toISOString() ?? null,
        expiresAt: token.expiresAt?.toISOString() ?? null,
      })),
    };
  }

  /**
   * A token acts for its workspace while neither revoked nor expired; its use is recorded.
   * A known token refused (revoked, expired) is audited in its workspace (SEC-8); an unknown
   * one belongs to no workspace and is simply refused. A token outlives its creator: it
   * belongs to the workspace (PRODUCT.md ties it to nobody's account).
   */
  async authenticate(request: ScimAuthenticateDto): Promise<ScimAuthenticateReply> {
    const found = request.token.startsWith(TOKEN_PREFIX) ? await this.tokens.findByHash(hashScimToken(request.token)) : null;
    if (!found) throw invalidToken();
    const now = Date.now();
    if (found.revokedAt !== null || (found.expiresAt !== null && found.expiresAt.getTime() <= now)) {
      await this.audit.record(this.transactions.outside, [
        {
          workspaceId: found.workspaceId,
          action: AuditAction.scimTokenUseFailed,
          actor: { userId: null, deviceId: null },
          target: { userId: null, deviceId: null, scimTokenId: found.id },
          ip: request.ip,
          userAgent: request.userAgent,
          dedupeKey: `scim-use-failed:${found.id}:${Math.floor(now / FAILED_USE_AUDIT_WINDOW_MS)}`,
        },
      ]);
      throw invalidToken();
    }
    await this.tokens.touchLastUsed(found.id);
    return { workspaceId: found.workspaceId, tokenId: found.id };
  }

  async getUser(request: ScimUserDto): Promise<ScimUserReply> {
    const user = await this.users.findBySubject(request.workspaceId, request.userId);
    if (!user) throw DomainError.notFound('The user');
    return { user: toScimUser(user) };
  }

  async findUsers(request: ScimFindUsersDto): Promise<ScimFindUsersReply> {
    return { users: (await this.users.findByEmail(request.workspaceId, request.userName)).map(toScimUser) };
  }

  /** PATCH `active: false` or DELETE: the same cascade as an admin's deprovisioning; idempotent. */
  async deactivateUser(request: ScimUserDto): Promise<ScimDeactivateUserReply> {
    const { user, jobId } = await this.deprovisioning.deprovision(request.workspaceId, request.userId, {
      userId: null,
      deviceId: null,
      ip: null,
      userAgent: null,
    });
    return { user: toScimUser(user), jobId };
  }

  /** SCIM Bulk (DEPROV-3): every user its operations name, deprovisioned together; each found or not on its own. */
  async deactivateUsers(request: ScimDeactivateUsersDto): Promise<ScimDeactivateUsersReply> {
    const { found, missing } = await this.deprovisioning.deprovisionMany(request.workspaceId, request.userIds, {
      userId: null,
      deviceId: null,
      ip: null,
      userAgent: null,
    });
    return {
      results: [
        ...found.map(({ user, jobId }) => ({ userId: user.subject, user: toScimUser(user), jobId })),
        ...missing.map((userId) => ({ userId, error: { userId, code: ErrorCode.notFound, detail: 'The user was not found.' } })),
      ],
    };
  }
}

function invalidToken(): DomainError {
  return DomainError.of(ErrorCode.unauthenticated, 'The SCIM token is not valid.');
}

/** SEC-8: an expiry is a time still to come. */
function futureTime(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime()) || at.getTime() <= Date.now()) {
    const message = 'expiresAt must be a time in the future';
    throw DomainError.of(ErrorCode.validationFailed, `${message}.`, { extensions: { errors: [{ field: 'expiresAt', message }] } });
  }
  return at;
}

function adminTokenEntry(admin: AdminContext, action: AuditAction, tokenId: string, request: AdminCommandDto): AuditEntry {
  return {
    workspaceId: admin.workspaceId,
    action,
    actor: { userId: admin.user.id, deviceId: admin.device.id },
    target: { userId: null, deviceId: null, scimTokenId: tokenId },
    ip: request.caller.ip,
    userAgent: request.caller.userAgent,
  };
}

function toScimUser(user: User): ScimUserRecord {
  return { id: user.subject, userName: user.email, displayName: user.username, active: user.deprovisionedAt === null };
}
