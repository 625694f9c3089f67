import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { serveStatic } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    appUrl: string;
  }
}

/**
 * Once for the whole suite: build the app from the current sources (a few seconds), then serve the output
 * folder from a sub-path (the build must work from any folder). The server stops when the suite ends.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  await build({ root, logLevel: 'warn' });
  const server = await serveStatic(fileURLToPath(new URL('../dist', import.meta.url)), '/some/folder/');
  project.provide('appUrl', server.url);
  return () => server.close();
}
