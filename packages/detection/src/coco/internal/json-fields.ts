// Small readers for untyped JSON objects that record a problem instead of throwing.
import { CocoFormatError } from '../coco-format-error';

/** Validation problems collected so far, one message each. */
export type Issues = string[];

/** True for a plain (non-array, non-null) object. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a required finite number field; records an issue and returns undefined otherwise. */
export function readNumber(obj: Record<string, unknown>, key: string, where: string, issues: Issues, opts: { integer?: boolean; optional?: boolean } = {}): number | undefined {
  const v = obj[key];
  if (v === undefined) {
    if (!opts.optional) issues.push(`${where}: missing field '${key}'`);
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    issues.push(`${where}: '${key}' must be a finite number, got ${show(v)}`);
    return undefined;
  }
  if (opts.integer && !Number.isInteger(v)) {
    issues.push(`${where}: '${key}' must be an integer, got ${v}`);
    return undefined;
  }
  return v;
}

/** Reads a required `[x, y, w, h]` box of finite numbers; records an issue and returns undefined otherwise. */
export function readBox(obj: Record<string, unknown>, where: string, issues: Issues): [number, number, number, number] | undefined {
  const v = obj.bbox;
  if (v === undefined) {
    issues.push(`${where}: missing field 'bbox'`);
    return undefined;
  }
  if (!Array.isArray(v) || v.length !== 4) {
    issues.push(`${where}: 'bbox' must be an array [x, y, w, h], got ${show(v)}`);
    return undefined;
  }
  if (!v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
    issues.push(`${where}: 'bbox' must hold 4 finite numbers, got ${show(v)}`);
    return undefined;
  }
  return [v[0], v[1], v[2], v[3]];
}

/** Reads an optional 0/1/boolean flag (default 0); records an issue for anything else. */
export function readFlag(obj: Record<string, unknown>, key: string, where: string, issues: Issues): 0 | 1 {
  const v = obj[key];
  if (v === undefined || v === 0 || v === false) return 0;
  if (v === 1 || v === true) return 1;
  issues.push(`${where}: '${key}' must be 0, 1 or a boolean, got ${show(v)}`);
  return 0;
}

/** A short printable form of a JSON value for error messages. */
function show(v: unknown): string {
  let s: string;
  try {
    s = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v));
  } catch {
    s = String(v);
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Parses JSON text, turning a syntax error into a CocoFormatError naming `what`. */
export function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CocoFormatError(what, [`invalid JSON: ${(e as Error).message}`]);
  }
}
