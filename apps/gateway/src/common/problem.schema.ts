import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

class FieldErrorSchema {
  @ApiProperty({ example: 'name' }) field: string;
  @ApiProperty({ example: 'name must be shorter than or equal to 64 characters' }) message: string;
}

/** RFC 9457 problem document of every error (ERR-1), for the OpenAPI document. */
export class ProblemSchema {
  @ApiProperty({ example: 'about:blank' }) type: string;
  @ApiProperty({ example: 'Conflict' }) title: string;
  @ApiProperty({ example: 409 }) status: number;
  @ApiProperty({ example: 'A device of yours already has this name.' }) detail: string;
  @ApiProperty({ example: 'device_name_taken', description: 'Stable machine code (PRODUCT.md)' }) code: string;
  @ApiPropertyOptional({ type: [FieldErrorSchema], description: 'validation_failed only' }) errors?: FieldErrorSchema[];
  @ApiPropertyOptional({ description: 'code_invalid only' }) attemptsRemaining?: number;
}
