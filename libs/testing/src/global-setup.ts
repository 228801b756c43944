import { provideInfra } from './infra';

/** Runs once before all test files: finds or starts the servers and hands their URLs to the workers. */
export default async function globalSetup(): Promise<void> {
  const urls = await provideInfra();
  Object.assign(process.env, urls);
}
