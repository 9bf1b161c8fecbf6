// Consumer secrets are shown once by the server. The portal keeps the ones generated in this
// tab in memory only (never in storage) so the person can mint test tokens right away; after a
// reload they paste the secret they saved.
const vault = new Map<string, string>();

export const rememberSecret = (consumerKey: string, secret: string): void => { vault.set(consumerKey, secret); };
export const secretFor = (consumerKey: string): string | undefined => vault.get(consumerKey);
