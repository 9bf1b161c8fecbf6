// API search as in the WSO2 Developer Portal: free words match name, context, version,
// description or tags; `name:`, `context:`, `version:`, `status:`, `tag:`, `provider:` and
// `description:` narrow to one field. Terms are ANDed; values may be quoted ("Pizza Shack").
import type { ApiSearchText } from './view.ts';

export type SearchField = 'name' | 'context' | 'version' | 'status' | 'tag' | 'provider' | 'description' | 'any';

export interface SearchTerm {
  field: SearchField;
  /** Lower-cased (upper-cased for status). */
  value: string;
}

const FIELDS = new Set<string>(['name', 'context', 'version', 'status', 'tag', 'provider', 'description']);
const TOKEN = /(?:([A-Za-z-]+):)?(?:"([^"]*)"|(\S+))/g;

export function parseSearch(search: string | null | undefined): SearchTerm[] {
  const terms: SearchTerm[] = [];
  if (!search) return terms;
  for (const m of search.matchAll(TOKEN)) {
    const prefix = m[1]?.toLowerCase();
    const raw = m[2] ?? m[3] ?? '';
    if (prefix && FIELDS.has(prefix)) {
      if (raw === '') continue;
      const field = prefix as SearchField;
      terms.push({ field, value: field === 'status' ? raw.toUpperCase() : raw.toLowerCase() });
    } else {
      // An unknown prefix is part of the word (a context like "a:b" is still searchable).
      const word = (m[1] ? `${m[1]}:` : '') + raw;
      if (word !== '') terms.push({ field: 'any', value: word.toLowerCase() });
    }
  }
  return terms;
}

function matchesTerm(t: ApiSearchText, term: SearchTerm): boolean {
  const v = term.value;
  switch (term.field) {
    case 'name':
      return t.name.includes(v);
    case 'context':
      return t.context.includes(v);
    case 'provider':
      return t.provider.includes(v);
    case 'description':
      return t.description.includes(v);
    case 'version':
      return t.version === v;
    case 'status':
      return t.status === v;
    case 'tag':
      return t.tags.includes(v);
    case 'any':
      return (
        t.name.includes(v) ||
        t.context.includes(v) ||
        t.version.includes(v) ||
        t.description.includes(v) ||
        t.tags.some((tag) => tag.includes(v))
      );
  }
}

export const matchesSearch = (text: ApiSearchText, terms: readonly SearchTerm[]): boolean =>
  terms.every((term) => matchesTerm(text, term));
