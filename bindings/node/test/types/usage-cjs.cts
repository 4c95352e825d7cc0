// The same package from a CommonJS TypeScript file.
import axme = require('@axme/axme');

const client = new axme.AxmeClient({ apiKey: 'k' });
export const pending: Promise<string> = client.sendIntent({ to_agent: 'agent://x' });
export const isHttp = (e: unknown): boolean => e instanceof axme.AxmeHttpError;
