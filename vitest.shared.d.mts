/** Types of vitest.shared.mjs (plain ESM so every config loader reads it without a TypeScript step). */
export declare const workspaceAliases: { find: RegExp; replacement: string }[];
export declare const sharedTestOptions: { include: string[]; testTimeout: number; hookTimeout: number };
export declare const yamlSetupFiles: string[];
