import pkg from '../package.json';

/** Version of `@dyrep/exporter`, written into every export's metadata. */
export const EXPORTER_VERSION: string = pkg.version;
