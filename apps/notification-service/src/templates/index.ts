export * from './device-approved.email';
export * from './email-message';
export * from './html';
export * from './verification-code.email';
export * from './words';
