import { provideInfra } from './infra';

/** Runs once before all test files: finds or starts the servers and hands their URLs to the workers. */
export default async function globalSetup(): Promise<void> {
  const { mode, ...urls } = await provideInfra();
  if (mode === 'testcontainers')
    process.stdout.write(`\ntest servers: Testcontainers (${process.env.DOCKER_HOST || 'unix:///var/run/docker.sock'})\n`);
  Object.assign(process.env, urls);
}
