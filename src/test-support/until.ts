// Waiting for something that happens in another process (a server, a link, a leaf node) in
// tests: poll, never sleep a fixed time, and say what did not happen when it does not.

/** `f`'s first truthy value, polled every `every` ms; an error naming `what` (asked then, so it can say what was seen) after `ms`. */
export async function until<T>(what: string | (() => string), f: () => T | undefined | false | Promise<T | undefined | false>, ms: number, every = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
