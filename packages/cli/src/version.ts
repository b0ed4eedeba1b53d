// Written by tools/stamp-versions.mjs from package.json; do not edit.

/** Version of `@dyrep/cli`. */
export const CLI_VERSION: string = '0.0.0';
