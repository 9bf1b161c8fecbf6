#!/usr/bin/env node
// npx gatehouse … → runs cli/main.ts in this very process (tsx registered in-process), so
// signals reach the server directly and the exit code is the command's own.
import { register } from 'tsx/esm/api';
register();
await import('../cli/main.ts');
