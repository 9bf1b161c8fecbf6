// Runtime configuration of an API: endpoints, security schemes, CORS, backend JWT, tiers
// offered, API-level rate limit, backend hard limit (maxTps), default version and visibility.
// Used by create and edit.
import type { Api } from '../../lib/types.ts';
import { Checkbox, SelectField, TextField, splitList } from '../../components/ui.tsx';

export interface RuntimeDraft {
  production: string;
  sandbox: string;
  oauth2: boolean;
  apiKey: boolean;
  corsEnabled: boolean;
  corsOrigins: string;
  corsCredentials: boolean;
  backendJwt: boolean;
  tiers: string[];
  apiThrottlingPolicy: string;
  /** Backend hard limit per key type, requests per second; '' = none. */
  maxTpsProduction: string;
  maxTpsSandbox: string;
  isDefaultVersion: boolean;
  visibility: string;
}

/** New APIs allow cross-origin calls so the Developer Portal's try-it console works out of the box. */
export const newRuntime = (): RuntimeDraft => ({
  production: '',
  sandbox: '',
  oauth2: true,
  apiKey: false,
  corsEnabled: true,
  corsOrigins: '*',
  corsCredentials: false,
  backendJwt: false,
  tiers: ['Unlimited'],
  apiThrottlingPolicy: '',
  maxTpsProduction: '',
  maxTpsSandbox: '',
  isDefaultVersion: false,
  visibility: 'PUBLIC',
});

export const runtimeOf = (api: Api): RuntimeDraft => ({
  production: api.endpoints.production ?? '',
  sandbox: api.endpoints.sandbox ?? '',
  oauth2: api.securitySchemes.some((s) => s.toLowerCase() === 'oauth2'),
  apiKey: api.securitySchemes.some((s) => s.toLowerCase() === 'api_key'),
  corsEnabled: api.cors.enabled,
  corsOrigins: api.cors.allowOrigins.join(', '),
  corsCredentials: api.cors.allowCredentials,
  backendJwt: api.backendJwt,
  tiers: api.subscriptionPolicies,
  apiThrottlingPolicy: api.apiThrottlingPolicy ?? '',
  maxTpsProduction: api.maxTps?.production?.toString() ?? '',
  maxTpsSandbox: api.maxTps?.sandbox?.toString() ?? '',
  isDefaultVersion: api.isDefaultVersion,
  visibility: api.visibility,
});

/** '' = no limit; anything else goes to the server as a number, which validates it. */
const tps = (text: string): number | null => (text.trim() === '' ? null : Number(text.trim()));

export const runtimeInput = (d: RuntimeDraft) => ({
  endpoints: { production: d.production.trim() || null, sandbox: d.sandbox.trim() || null },
  securitySchemes: [...(d.oauth2 ? ['OAUTH2'] : []), ...(d.apiKey ? ['API_KEY'] : [])],
  cors: { enabled: d.corsEnabled, allowOrigins: splitList(d.corsOrigins), allowCredentials: d.corsCredentials },
  backendJwt: d.backendJwt,
  subscriptionPolicies: d.tiers,
  apiThrottlingPolicy: d.apiThrottlingPolicy || null,
  maxTps: { production: tps(d.maxTpsProduction), sandbox: tps(d.maxTpsSandbox) },
  isDefaultVersion: d.isDefaultVersion,
  visibility: d.visibility,
});

export function RuntimeForm({ draft, onChange, subscriptionTiers, advancedTiers }: { draft: RuntimeDraft; onChange: (d: RuntimeDraft) => void; subscriptionTiers: string[]; advancedTiers: string[] }) {
  const set = (p: Partial<RuntimeDraft>) => onChange({ ...draft, ...p });
  const toggleTier = (t: string) => set({ tiers: draft.tiers.includes(t) ? draft.tiers.filter((x) => x !== t) : [...draft.tiers, t] });
  return (
    <div className="form-grid">
      <fieldset className="fieldset">
        <legend>Endpoints</legend>
        <TextField label="Production endpoint" type="url" placeholder="https://backend.example.com/v1" value={draft.production} onChange={(e) => set({ production: e.target.value })} />
        <TextField label="Sandbox endpoint" type="url" placeholder="optional" value={draft.sandbox} onChange={(e) => set({ sandbox: e.target.value })} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Security</legend>
        <Checkbox label="OAuth2 (bearer tokens)" checked={draft.oauth2} onChange={(e) => set({ oauth2: e.target.checked })} />
        <Checkbox label="API key" checked={draft.apiKey} onChange={(e) => set({ apiKey: e.target.checked })} />
        <Checkbox label="Backend JWT" hint="(send X-JWT-Assertion with end-user claims)" checked={draft.backendJwt} onChange={(e) => set({ backendJwt: e.target.checked })} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>CORS</legend>
        <Checkbox label="Enable CORS" hint="(needed by browser clients such as the try-it console)" checked={draft.corsEnabled} onChange={(e) => set({ corsEnabled: e.target.checked })} />
        <TextField label="Allowed origins" hint="Comma separated; * allows any origin." value={draft.corsOrigins} disabled={!draft.corsEnabled} onChange={(e) => set({ corsOrigins: e.target.value })} />
        <Checkbox label="Allow credentials" checked={draft.corsCredentials} disabled={!draft.corsEnabled} onChange={(e) => set({ corsCredentials: e.target.checked })} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Subscription tiers offered</legend>
        <div className="chips-select">
          {subscriptionTiers.map((t) => (
            <Checkbox key={t} label={t} checked={draft.tiers.includes(t)} onChange={() => toggleTier(t)} />
          ))}
        </div>
        <SelectField label="API-level rate limit" hint="When set, per-resource limits are ignored." value={draft.apiThrottlingPolicy} onChange={(e) => set({ apiThrottlingPolicy: e.target.value })}
          options={[{ value: '', label: 'Per resource' }, ...advancedTiers]} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Backend hard limit</legend>
        <TextField label="Production max TPS" hint="Requests per second the backend takes, counted on each gateway; over it: 503. Empty = no limit."
          type="number" min={1} max={1000000} step={1} placeholder="no limit" value={draft.maxTpsProduction} onChange={(e) => set({ maxTpsProduction: e.target.value })} />
        <TextField label="Sandbox max TPS" hint="Same for sandbox keys."
          type="number" min={1} max={1000000} step={1} placeholder="no limit" value={draft.maxTpsSandbox} onChange={(e) => set({ maxTpsSandbox: e.target.value })} />
      </fieldset>
      <fieldset className="fieldset">
        <legend>Visibility</legend>
        <SelectField label="Visible in the Developer Portal to" value={draft.visibility} onChange={(e) => set({ visibility: e.target.value })}
          options={[{ value: 'PUBLIC', label: 'Everyone (public)' }, { value: 'PRIVATE', label: 'Signed-in users' }, { value: 'RESTRICTED', label: 'Some roles' }]} />
        <Checkbox label="Default version" hint="(also answers without a version segment)" checked={draft.isDefaultVersion} onChange={(e) => set({ isDefaultVersion: e.target.checked })} />
      </fieldset>
    </div>
  );
}
