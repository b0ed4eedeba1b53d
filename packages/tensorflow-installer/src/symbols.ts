// Which TensorFlow C API functions the binding needs, and which the wheel's libraries export.
// Pure: works on source text and `nm -D` output.

const TF_NAME = /^TFE?_[A-Za-z0-9_]+$/;

/** Removes a symbol version suffix: `TFE_NewContext@@tensorflow` → `TFE_NewContext`. */
export function stripSymbolVersion(symbol: string): string {
  const at = symbol.indexOf('@');
  return at < 0 ? symbol : symbol.slice(0, at);
}

/** One line of `nm -D` output: `[address] type name`. */
function parseNmLine(line: string): { type: string; name: string } | undefined {
  const m = /^\s*(?:[0-9a-fA-F]+\s+)?([A-Za-z?-])\s+(\S+)\s*$/.exec(line);
  return m ? { type: m[1], name: stripSymbolVersion(m[2]) } : undefined;
}

/** Symbols a library defines, from `nm -D` output (undefined `U`/`w`/`v` entries ignored), versions stripped. */
export function parseNmDefined(nmOutput: string): Set<string> {
  const out = new Set<string>();
  for (const line of nmOutput.split('\n')) {
    const s = parseNmLine(line);
    if (s && !['U', 'w', 'v'].includes(s.type)) out.add(s.name);
  }
  return out;
}

/** Symbols an object needs from elsewhere (`U`, weak `w`), from `nm -D` output, versions stripped. */
export function parseNmUndefined(nmOutput: string): Set<string> {
  const out = new Set<string>();
  for (const line of nmOutput.split('\n')) {
    const s = parseNmLine(line);
    if (s && (s.type === 'U' || s.type === 'w')) out.add(s.name);
  }
  return out;
}

/** Removes C/C++ comments and string literals' contents so that only code is scanned. */
function stripComments(source: string): string {
  return source
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\/\/[^\n]*/g, ' ')
    .replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
}

/** `TF_*`/`TFE_*` names that appear called (`NAME(`) in C/C++ source. */
export function calledTensorflowNames(source: string): Set<string> {
  const out = new Set<string>();
  for (const m of stripComments(source).matchAll(/\b(TFE?_[A-Za-z0-9_]+)\s*\(/g)) out.add(m[1]);
  return out;
}

/** Functions a TensorFlow C API header exports (`TF_CAPI_EXPORT extern <type> NAME(`). */
export function exportedDeclarations(header: string): Set<string> {
  const out = new Set<string>();
  for (const m of stripComments(header).matchAll(/TF_CAPI_EXPORT\s+extern\s+[^;(]*?\b(TFE?_[A-Za-z0-9_]+)\s*\(/g)) out.add(m[1]);
  return out;
}

/**
 * The exported C API functions the binding calls: names called in its sources that the headers
 * declare as exported (helpers such as `TF_AutoStatus` or the inline `TF_TString_*` are not).
 */
export function neededSymbols(bindingSources: readonly string[], headers: readonly string[]): string[] {
  const declared = new Set<string>();
  for (const h of headers) for (const n of exportedDeclarations(h)) declared.add(n);
  const needed = new Set<string>();
  for (const s of bindingSources) for (const n of calledTensorflowNames(s)) if (declared.has(n)) needed.add(n);
  return [...needed].sort();
}

/** `needed` minus every name some library defines (versions already stripped), sorted. */
export function missingSymbols(needed: Iterable<string>, available: readonly Set<string>[]): string[] {
  const missing: string[] = [];
  for (const n of needed) if (!available.some((s) => s.has(stripSymbolVersion(n)))) missing.push(n);
  return [...new Set(missing)].sort();
}

/** Only the TensorFlow C API names (`TF_*`, `TFE_*`) of a symbol set. */
export function tensorflowSymbols(names: Iterable<string>): string[] {
  return [...names].filter((n) => TF_NAME.test(n)).sort();
}
