import { ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { CLIENT_TYPES, DEVICE_STATUSES, type ClientType, type DeviceStatus, type DisabledBy } from '@td/contracts';

/** Response shapes for the OpenAPI document (API.md "Objects"); the replies themselves come from device-service. */
export class DeviceSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'alice Web app - macOS/Chrome' }) name: string;
  @ApiProperty({ enum: CLIENT_TYPES }) clientType: ClientType;
  @ApiProperty({ example: 'macOS' }) os: string;
  @ApiProperty({ example: 'Chrome' }) browser: string;
  @ApiProperty({ example: 'maple orbit crane velvet tundra' }) fingerprint: string;
  @ApiProperty({ nullable: true, type: String }) lastIp: string | null;
  @ApiProperty({ enum: DEVICE_STATUSES }) status: DeviceStatus;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) approvedAt: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) disabledAt: string | null;
  @ApiProperty({
    nullable: true,
    description:
      'Who disabled the device: { kind: "device", deviceId, deviceName } (one of the user’s devices), { kind: "admin" } or { kind: "deprovisioning" }; null unless disabled',
    example: { kind: 'device', deviceId: '6f1c2a9e-0000-4000-8000-000000000001', deviceName: 'alice Web app - macOS/Chrome' },
  })
  disabledBy: DisabledBy | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) lastSeenAt: string | null;
  @ApiProperty({ enum: ['email_code', 'device'], nullable: true }) approvedVia: 'email_code' | 'device' | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) approvedBy: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expiresAt: string | null;
  @ApiProperty({ description: 'The device that signed this request' }) current: boolean;
}

export class DeviceReplySchema {
  @ApiProperty() device: DeviceSchema;
}

export class DeviceListSchema {
  @ApiProperty({ type: [DeviceSchema] }) devices: DeviceSchema[];
}

export class EmailCodeVerificationSchema {
  @ApiProperty({ enum: ['email_code'] }) method: 'email_code';
  @ApiProperty({ format: 'date-time' }) expiresAt: string;
}

export class ApprovalVerificationSchema {
  @ApiProperty({ enum: ['approval'] }) method: 'approval';
  @ApiProperty({ enum: ['web', 'mobile'], isArray: true }) approvers: ClientType[];
}

export class SetupReplySchema {
  @ApiProperty() device: DeviceSchema;
  @ApiProperty({ oneOf: [{ $ref: getSchemaPath(EmailCodeVerificationSchema) }, { $ref: getSchemaPath(ApprovalVerificationSchema) }] })
  verification: EmailCodeVerificationSchema | ApprovalVerificationSchema;
}

export class EmailCodeReplySchema {
  @ApiProperty() device: DeviceSchema;
  @ApiProperty() verification: EmailCodeVerificationSchema;
}

export class KeyEnvelopeSchema {
  @ApiProperty() keyEnvelope: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) approvedBy: string | null;
}
