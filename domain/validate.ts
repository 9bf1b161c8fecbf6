// Small input checks every decider uses; each failure is a BAD_USER_INPUT naming the field.
import { invalidInput } from './errors.ts';

export const fail = (field: string, message: string): never => {
  throw invalidInput(`${field}: ${message}`, { field });
};

export function requireText(field: string, value: string | null | undefined, max: number): string {
  const v = (value ?? '').trim();
  if (v.length === 0) fail(field, 'must not be empty');
  if (v.length > max) fail(field, `must be at most ${max} characters`);
  if (/[\u0000-\u001f\u007f]/.test(v)) fail(field, 'must not contain control characters');
  return v;
}

export function optionalText(field: string, value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  if (value.length > max) fail(field, `must be at most ${max} characters`);
  return value;
}

/** An absolute http(s) URL without credentials (they would land in the log). */
export function requireHttpUrl(field: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(field, `"${value}" is not a valid URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(field, 'must be an http or https URL');
  if (url.username || url.password) fail(field, 'must not carry credentials');
  if (value.length > 2048) fail(field, 'must be at most 2048 characters');
  return value;
}

export function requireOneOf<T extends string>(field: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) fail(field, `must be one of ${allowed.join(', ')}`);
  return value as T;
}

export function requireInt(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(field, `must be an integer between ${min} and ${max}`);
  return value;
}

export const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];
