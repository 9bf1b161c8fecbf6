// Custom (global) policies, WSO2 §4.1: the traffic manager counts requests under keys built
// from a keyTemplate (`$userId`, `$apiContext:$apiVersion:$userId`, …) and publishes decisions
// on them. The gateway expands the configured templates per request, reports the keys in the
// request fact, and refuses (900806) while a decision holds one of them.
import type { RequestContext } from '../context.ts';

const VARIABLES = ['$resourceKey', '$userId', '$apiContext', '$apiVersion', '$appTenant', '$apiTenant', '$appId', '$clientIp'] as const;
type Variable = (typeof VARIABLES)[number];

export type CompiledKeyTemplate = readonly (string | { variable: Variable })[];

export function compileKeyTemplate(template: string): CompiledKeyTemplate {
  const parts: (string | { variable: Variable })[] = [];
  let i = 0;
  let literal = '';
  while (i < template.length) {
    const variable = template[i] === '$' ? VARIABLES.find((v) => template.startsWith(v, i)) : undefined;
    if (variable === undefined) {
      literal += template[i];
      i++;
      continue;
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push({ variable });
    i += variable.length;
  }
  if (literal) parts.push(literal);
  return parts;
}

function valueOf(v: Variable, ctx: RequestContext): string {
  switch (v) {
    case '$resourceKey':
      return ctx.resource?.resourceKey ?? '';
    case '$userId':
      return ctx.principal?.subject ?? '';
    case '$apiContext':
      return ctx.api?.context ?? '';
    case '$apiVersion':
      return ctx.api?.version ?? '';
    case '$appTenant':
    case '$apiTenant':
      return 'carbon.super';
    case '$appId':
      return ctx.application?.id ?? '';
    case '$clientIp':
      return ctx.clientIp;
  }
}

export function expandKeyTemplate(t: CompiledKeyTemplate, ctx: RequestContext): string {
  let key = '';
  for (const part of t) key += typeof part === 'string' ? part : valueOf(part.variable, ctx);
  return key;
}
