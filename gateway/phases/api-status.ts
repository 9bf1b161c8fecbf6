// A BLOCKED API answers 503/700700 to everyone (WSO2 APIStatusHandler).
import { errors } from '../errors.ts';
import type { Phase } from '../phase.ts';

export const apiStatus: Phase = {
  name: 'apiStatus',
  run(ctx) {
    return ctx.api !== null && ctx.api.lifecycleStatus === 'BLOCKED' ? errors.apiBlocked : undefined;
  },
};
