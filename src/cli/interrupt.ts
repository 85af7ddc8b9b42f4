/**
 * Calls `onSignal` on every SIGINT (Ctrl-C) and SIGTERM until the returned function is called, which
 * removes the handlers. A command keeps them until its files are written, so that a second Ctrl-C
 * never cuts the writing short.
 */
export function onInterrupt(onSignal: (signal: NodeJS.Signals) => void): () => void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** Resolves at the first SIGINT or SIGTERM (and stops listening: a second one ends the process). */
export function untilInterrupted(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const release = onInterrupt((signal) => {
      release();
      resolve(signal);
    });
  });
}
