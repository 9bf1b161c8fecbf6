// Parses and validates OpenAPI text (YAML or JSON) with @readme/openapi-parser; external $refs
// are never fetched (no server-side requests on behalf of a client). Invalid → BAD_USER_INPUT.
import { compileErrors, dereference, validate } from '@readme/openapi-parser';
import { parse as parseYaml } from 'yaml';
import { invalidInput } from '../errors.ts';

const MAX_DEFINITION_CHARS = 5_000_000;
const options = { resolve: { external: false } };
type ApiDocument = Exclude<Parameters<typeof validate>[0], string>;

export async function parseOpenApiText(text: string): Promise<Record<string, unknown>> {
  if (typeof text !== 'string' || text.trim() === '') throw invalidInput('definition: empty', { field: 'definition' });
  if (text.length > MAX_DEFINITION_CHARS) throw invalidInput('definition: larger than 5 MB', { field: 'definition' });
  let doc: unknown;
  try {
    doc = parseYaml(text, { maxAliasCount: 100 });
  } catch (e) {
    throw invalidInput(`definition: neither YAML nor JSON (${(e as Error).message.split('\n')[0]})`, { field: 'definition' });
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw invalidInput('definition: not an object', { field: 'definition' });
  let result;
  try {
    result = await validate(structuredClone(doc) as ApiDocument, options);
  } catch (e) {
    throw invalidInput(`definition: ${(e as Error).message.split('\n')[0]}`, { field: 'definition' });
  }
  if (!result.valid) throw invalidInput(`definition: invalid OpenAPI document: ${compileErrors(result).slice(0, 2000)}`, { field: 'definition' });
  return (await dereference(structuredClone(doc) as ApiDocument, options)) as Record<string, unknown>;
}
