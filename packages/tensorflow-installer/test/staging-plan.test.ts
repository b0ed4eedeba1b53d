import { expect } from 'chai';
import { bindingIncludeRoots, bindingModulePath, includeClosure, missingEntries, parseLibtensorflowVersion, parseQuotedIncludes, planStaging } from '../src/staging-plan';

const HEADERS: Record<string, string> = {
  'tensorflow/c/c_api.h': '#include "tensorflow/c/c_api_macros.h"\n#include "tensorflow/c/tf_status.h"\n#include <stdint.h>\n',
  'tensorflow/c/c_api_macros.h': '#define TF_CAPI_EXPORT\n',
  'tensorflow/c/tf_status.h': '#include "xla/tsl/c/tsl_status.h"\n#include "c_api_macros.h"\n',
  'xla/tsl/c/tsl_status.h': '// no includes\n',
  'tensorflow/c/eager/c_api.h': '#include "tensorflow/c/c_api.h"\n  #  include "tensorflow/c/eager/missing.h"\n',
};

describe('install: staging plan', () => {
  it('reads quoted includes only, in order', () => {
    expect(parseQuotedIncludes('#include <node_api.h>\n#include "a.h"\n  # include "b/c.h"\n// #include "no.h" is not at line start? it is a comment\n')).to.deep.equal(['a.h', 'b/c.h']);
  });

  it("takes the binding's TensorFlow includes as roots, not its own headers", () => {
    const sources = ['#include "tfjs_backend.h"\n#include "tensorflow/c/c_api.h"\n', '#include "utils.h"\n#include "tensorflow/c/eager/c_api.h"\n'];
    expect(bindingIncludeRoots(sources, ['tfjs_backend.h', 'utils.h', 'tfjs_backend.cc'])).to.deep.equal(['tensorflow/c/c_api.h', 'tensorflow/c/eager/c_api.h']);
  });

  it('follows includes transitively, next to the including header first, and reports what is missing', async () => {
    const read = (p: string) => HEADERS[p];
    const ok = await includeClosure(['tensorflow/c/c_api.h'], read);
    expect(ok.headers).to.deep.equal(['tensorflow/c/c_api.h', 'tensorflow/c/c_api_macros.h', 'tensorflow/c/tf_status.h', 'xla/tsl/c/tsl_status.h']);
    expect(ok.missing).to.deep.equal([]);
    expect(ok.texts.get('xla/tsl/c/tsl_status.h')).to.equal('// no includes\n');
    const bad = await includeClosure(['tensorflow/c/eager/c_api.h'], async (p) => read(p));
    expect(bad.missing).to.deep.equal([{ header: 'tensorflow/c/eager/missing.h', includedFrom: 'tensorflow/c/eager/c_api.h' }]);
    expect(bad.headers).to.include('tensorflow/c/c_api.h');
  });

  it('plans headers under include/, both libraries under lib/, and the links the build and the install script look for', () => {
    const plan = planStaging(['tensorflow/c/c_api.h', 'xla/tsl/c/tsl_status.h'], '2.9.1');
    expect(plan.files).to.deep.equal([
      { entry: 'tensorflow/include/tensorflow/c/c_api.h', dest: 'include/tensorflow/c/c_api.h' },
      { entry: 'tensorflow/include/xla/tsl/c/tsl_status.h', dest: 'include/xla/tsl/c/tsl_status.h' },
      { entry: 'tensorflow/libtensorflow_cc.so.2', dest: 'lib/libtensorflow_cc.so.2' },
      { entry: 'tensorflow/libtensorflow_framework.so.2', dest: 'lib/libtensorflow_framework.so.2' },
    ]);
    expect(plan.links).to.deep.equal([
      { path: 'lib/libtensorflow.so', target: 'libtensorflow_cc.so.2' },
      { path: 'lib/libtensorflow_framework.so', target: 'libtensorflow_framework.so.2' },
      { path: 'lib/libtensorflow.so.2.9.1', target: 'libtensorflow_cc.so.2' },
    ]);
    const entries = new Set(['tensorflow/include/tensorflow/c/c_api.h', 'tensorflow/libtensorflow_cc.so.2']);
    expect(missingEntries(plan, entries)).to.deep.equal(['tensorflow/include/xla/tsl/c/tsl_status.h', 'tensorflow/libtensorflow_framework.so.2']);
  });

  it("reads tfjs-node's libtensorflow version, with 2.9.1 as the default", () => {
    expect(parseLibtensorflowVersion("/** x */\nconst LIBTENSORFLOW_VERSION = '2.9.1';\n")).to.equal('2.9.1');
    expect(parseLibtensorflowVersion('const LIBTENSORFLOW_VERSION = "2.11.0";')).to.equal('2.11.0');
    expect(parseLibtensorflowVersion(undefined)).to.equal('2.9.1');
  });

  it('picks the N-API version and module path node-pre-gyp would', () => {
    const binary = { module_path: './lib/napi-v{napi_build_version}', napi_versions: [3, 4, 5, 6, 7, 8] };
    expect(bindingModulePath(binary, 9)).to.deep.equal({ napi: 8, modulePath: 'lib/napi-v8' });
    expect(bindingModulePath(binary, 5)).to.deep.equal({ napi: 5, modulePath: 'lib/napi-v5' });
    expect(() => bindingModulePath(binary, 2)).to.throw('N-API');
  });
});
