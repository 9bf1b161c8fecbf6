// Sign in (OAuth2 password grant through the portal client) and self sign-up.
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { login } from '../lib/auth.ts';
import { ME, SIGN_UP } from '../lib/documents.ts';
import { gql } from '../lib/graphql.ts';
import type { Me } from '../lib/me.tsx';
import { Button, ErrorBanner, TextField } from '../components/ui.tsx';

function AuthFrame({ title, subtitle, children }: { title: string; subtitle: string; children: ReactNode }) {
  return (
    <div className="auth-page">
      <div className="auth-hero" aria-hidden="true">
        <div className="brand brand-large"><span className="brand-mark">G</span> Gatehouse</div>
        <p className="auth-tagline">Design, publish, secure and observe your APIs. Every change is an event you can replay.</p>
        <ul className="auth-points">
          <li>Publisher, Developer Portal and Admin in one place</li>
          <li>OAuth2 and API keys, rate limits, deny policies</li>
          <li>Live analytics and a full audit trail with time travel</li>
        </ul>
      </div>
      <main className="auth-card" id="main">
        <h1>{title}</h1>
        <p className="subtitle">{subtitle}</p>
        {children}
      </main>
    </div>
  );
}

async function homeFor(next: string | null): Promise<string> {
  if (next && next.startsWith('/')) return next;
  const { me } = await gql<{ me: Me | null }>(ME);
  const roles = me?.roles ?? [];
  if (roles.includes('admin') || roles.includes('creator') || roles.includes('publisher')) return '/publisher';
  return '/portal';
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(username.trim(), password);
      navigate(await homeFor(params.get('next')), { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title="Sign in" subtitle="Use your Gatehouse account.">
      <form onSubmit={submit} className="stack" aria-label="Sign in">
        <ErrorBanner error={error} />
        <TextField label="Username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        <TextField label="Password" name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        <Button type="submit" variant="primary" busy={busy} className="btn-block">Sign in</Button>
      </form>
      <p className="auth-switch">New here? <Link to="/signup">Create an account</Link> · <Link to="/portal">Browse APIs</Link></p>
    </AuthFrame>
  );
}

export function SignUpPage() {
  const navigate = useNavigate();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mismatch = confirm.length > 0 && confirm !== password;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (mismatch) return;
    setBusy(true);
    setError(null);
    try {
      await gql(SIGN_UP, { username: username.trim(), password });
      await login(username.trim(), password);
      navigate('/portal', { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthFrame title="Create your account" subtitle="Subscribe to APIs, create applications and get keys.">
      <form onSubmit={submit} className="stack" aria-label="Sign up">
        <ErrorBanner error={error} />
        <TextField label="Username" name="username" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} autoFocus />
        <TextField label="Password" name="password" type="password" autoComplete="new-password" required minLength={8} hint="At least 8 characters." value={password} onChange={(e) => setPassword(e.target.value)} />
        <TextField label="Confirm password" name="confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} error={mismatch ? 'The passwords differ.' : null} />
        <Button type="submit" variant="primary" busy={busy} className="btn-block" disabled={mismatch}>Create account</Button>
      </form>
      <p className="auth-switch">Already have an account? <Link to="/login">Sign in</Link></p>
    </AuthFrame>
  );
}
