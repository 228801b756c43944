import { Controller, Get } from '@nestjs/common';
import { ApiForbiddenResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { BusClient } from '@td/common';
import { Command, ROLES, type Caller, type Role } from '@td/contracts';
import { Authenticated, CurrentCaller } from '../auth/authenticated.decorator';
import { ProblemSchema } from '../common/problem.schema';
import { DeviceSchema } from '../devices/device.schemas';

class SessionUserSchema {
  @ApiProperty({ description: "The token's sub" }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() username: string;
  @ApiProperty({ enum: ROLES }) role: Role;
  @ApiProperty({ description: "The token's wid" }) workspaceId: string;
}

class SessionSchema {
  @ApiProperty() user: SessionUserSchema;
  @ApiProperty({ description: 'The proof comes from an approved device of this user' }) trusted: boolean;
  @ApiProperty({ description: 'The client should offer device setup' }) setupRequired: boolean;
  @ApiProperty({ type: DeviceSchema, nullable: true }) device: DeviceSchema | null;
}

@ApiTags('session')
@Controller('v1/session')
export class SessionController {
  constructor(private readonly bus: BusClient) {}

  @Get()
  @Authenticated('optional')
  @ApiOperation({ summary: 'Whether this session is trusted, or setup is required (MANAGE-2)' })
  @ApiOkResponse({ type: SessionSchema })
  @ApiForbiddenResponse({ description: 'user_deprovisioned', type: ProblemSchema })
  get(@CurrentCaller() caller: Caller) {
    return this.bus.request(Command.deviceGetSession, { caller });
  }
}
