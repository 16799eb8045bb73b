/** Types of bundle.mjs (plain JavaScript: the launcher runs it before anything is compiled). */
import type { BuildOptions, Plugin } from 'esbuild';

export declare const ENTRIES: Readonly<{
  drill: string;
  lab: string;
  'kube-apiserver': string;
  'kube-controller-manager': string;
  'kube-scheduler': string;
  kubelet: string;
  'delay-proxy': string;
}>;
export type BundleName = keyof typeof ENTRIES;
export declare function bundleDir(root: string): string;
export declare function bundleFile(root: string, name: BundleName): string;
export declare function newestSource(root: string): number;
export declare function staleness(root: string, dir?: string): string | undefined;
export declare function minifyDependencies(esbuild: typeof import('esbuild')): Plugin;
export declare function buildOptions(
  root: string,
  outdir: string,
  entries?: Readonly<Record<string, string>>,
): BuildOptions;
export declare function buildBundles(
  root: string,
  outdir?: string,
  entries?: Readonly<Record<string, string>>,
): Promise<number>;
export declare function ensureBundles(
  root: string,
): Promise<{ built: false } | { built: true; reason: string; ms: number }>;
