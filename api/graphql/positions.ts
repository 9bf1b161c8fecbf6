// Log positions on the wire are decimal strings (64-bit); inside they are bigint.
import { badInput } from '../errors.ts';

export function parsePosition(value: unknown, argument: string): bigint {
  if (typeof value !== 'string' || !/^\d{1,20}$/.test(value)) {
    throw badInput(`${argument} must be a log position (a non-negative integer as a string)`, { argument });
  }
  return BigInt(value);
}

export const optionalPosition = (value: unknown, argument: string): bigint | undefined =>
  value === undefined || value === null ? undefined : parsePosition(value, argument);

export const positionString = (p: bigint | number): string => p.toString();
