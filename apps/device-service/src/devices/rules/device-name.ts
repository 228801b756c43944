import { DomainError } from '@td/common';
import { DEVICE_NAME_MAX_LENGTH, ErrorCode, FORBIDDEN_NAME_CHARACTERS } from '@td/contracts';

// The default-name rule lives in libs/contracts: the web app shows the very name the service will register.
export { defaultDeviceName, describeUserAgent, DEVICE_NAME_MAX_LENGTH, nameCandidate } from '@td/contracts';

const codePoints = (text: string): string[] => Array.from(text);

function invalidName(message: string): DomainError {
  return DomainError.of(ErrorCode.validationFailed, `The device name ${message}.`, {
    extensions: { errors: [{ field: 'name', message: `name ${message}` }] },
  });
}

/** SETUP-2 / MANAGE-3: the stored form of a name the user typed, or validation_failed. */
export function normaliseDeviceName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  if (FORBIDDEN_NAME_CHARACTERS.test(name)) throw invalidName('must not contain control characters');
  const length = codePoints(name).length;
  if (length < 1) throw invalidName('must not be empty');
  if (length > DEVICE_NAME_MAX_LENGTH) throw invalidName(`must be at most ${DEVICE_NAME_MAX_LENGTH} characters`);
  return name;
}
