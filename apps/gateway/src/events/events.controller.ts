import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { BusClient } from '@td/common';
import { Command, type Caller } from '@td/contracts';
import type { Request, Response } from 'express';
import { decodeJwt } from 'jose';
import { Authenticated, CurrentCaller } from '../auth/authenticated.decorator';
import { ProblemSchema } from '../common/problem.schema';
import { RealtimeHub } from './realtime.hub';

@ApiTags('events')
@Controller('v1/events')
export class EventsController {
  constructor(
    private readonly bus: BusClient,
    private readonly hub: RealtimeHub,
  ) {}

  @Get()
  @Authenticated('required')
  @ApiOperation({
    summary: 'Server-Sent Events for a trusted web or mobile session (APPROVE-1)',
    description:
      'Events device.pending_approval, device.approved, device.denied, device.disabled, device.expired; data = { device }. ' +
      'The stream ends when the device holding it is disabled, denied or expired (KEY-5), when its access token expires, ' +
      'or when a periodic re-check (at least every 60 s, and after the gateway reconnects to NATS) finds the device no longer trusted (SEC-7). ' +
      'Streams are capped per device and per gateway: beyond, 429 rate_limited (SEC-7).',
  })
  @ApiProduces('text/event-stream')
  @ApiResponse({ status: 200, description: 'text/event-stream' })
  @ApiForbiddenResponse({ description: 'trusted_session_required, approver_not_allowed', type: ProblemSchema })
  @ApiResponse({ status: 429, description: 'rate_limited: too many open streams for this device or this gateway', type: ProblemSchema })
  async stream(@CurrentCaller() caller: Caller, @Req() request: Request, @Res() response: Response): Promise<void> {
    const { userId, deviceId } = await this.bus.request(Command.deviceAuthorizeEvents, { caller });
    // The client may have gone while we asked; a stream nobody reads must not join the hub.
    if (!response.socket || response.socket.destroyed) return;
    this.hub.admit(deviceId);
    response.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    response.write(': connected\n\n');
    const stream = {
      userId,
      deviceId,
      caller,
      expiresAt: tokenExpiry(request),
      write: (chunk: string) => response.write(chunk),
      end: () => response.end(),
    };
    this.hub.add(stream);
    // The response closes when the client goes away (or we end it): the stream leaves the hub either way.
    response.on('close', () => this.hub.remove(stream));
  }
}

/** SEC-7: when the (already verified) access token expires, in ms; its `exp` is required by the verifier. */
function tokenExpiry(request: Request): number | undefined {
  const token = /^Bearer\s+(\S+)$/i.exec(request.header('authorization')?.trim() ?? '')?.[1];
  const exp = token ? decodeJwt(token).exp : undefined;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}
