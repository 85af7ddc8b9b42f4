import en from 'zod/v4/locales/en.js';

/**
 * Parse options for zod/mini schemas: zod's English messages (which the validation errors build on)
 * and no eval-compiled parsers (a page's content security policy may forbid eval), set per parse
 * so that zod's global configuration, which an application may share with this library, is left alone.
 */
export const englishMessages = { error: en().localeError, jitless: true } as const;

/**
 * What a zod message says was expected, for the "expected ..." part of a ValidationError: zod's
 * "Invalid option: expected one of ..." becomes "one of ...", so that no message reads "expected
 * Invalid option".
 */
export function zodExpected(message: string): string {
  return message.replace(/^Invalid [a-z ]+: expected /i, '').replace(/^Invalid [a-z ]+$/i, 'a valid value');
}
