import { Body, Controller, HttpCode, Req } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags, ApiTooManyRequestsResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import { rateLimitAddress } from '../common/network';
import { ProblemSchema } from '../common/problem.schema';
import { CarriesSecret, Post } from '../http/idempotency.interceptor';
import { DevTokenDto, DevTokenSchema } from './dev-token.dto';
import { DevTokenService } from './dev-token.service';

@ApiTags('dev')
@Controller('v1/dev/token')
export class DevTokenController {
  constructor(private readonly devTokens: DevTokenService) {}

  @Post()
  @HttpCode(200)
  @CarriesSecret()
  @ApiOperation({ summary: 'Local/demo mode only (AUTH_DEV_LOGIN=true): an access token for an email (AUTH-4)' })
  @ApiOkResponse({ type: DevTokenSchema })
  @ApiNotFoundResponse({ description: 'dev login is off', type: ProblemSchema })
  @ApiTooManyRequestsResponse({ description: 'rate_limited (with Retry-After)', type: ProblemSchema })
  mint(@Body() body: DevTokenDto, @Req() request: Request) {
    return this.devTokens.mint(body, rateLimitAddress(request));
  }
}
