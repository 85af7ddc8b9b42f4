/**
 * Raised when a feature needs a package that is not installed: the plots need vega, vega-lite and
 * @resvg/resvg-js, a serial robot link needs serialport. They are optional so that installing
 * sarlab as a library builds no native code; the message names what to install.
 */
export class MissingPackageError extends Error {
  override readonly name = 'MissingPackageError';
  constructor(
    readonly packages: readonly string[],
    readonly feature: string,
  ) {
    const names =
      packages.length > 1 ? `${packages.slice(0, -1).join(', ')} and ${packages.at(-1)}` : packages[0];
    super(`${feature} needs ${names} (not installed): npm install ${packages.join(' ')}`);
  }
}

/** True when `error` says that one of `packages` could not be found (ESM import or CommonJS require). */
export function isMissingPackage(error: unknown, packages: readonly string[]): boolean {
  const e = error as { code?: string; message?: string } | null;
  if (!e || (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND')) return false;
  return packages.some((name) => String(e.message).includes(`'${name}'`));
}

/** Loads an optional package, turning "not found" into a MissingPackageError that names it. */
export async function loadOptional<T>(
  load: () => Promise<T>,
  packages: readonly string[],
  feature: string,
): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isMissingPackage(error, packages)) throw new MissingPackageError(packages, feature);
    throw error;
  }
}
