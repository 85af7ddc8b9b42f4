/**
 * Waits until `condition()` holds (checked every few ms), for at most `ms`; resolves to whether it
 * held. For waiting on something another process or the operating system does (a frame crossing a
 * pseudo-terminal, a child's output), where no event can be awaited in this process.
 */
export async function until(condition: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!condition() && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  return condition();
}
