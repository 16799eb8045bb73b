/** Shared types of the lab apiserver. Kubernetes objects are handled as schemaless JSON. */

// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are schemaless JSON in this server.
export type KObject = Record<string, any>;

export const isObject = (v: unknown): v is KObject =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep copy of a JSON value. */
export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
