import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { Command, type CheckCodeReply, type IssueCodeReply, type MissingCodesReply, type VoidCodesReply } from '@td/contracts';
import { payloadValidation } from '@td/common';
import { CheckCodeDto, IssueCodeDto, MissingCodesDto, VoidCodesDto } from './codes.dto';
import { CodesService } from './codes.service';

@Controller()
export class CodesController {
  constructor(private readonly codes: CodesService) {}

  @MessagePattern(Command.verificationIssueCode)
  issue(@Payload(payloadValidation) request: IssueCodeDto): Promise<IssueCodeReply> {
    return this.codes.issue(request);
  }

  @MessagePattern(Command.verificationCheckCode)
  check(@Payload(payloadValidation) request: CheckCodeDto): Promise<CheckCodeReply> {
    return this.codes.check(request);
  }

  @MessagePattern(Command.verificationMissingCodes)
  async missing(@Payload(payloadValidation) request: MissingCodesDto): Promise<MissingCodesReply> {
    return { missing: await this.codes.missing(request.deviceIds) };
  }

  @MessagePattern(Command.verificationVoidCodes)
  void(@Payload(payloadValidation) request: VoidCodesDto): Promise<VoidCodesReply> {
    return this.codes.voidCodes(request.deviceIds);
  }
}
