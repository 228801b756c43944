export * from './bull';
