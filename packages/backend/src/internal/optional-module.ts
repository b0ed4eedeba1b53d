/** Outcome of importing an optional peer dependency. */
export type OptionalImport = { ok: true; module: unknown } | { ok: false; missing: boolean; error: string };

/**
 * Imports `spec` lazily with a dynamic `import()`, so that a missing optional peer dependency never
 * breaks importing this package (works from both the ESM and the CJS build).
 * `missing` is true when the package itself is not installed, false when it is installed but
 * failed to load (for example tfjs-node without its native libtensorflow).
 */
export async function importOptional(spec: string): Promise<OptionalImport> {
  try {
    return { ok: true, module: await import(/* @vite-ignore */ spec) };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const message = e?.message ?? String(err);
    const notFound = e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND';
    // A missing native binding inside an installed package is also MODULE_NOT_FOUND: only a
    // failure that names the package itself means "not installed".
    const missing = notFound && (message.includes(`'${spec}'`) || message.includes(`"${spec}"`));
    return { ok: false, missing, error: message.split('\n')[0] };
  }
}
