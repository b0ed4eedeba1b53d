import { expect } from 'chai';
import { calledTensorflowNames, exportedDeclarations, missingSymbols, neededSymbols, parseNmDefined, parseNmUndefined, stripSymbolVersion, tensorflowSymbols } from '../src/symbols';

// Shaped like `nm -D --defined-only` of the wheel's two libraries: versioned names.
const NM_CC = [
  '0000000001a2b3c0 T TFE_NewContext@@tensorflow',
  '0000000001a2b3d0 T TFE_Execute@@tensorflow',
  '0000000001a2b3e0 T TF_Version@@tensorflow',
  '0000000001a2b3f0 W TF_SessionRun@tensorflow',
  '                 U TF_NewStatus@tensorflow',
].join('\n');
const NM_FRAMEWORK = ['00000000017aca00 T TF_AllocateTensor@@tensorflow', '00000000017a2bd0 T TF_NewStatus@@tensorflow', '0000000000001000 B some_data'].join('\n');

const HEADER = `
#include "tensorflow/c/tf_status.h"
// TF_CAPI_EXPORT extern void TF_Commented(void);
TF_CAPI_EXPORT extern TF_Status* TF_NewStatus(void);
TF_CAPI_EXPORT extern TF_Tensor* TF_AllocateTensor(TF_DataType,
                                                   const int64_t* dims, int num_dims, size_t len);
TF_CAPI_EXPORT extern const char* TF_Version(void);
TF_CAPI_EXPORT extern TFE_Context* TFE_NewContext(
    const TFE_ContextOptions* opts, TF_Status* status);
TF_CAPI_EXPORT extern void TFE_Execute(TFE_Op* op, TFE_TensorHandle** retvals, int* num_retvals, TF_Status* status);
static inline void TF_TString_Init(TF_TString *str) { }
`;

const BINDING = `
// TF_DeleteGraph(graph) in a comment is not a call
class TF_AutoStatus { TF_AutoStatus() : status(TF_NewStatus()) {} };
void f() {
  const char* v = TF_Version();
  TFE_Context* ctx = TFE_NewContext(opts, status);
  TF_TString_Init(&s);
  TFE_Execute (op, retvals, &n, status);
  printf("TF_Fake(%d)", 1);
}
`;

describe('install: TensorFlow C API symbols', () => {
  it('strips symbol versions', () => {
    expect(stripSymbolVersion('TFE_NewContext@@tensorflow')).to.equal('TFE_NewContext');
    expect(stripSymbolVersion('TF_SessionRun@tensorflow')).to.equal('TF_SessionRun');
    expect(stripSymbolVersion('TF_Version')).to.equal('TF_Version');
  });

  it('reads defined and undefined symbols from nm -D output, versions stripped', () => {
    const cc = parseNmDefined(NM_CC);
    expect([...cc].sort()).to.deep.equal(['TFE_Execute', 'TFE_NewContext', 'TF_SessionRun', 'TF_Version']);
    expect([...parseNmUndefined(NM_CC)]).to.deep.equal(['TF_NewStatus']);
    expect(parseNmDefined(NM_FRAMEWORK).has('some_data')).to.equal(true);
  });

  it('finds the exported declarations of a header, across line breaks, ignoring comments and inline helpers', () => {
    expect([...exportedDeclarations(HEADER)].sort()).to.deep.equal(['TFE_Execute', 'TFE_NewContext', 'TF_AllocateTensor', 'TF_NewStatus', 'TF_Version']);
  });

  it('finds called names in the binding, not in comments or strings', () => {
    const called = calledTensorflowNames(BINDING);
    expect(called.has('TF_DeleteGraph')).to.equal(false);
    expect(called.has('TF_Fake')).to.equal(false);
    expect(called.has('TFE_Execute')).to.equal(true);
    expect(called.has('TF_AutoStatus')).to.equal(true);
  });

  it('needs exactly the exported functions the binding calls (not TF_AutoStatus, not inline TF_TString_*)', () => {
    expect(neededSymbols([BINDING], [HEADER])).to.deep.equal(['TFE_Execute', 'TFE_NewContext', 'TF_NewStatus', 'TF_Version']);
  });

  it('finds nothing missing when the symbols are split over two libraries with version suffixes', () => {
    const needed = neededSymbols([BINDING], [HEADER]);
    const available = [parseNmDefined(NM_CC), parseNmDefined(NM_FRAMEWORK)];
    expect(missingSymbols(needed, available)).to.deep.equal([]);
    // Comparing against raw, unstripped nm names would report all of them missing.
    const raw = new Set(NM_CC.split('\n').map((l) => l.trim().split(/\s+/).pop()!));
    expect(missingSymbols(needed, [raw])).to.have.length(needed.length);
  });

  it('reports what no library exports, sorted and once', () => {
    expect(missingSymbols(['TF_Zeta', 'TF_Version', 'TF_Alpha', 'TF_Zeta'], [parseNmDefined(NM_CC)])).to.deep.equal(['TF_Alpha', 'TF_Zeta']);
  });

  it('keeps only TF_/TFE_ names', () => {
    expect(tensorflowSymbols(['napi_create_object', 'TFE_Execute', 'TF_Version', 'malloc', 'TFX_Other'])).to.deep.equal(['TFE_Execute', 'TF_Version']);
  });
});
