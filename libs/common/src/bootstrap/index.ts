export * from './start-service';
export * from './run-main';
export * from './shutdown';
