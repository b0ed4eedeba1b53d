import { main } from './program';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`dyrep: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
