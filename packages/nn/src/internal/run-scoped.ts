/**
 * Runs `fn` between `enter` and `exit`: `exit` runs after `fn` returns, after the promise it
 * returns settles, or when it throws — so a scope works for synchronous and async work alike.
 */
export function runScoped<T>(enter: () => void, exit: () => void, fn: () => T): T {
  enter();
  let result: T;
  try {
    result = fn();
  } catch (e) {
    exit();
    throw e;
  }
  if (isPromiseLike(result)) return Promise.resolve(result).finally(exit) as T;
  exit();
  return result;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return value !== null && (typeof value === 'object' || typeof value === 'function') && typeof (value as PromiseLike<unknown>).then === 'function';
}
