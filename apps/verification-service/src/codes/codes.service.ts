import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { codeHash, currentRequestId, DomainError, sealCode } from '@td/common';
import {
  codeSealBinding,
  ErrorCode,
  type CheckCodeReply,
  type CheckCodeRequest,
  type IssueCodeReply,
  type IssueCodeRequest,
  type VoidCodesReply,
} from '@td/contracts';
import { VerificationServiceConfig } from '../config';
import { generateCode, hashesEqual, HOUR_MS, ISSUE_INTERVAL_MS, MAX_RESENDS_PER_HOUR, retryAfterSeconds } from './codes.rules';
import { CodesStore, type IssueInput } from './codes.store';
import { VerificationMailQueue } from './verification-mail.queue';

/**
 * The rules of email verification codes (PRODUCT.md CODE-1..7). A code only proves
 * that the person reads the user's mailbox, for one device (CODE-7); nothing here
 * signs anyone in.
 */
@Injectable()
export class CodesService {
  private readonly logger = new Logger(CodesService.name);

  constructor(
    private readonly config: VerificationServiceConfig,
    private readonly store: CodesStore,
    private readonly mail: VerificationMailQueue,
  ) {}

  /** CODE-1, CODE-2, CODE-4: a fresh code replaces the device's last one and is mailed before we answer. */
  async issue(request: IssueCodeRequest): Promise<IssueCodeReply> {
    const code = generateCode();
    const issue: IssueInput = {
      codeId: randomUUID(),
      userId: request.userId,
      deviceId: request.deviceId,
      hash: codeHash(this.config.codes.hmacSecret, request.deviceId, code),
      ttlMs: this.config.codes.ttlSeconds * 1000,
      cooldownMs: ISSUE_INTERVAL_MS,
      resend: request.reason === 'resend' ? { limit: MAX_RESENDS_PER_HOUR, windowMs: HOUR_MS, member: randomUUID() } : null,
    };
    const outcome = await this.store.issue(issue);
    if (!outcome.issued) {
      throw DomainError.of(ErrorCode.rateLimited, 'Too many verification codes were requested; try again later.', {
        retryAfter: retryAfterSeconds(outcome.retryAfterMs),
      });
    }
    const expiresAt = new Date(outcome.issuedAtMs + issue.ttlMs).toISOString();
    try {
      const recipient = { workspaceId: request.workspaceId, userId: request.userId };
      await this.mail.enqueue(issue.codeId, {
        ...recipient,
        deviceId: request.deviceId,
        sealedCode: sealCode(this.config.codes.hmacSecret, code, codeSealBinding(recipient)),
        expiresAt,
        device: request.device,
        requestId: currentRequestId(),
      });
    } catch (error) {
      // No mail, no code: give back the device's interval and the resend, so the user can simply retry.
      // Best effort only — when Redis is down this fails too, and the original error is what the caller needs.
      await this.store.release(issue).catch(() => undefined);
      throw error;
    }
    this.logger.log({ msg: 'verification code issued', deviceId: request.deviceId, reason: request.reason, expiresAt });
    return { expiresAt };
  }

  /** CODE-3, CODE-5, CODE-6: the attempt is counted before anything is compared; a match works once. */
  async check(request: CheckCodeRequest): Promise<CheckCodeReply> {
    const submitted = codeHash(this.config.codes.hmacSecret, request.deviceId, request.code);
    const attempt = { userId: request.userId, deviceId: request.deviceId, member: randomUUID() };
    const start = await this.store.beginCheck({
      ...attempt,
      maxAttempts: this.config.codes.maxAttempts,
      maxFailures: this.config.codes.maxFailuresPerHour,
      windowMs: HOUR_MS,
    });
    switch (start.kind) {
      case 'locked':
        throw DomainError.of(ErrorCode.tooManyAttempts, 'Too many wrong codes; try again later.', {
          retryAfter: retryAfterSeconds(start.retryAfterMs),
        });
      case 'exhausted':
        throw DomainError.of(ErrorCode.tooManyAttempts, 'Too many wrong codes for this code; request a new one.');
      case 'missing':
        throw codeExpired();
      case 'compare':
        break;
    }
    if (!hashesEqual(start.storedHash, submitted)) {
      this.logger.log({ msg: 'wrong verification code', deviceId: request.deviceId, attemptsRemaining: start.attemptsRemaining });
      throw DomainError.of(ErrorCode.codeInvalid, 'The code is not correct.', {
        extensions: { attemptsRemaining: start.attemptsRemaining },
      });
    }
    if (request.keep) {
      // The caller uses the code up by its own commit (see CheckCodeRequest.keep); a right code is no failure.
      await this.store.withdrawFailure(attempt);
    } else if (!(await this.store.consume({ ...attempt, hash: submitted }))) {
      // Another request with the same code may have used it a moment ago: only one of them deletes it.
      throw codeExpired();
    }
    this.logger.log({ msg: 'verification code accepted', deviceId: request.deviceId });
    return { valid: true };
  }

  /** The devices among these with no code in store (see MissingCodesRequest). */
  missing(deviceIds: readonly string[]): Promise<string[]> {
    return this.store.missing(deviceIds);
  }

  async voidCodes(deviceIds: readonly string[]): Promise<VoidCodesReply> {
    return { voided: await this.store.voidCodes(deviceIds) };
  }
}

function codeExpired(): DomainError {
  return DomainError.of(ErrorCode.codeExpired, 'The code has expired or is no longer valid; request a new one.');
}
