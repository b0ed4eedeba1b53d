// Written by tools/stamp-versions.mjs from package.json; do not edit.

/** Version of `@dyrep/exporter`. */
export const EXPORTER_VERSION: string = '0.0.0';
