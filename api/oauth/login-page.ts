// The sign-in page of the authorization endpoint: one self-contained HTML document (inline
// style, no script, no external asset), every dynamic value escaped.
import { AUTHORIZE_PATH } from './constants.ts';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `body{font:16px/1.4 system-ui,sans-serif;background:#f4f5f7;margin:0;display:flex;justify-content:center}
main{background:#fff;margin-top:10vh;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;width:min(22rem,90vw)}
h1{font-size:1.3rem;margin:0 0 1rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;box-sizing:border-box;padding:.5rem}
.error{color:#a40000;background:#fde8e8;padding:.5rem;border-radius:4px}.buttons{display:flex;gap:.5rem;margin-top:1.2rem}
button{flex:1;padding:.6rem}small{color:#555}`;

function document(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export function loginPage(p: { transactionId: string; applicationName: string; scope: string[]; message: string | null; username?: string }): string {
  const scope = p.scope.length ? `<p><small>Requested scopes: ${escapeHtml(p.scope.join(' '))}</small></p>` : '';
  const error = p.message ? `<p class="error" role="alert">${escapeHtml(p.message)}</p>` : '';
  return document('Sign in · Gatehouse', `<h1>Sign in to continue to ${escapeHtml(p.applicationName)}</h1>${scope}${error}`
    + `<form method="post" action="${AUTHORIZE_PATH}">`
    + `<input type="hidden" name="transaction" value="${escapeHtml(p.transactionId)}">`
    + `<label for="username">User name</label><input id="username" name="username" autocomplete="username" required value="${escapeHtml(p.username ?? '')}">`
    + `<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>`
    + `<div class="buttons"><button type="submit" name="action" value="login">Sign in</button>`
    + `<button type="submit" name="action" value="cancel" formnovalidate>Cancel</button></div></form>`);
}

export function errorPage(message: string): string {
  return document('Sign-in error · Gatehouse', `<h1>This sign-in cannot continue</h1><p class="error" role="alert">${escapeHtml(message)}</p>`);
}
