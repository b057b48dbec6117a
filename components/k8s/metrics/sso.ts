/**
 * Grafana single sign-on (pure builder): the `grafana.ini` sections for generic OIDC (Okta, Entra
 * ID, Cognito, Keycloak), GitHub or Google, from Grafana's "Configure authentication" docs. The
 * client secret is never a value here: Grafana reads it from a file of a Kubernetes Secret
 * (`$__file{}`), which the chart mounts; the chart refuses literal secrets in grafana.ini.
 */

/** Where the SSO Secret is mounted in the Grafana pod. */
export const GRAFANA_SSO_MOUNT = "/etc/secrets/grafana-sso";
/** Key of the client secret in the SSO Secret. */
export const GRAFANA_SSO_CLIENT_SECRET_KEY = "client-secret";

export type SsoProvider = "genericOidc" | "github" | "google";

export interface SsoInput {
    readonly provider: SsoProvider;
    readonly clientId: string;
    /** Generic OIDC endpoints. */
    readonly authUrl?: string;
    readonly tokenUrl?: string;
    readonly apiUrl?: string;
    /** GitHub organizations / Google domains allowed in; empty: any account of the provider. */
    readonly allowed: readonly string[];
    /** Groups (GitHub: `@org/team`) mapped to Grafana roles; everyone else gets Viewer. */
    readonly adminGroups: readonly string[];
    readonly editorGroups: readonly string[];
    /** Create a Grafana user on first login (otherwise only users created beforehand get in). */
    readonly allowSignUp: boolean;
    /** Served over HTTPS (a hostname with a certificate): secure cookies and HSTS. */
    readonly https: boolean;
}

/** The grafana.ini section name of each provider. */
const SECTION: Record<SsoProvider, string> = { genericOidc: "auth.generic_oauth", github: "auth.github", google: "auth.google" };

/** JMESPath over the token's `groups`: Admin, then Editor, else Viewer (group names are validated: no quotes). */
export function roleAttributePath(adminGroups: readonly string[], editorGroups: readonly string[]): string {
    const any = (groups: readonly string[]) => `(${groups.map((g) => `contains(groups[*], '${g}')`).join(" || ")})`;
    const parts = [...(adminGroups.length ? [`${any(adminGroups)} && 'Admin'`] : []), ...(editorGroups.length ? [`${any(editorGroups)} && 'Editor'`] : []), "'Viewer'"];
    return parts.join(" || ");
}

/** grafana.ini sections (merged over the base ones) for SSO. */
export function buildSsoIni(input: SsoInput): Record<string, Record<string, unknown>> {
    const provider: Record<string, unknown> = {
        enabled: true,
        client_id: input.clientId,
        client_secret: `$__file{${GRAFANA_SSO_MOUNT}/${GRAFANA_SSO_CLIENT_SECRET_KEY}}`,
        allow_sign_up: input.allowSignUp,
        role_attribute_path: roleAttributePath(input.adminGroups, input.editorGroups),
        // A role the mapping cannot decide is Viewer, never an error page or an Admin.
        role_attribute_strict: false,
        use_pkce: true,
    };
    if (input.provider === "genericOidc") {
        Object.assign(provider, { name: "SSO", scopes: "openid email profile groups", auth_url: input.authUrl, token_url: input.tokenUrl, api_url: input.apiUrl });
    } else if (input.provider === "github") {
        Object.assign(provider, { scopes: "user:email,read:org", ...(input.allowed.length ? { allowed_organizations: input.allowed.join(",") } : {}) });
    } else {
        Object.assign(provider, { scopes: "openid email profile", ...(input.allowed.length ? { allowed_domains: input.allowed.join(",") } : {}) });
    }
    return {
        [SECTION[input.provider]]: provider,
        // Only SSO: no login form, no basic auth (API keys and service accounts still work); the
        // generated admin stays for break-glass (re-enable the form with `grafana-cli` or a config change).
        auth: { disable_login_form: true },
        "auth.basic": { enabled: false },
        "auth.anonymous": { enabled: false },
        ...(input.https ? { security: { cookie_secure: true, strict_transport_security: true } } : {}),
    };
}
