/**
 * How `desgw` reads the values of its options: each parser refuses a bad value with commander's
 * InvalidArgumentError, so the command line is refused in one line (exit 64) before any server is asked.
 * Shared by the commands of desgw.ts and the `desgw event` group.
 */
import { InvalidArgumentError } from 'commander';

export function season(v: string): 'auto' | number {
  if (v === 'auto') return 'auto';
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('use "auto" or a season number');
  return Number(v);
}

export function positiveInt(v: string): number {
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('use a whole number of at least 1');
  return Number(v);
}

export function number(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('use a number');
  return n;
}

export function positiveNumber(v: string): number {
  const n = number(v);
  if (n <= 0) throw new InvalidArgumentError('use a number above 0');
  return n;
}

export function wholeNumber(v: string): number {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('use a whole number');
  return Number(v);
}

export function keyValue(v: string, acc: Record<string, string>): Record<string, string> {
  const eq = v.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`'${v}' is not KEY=VALUE`);
  return { ...acc, [v.slice(0, eq)]: v.slice(eq + 1) };
}
