// The shell: navigation by role (Developer Portal for everyone, Publisher for creators and
// publishers, Admin for admins, Insights for signed-in users) and the routes.
import { lazy, Suspense, useState, useSyncExternalStore, type ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes, useLocation, useNavigate } from 'react-router';
import { logout } from './lib/auth.ts';
import { hasRole, MeProvider, useMe } from './lib/me.tsx';
import { currentToasts, dismiss, onToasts } from './lib/toast.ts';
import { Loading } from './components/ui.tsx';
import { Icon, type IconName } from './components/icons.tsx';
import { LoginPage, SignUpPage } from './pages/login.tsx';
import { Catalogue } from './pages/portal/catalogue.tsx';
import { ApiPage } from './pages/portal/api-page.tsx';
import { Applications } from './pages/portal/applications.tsx';
import { ApplicationPage } from './pages/portal/application.tsx';
import { ApiList } from './pages/publisher/api-list.tsx';
import { CreateApi } from './pages/publisher/create-api.tsx';
import { ApiDetail } from './pages/publisher/api-detail.tsx';
import { PoliciesPage } from './pages/admin/policies.tsx';
import { DenyPoliciesPage } from './pages/admin/deny.tsx';
import { UsersPage } from './pages/admin/users.tsx';
import { SigningKeysPage } from './pages/admin/keys.tsx';
import { AuditPage } from './pages/insights/audit.tsx';

// The charts library is large: the analytics page loads on first visit.
const AnalyticsPage = lazy(() => import('./pages/insights/analytics.tsx').then((m) => ({ default: m.AnalyticsPage })));

interface NavItem { to: string; label: string; icon: IconName }
interface NavSection { title: string; items: NavItem[]; visible: boolean }

function Toasts() {
  const toasts = useSyncExternalStore(onToasts, currentToasts);
  return (
    <div className="toasts" aria-live="polite" aria-atomic="false">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.tone}`} role="status">
          <span>{t.message}</span>
          <button type="button" className="icon-btn" aria-label="Dismiss notification" onClick={() => dismiss(t.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

function Sidebar({ sections, open, onNavigate }: { sections: NavSection[]; open: boolean; onNavigate: () => void }) {
  return (
    <nav className={`sidebar ${open ? 'sidebar-open' : ''}`} aria-label="Main">
      <div className="sidebar-inner">
      {sections.filter((s) => s.visible).map((s) => (
        <div key={s.title} className="nav-section">
          <p className="nav-title">{s.title}</p>
          <ul>
            {s.items.map((i) => (
              <li key={i.to}>
                <NavLink to={i.to} end={i.to === '/portal' || i.to === '/publisher'} className={({ isActive }) => `nav-link ${isActive ? 'nav-active' : ''}`} onClick={onNavigate}>
                  <span className="nav-icon"><Icon name={i.icon} /></span>
                  {i.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </div>
      ))}
      </div>
    </nav>
  );
}

function UserMenu() {
  const { me } = useMe();
  const navigate = useNavigate();
  if (!me) {
    return (
      <div className="user-menu">
        <NavLink className="btn btn-ghost" to="/login">Sign in</NavLink>
        <NavLink className="btn btn-primary" to="/signup">Sign up</NavLink>
      </div>
    );
  }
  return (
    <div className="user-menu">
      <span className="avatar" aria-hidden="true">{me.username.slice(0, 1).toUpperCase()}</span>
      <span className="user-name" data-testid="current-user">{me.username}</span>
      <span className="user-roles">{me.roles.join(', ')}</span>
      <button type="button" className="btn btn-ghost" onClick={async () => { await logout(); navigate('/login'); }}>Sign out</button>
    </div>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { me } = useMe();
  const [open, setOpen] = useState(false);
  const sections: NavSection[] = [
    { title: 'Developer Portal', visible: true, items: [
      { to: '/portal', label: 'API catalogue', icon: 'catalogue' },
      ...(me ? [{ to: '/portal/applications', label: 'Applications', icon: 'apps' }] : []),
    ] },
    { title: 'Publisher', visible: hasRole(me, 'creator', 'publisher'), items: [
      { to: '/publisher', label: 'APIs', icon: 'apis' },
      { to: '/publisher/new', label: 'Create API', icon: 'plus' },
    ] },
    { title: 'Insights', visible: Boolean(me), items: [
      { to: '/analytics', label: 'Analytics', icon: 'chart' },
      { to: '/audit', label: 'Audit log', icon: 'list' },
    ] },
    { title: 'Admin', visible: hasRole(me, 'admin'), items: [
      { to: '/admin/policies', label: 'Rate limiting', icon: 'gauge' },
      { to: '/admin/deny', label: 'Deny policies', icon: 'ban' },
      { to: '/admin/users', label: 'Users & roles', icon: 'users' },
      { to: '/admin/keys', label: 'Signing keys', icon: 'key' },
    ] },
  ];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <button type="button" className="icon-btn menu-btn" aria-label="Toggle navigation" aria-expanded={open} onClick={() => setOpen(!open)}>☰</button>
        <NavLink to="/portal" className="brand" aria-label="Gatehouse home">
          <span className="brand-mark" aria-hidden="true">G</span> Gatehouse
        </NavLink>
        <UserMenu />
      </header>
      <div className="layout">
        <Sidebar sections={sections} open={open} onNavigate={() => setOpen(false)} />
        <main id="main" className="content" tabIndex={-1}>{children}</main>
      </div>
      <Toasts />
    </div>
  );
}

/** Sends anonymous visitors to sign in (and back afterwards); checks roles once `me` is known. */
function Guard({ roles, children }: { roles?: string[]; children: ReactNode }) {
  const { me, loading } = useMe();
  const location = useLocation();
  if (loading) return <Loading />;
  if (!me) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  if (roles && !hasRole(me, ...roles)) {
    return <div className="banner banner-warning" role="alert">Your roles ({me.roles.join(', ') || 'none'}) do not include {roles.join(' or ')}. Ask an administrator for access.</div>;
  }
  return <>{children}</>;
}

export function App() {
  return (
    <MeProvider>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/signup" element={<SignUpPage />} />
        <Route path="*" element={
          <Shell>
            <Routes>
              <Route path="/" element={<Navigate to="/portal" replace />} />
              <Route path="/portal" element={<Catalogue />} />
              <Route path="/portal/apis/:id" element={<ApiPage />} />
              <Route path="/portal/apis/:id/:tab" element={<ApiPage />} />
              <Route path="/portal/applications" element={<Guard><Applications /></Guard>} />
              <Route path="/portal/applications/:id" element={<Guard><ApplicationPage /></Guard>} />
              <Route path="/portal/applications/:id/:tab" element={<Guard><ApplicationPage /></Guard>} />
              <Route path="/publisher" element={<Guard roles={['creator', 'publisher']}><ApiList /></Guard>} />
              <Route path="/publisher/new" element={<Guard roles={['creator']}><CreateApi /></Guard>} />
              <Route path="/publisher/apis/:id" element={<Guard roles={['creator', 'publisher']}><ApiDetail /></Guard>} />
              <Route path="/publisher/apis/:id/:tab" element={<Guard roles={['creator', 'publisher']}><ApiDetail /></Guard>} />
              <Route path="/admin/policies" element={<Guard roles={['admin']}><PoliciesPage /></Guard>} />
              <Route path="/admin/deny" element={<Guard roles={['admin']}><DenyPoliciesPage /></Guard>} />
              <Route path="/admin/users" element={<Guard roles={['admin']}><UsersPage /></Guard>} />
              <Route path="/admin/keys" element={<Guard roles={['admin']}><SigningKeysPage /></Guard>} />
              <Route path="/analytics" element={<Guard><Suspense fallback={<Loading label="Loading charts" />}><AnalyticsPage /></Suspense></Guard>} />
              <Route path="/audit" element={<Guard><AuditPage /></Guard>} />
              <Route path="*" element={<div className="empty"><p className="empty-title">Page not found</p><NavLink to="/portal">Back to the catalogue</NavLink></div>} />
            </Routes>
          </Shell>
        } />
      </Routes>
    </MeProvider>
  );
}
