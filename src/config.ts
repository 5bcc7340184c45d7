import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './domain/duration';

/**
 * Every environment variable the system reads, parsed once. Entry points call `loadConfig()`; nothing else
 * reads `process.env`. Each entry carries its own description so the error names what it expects.
 */

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);

const optionalString = (description: string) =>
  z.preprocess(emptyToUndefined, z.string().optional()).describe(description);

/**
 * A variable whose value is a credential: a bad one is reported by name and length, never by value (a
 * configuration error lands in terminals, CI logs and log collectors). Paths to key files are not secret.
 */
const secret = <T extends z.ZodTypeAny>(schema: T, description: string): T => schema.meta({ description, secret: true });

const optionalSecret = (description: string) => secret(z.preprocess(emptyToUndefined, z.string().optional()), description);

/** Keys newest first, comma-separated (a key itself holds no comma), each at least 32 characters. */
const keyList = (description: string) =>
  secret(
    z.preprocess(
      emptyToUndefined,
      z
        .string()
        .transform((value, ctx) => {
          const keys = value.split(',').map((key) => key.trim());
          keys.forEach((key, i) => {
            if (key.length < 32) ctx.addIssue({ code: 'custom', message: `key ${i + 1} of ${keys.length} has ${key.length} characters, fewer than 32` });
          });
          if (new Set(keys).size !== keys.length) ctx.addIssue({ code: 'custom', message: 'a key is listed twice' });
          return keys;
        })
        .optional(),
    ),
    description,
  );

const trueOrFalse = (description: string) =>
  z.preprocess(emptyToUndefined, z.enum(['true', 'false']).optional()).describe(description);

const port = (fallback: number, description: string) =>
  z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().min(1).max(65535).default(fallback),
  ).describe(description);

const url = (description: string) =>
  z.preprocess(emptyToUndefined, z.string().url().optional()).describe(description);

const duration = (fallback: string, description: string) =>
  z
    .preprocess(emptyToUndefined, z.string().default(fallback))
    .transform((value, ctx) => {
      const ms = parseDuration(value);
      if (ms === undefined || ms <= 0) {
        ctx.addIssue({ code: 'custom', message: 'not a duration' });
        return z.NEVER;
      }
      return ms;
    })
    .describe(description);

/** host:port to listen on; unset: off. */
const bindAddress = (description: string) =>
  z
    .preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'host:port, e.g. 0.0.0.0:9464')
        .refine((value) => {
          const port = Number(value.slice(value.lastIndexOf(':') + 1));
          return port >= 1 && port <= 65535;
        }, 'a port 1-65535')
        .optional(),
    )
    .describe(description);

const count = (fallback: number, description: string) =>
  z.preprocess(emptyToUndefined, z.coerce.number().int().min(0).default(fallback)).describe(description);

const postgresUrl = z
  .preprocess(
    emptyToUndefined,
    z
      .string()
      .regex(/^postgres(ql)?:\/\/.+/, 'a postgres:// or postgresql:// connection URL')
      .optional(),
  )
  .describe('a postgres:// connection URL');

const schema = z.object({
  LOG_LEVEL: z
    .preprocess(emptyToUndefined, z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'))
    .describe('one of fatal, error, warn, info, debug, trace, silent'),
  HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')).describe('the interface the API listens on'),
  PORT: port(3000, 'the API port, 1-65535'),

  DATABASE_URL: postgresUrl,
  AUTOPILOT_DB_POOL_SIZE: z
    .preprocess(emptyToUndefined, z.coerce.number().int().min(2).max(500).default(20))
    .describe('connections per process to PostgreSQL, 2-500'),
  AUTOPILOT_DATA_DIR: z
    .preprocess(emptyToUndefined, z.string().default('./.autopilot'))
    .describe('a directory for embedded PostgreSQL, the Temporal dev server database and the dev API key'),
  AUTOPILOT_PG_PORT: port(5433, 'the embedded PostgreSQL port, 1-65535'),
  AUTOPILOT_PG_RUNTIME_DIR: z
    .preprocess(emptyToUndefined, z.string().default('/var/lib/autopilot'))
    .describe('where embedded PostgreSQL lives when run as root from a folder the postgres user cannot enter'),

  TEMPORAL_ADDRESS: optionalString('host:port of a Temporal frontend'),
  TEMPORAL_NAMESPACE: z.preprocess(emptyToUndefined, z.string().min(1).default('default')).describe('a Temporal namespace'),
  TEMPORAL_TASK_QUEUE: z.preprocess(emptyToUndefined, z.string().min(1).default('autopilot')).describe('a task queue name'),
  TEMPORAL_CLI_PATH: optionalString('the path of a `temporal` CLI binary'),
  // TLS and API key: the names Temporal's own clients read (docs.temporal.io/references/client-environment-configuration),
  // so the same environment serves the `temporal` CLI.
  TEMPORAL_TLS: trueOrFalse('true or false: TLS to TEMPORAL_ADDRESS (on by default when a certificate, CA, server name or API key is set)'),
  TEMPORAL_TLS_CLIENT_CERT_PATH: optionalString('the path of the client certificate (PEM) for mutual TLS'),
  TEMPORAL_TLS_CLIENT_KEY_PATH: optionalString("the path of the client certificate's private key (PEM, unencrypted)"),
  TEMPORAL_TLS_SERVER_CA_CERT_PATH: optionalString("the path of the CA bundle (PEM) that signed the server's certificate; unset, the system CAs"),
  TEMPORAL_TLS_SERVER_NAME: optionalString("the name to expect in the server's certificate (and send as SNI), when it differs from TEMPORAL_ADDRESS's host"),
  TEMPORAL_API_KEY: optionalSecret('a Temporal Cloud API key (sent as `Authorization: Bearer`)'),
  AUTOPILOT_WORKFLOW_BUNDLE: optionalString('the path of a prebuilt workflow bundle (npm run build:workflows); unset, the worker bundles at start'),
  TEMPORAL_PORT: port(7233, 'the embedded Temporal dev server port, 1-65535'),
  TEMPORAL_UI_PORT: port(8233, 'the embedded Temporal Web UI port, 1-65535'),
  TEMPORAL_UI_URL: url('the Temporal Web UI URL, e.g. http://localhost:8233'),
  TEMPORAL_DEV_DURABILITY: z
    .preprocess(emptyToUndefined, z.enum(['normal', 'full']).default('normal'))
    .describe('normal (SQLite write-ahead log, synchronous=NORMAL) or full (every commit synced) for the embedded Temporal dev server'),

  AUTOPILOT_DEV_API_KEY: secret(
    z.preprocess(emptyToUndefined, z.string().min(24, 'at least 24 characters').optional()),
    'the API key `npm start` creates for the dev user (at least 24 characters)',
  ),
  AUTOPILOT_CONFIDENCE_THRESHOLD: z
    .preprocess(emptyToUndefined, z.coerce.number().min(0).max(1).default(0.85))
    .describe('a number between 0 and 1'),
  AUTOPILOT_REVIEW_TTL: duration('48h', 'a duration such as 48h, 30m or 2d'),
  AUTOPILOT_ASAP_DELAY_SECONDS: z
    .preprocess(emptyToUndefined, z.string().default('60-120'))
    .transform((value, ctx) => {
      const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(value) ?? /^\s*(\d+)\s*$/.exec(value);
      const min = Number(match?.[1]);
      const max = Number(match?.[2] ?? match?.[1]);
      if (!match || min > max) {
        ctx.addIssue({ code: 'custom', message: 'not a range' });
        return z.NEVER;
      }
      return { min, max };
    })
    .describe('seconds, as "min-max" (e.g. 60-120) or one number'),
  AUTOPILOT_LIMIT_WHATSAPP_PER_DAY: count(5, 'a whole number of replies per contact and day'),
  AUTOPILOT_LIMIT_EMAIL_PER_DAY: count(10, 'a whole number of replies per contact and day'),
  AUTOPILOT_LIMIT_LINKEDIN_PER_DAY: count(3, 'a whole number of replies per contact and day'),
  AUTOPILOT_LIMIT_INSTAGRAM_PER_DAY: count(3, 'a whole number of replies per contact and day'),
  AUTOPILOT_LIMIT_USER_PER_DAY: count(50, 'a whole number of replies per user and day'),
  AUTOPILOT_COOLDOWN: duration('5m', 'a duration such as 5m or 90s'),
  AUTOPILOT_SEND_RATE_WHATSAPP: z.preprocess(emptyToUndefined, z.coerce.number().positive().default(80)).describe('sends per second on WhatsApp, across all workers'),
  AUTOPILOT_SEND_RATE_EMAIL: z.preprocess(emptyToUndefined, z.coerce.number().positive().default(10)).describe('sends per second by email, across all workers'),
  AUTOPILOT_SEND_RATE_INSTAGRAM: z.preprocess(emptyToUndefined, z.coerce.number().positive().default(20)).describe('sends per second on Instagram, across all workers'),
  AUTOPILOT_SEND_RATE_LINKEDIN: z.preprocess(emptyToUndefined, z.coerce.number().positive().default(2)).describe('sends per second on LinkedIn (partner mode), across all workers'),
  AUTOPILOT_SWEEP_AFTER: duration('2m', 'a duration such as 2m: how long a stored event may wait for its workflow before the sweep starts it'),
  AUTOPILOT_SWEEP_EVERY: duration('1m', 'a duration such as 1m: how often the worker sweeps for events without a workflow'),

  AUTOPILOT_SECRET_KEY: secret(
    z.preprocess(emptyToUndefined, z.string().min(32, 'at least 32 characters').optional()),
    'the key channel credentials are encrypted with (at least 32 characters); AUTOPILOT_SECRET_KEYS lists several',
  ),
  AUTOPILOT_SECRET_KEYS: keyList('the keys channel credentials are encrypted with, newest first, comma-separated, each at least 32 characters'),
  AUTOPILOT_UNSUBSCRIBE_KEYS: keyList('the keys unsubscribe links are signed with, newest first, comma-separated, each at least 32 characters'),
  AUTOPILOT_CREATE_DEV_USER: trueOrFalse('true or false: whether `npm start` creates the dev user and its API key (default: true with the embedded database only)'),
  AUTOPILOT_SANDBOX_FALLBACK: trueOrFalse('true or false: whether a channel without a connection records replies in the sandbox outbox'),
  WHATSAPP_API_BASE_URL: z.preprocess(emptyToUndefined, z.string().url().default('https://graph.facebook.com')).describe('the Graph API base URL'),
  WHATSAPP_GRAPH_VERSION: z.preprocess(emptyToUndefined, z.string().regex(/^v\d+\.\d+$/).default('v21.0')).describe('a Graph API version such as v21.0'),
  WHATSAPP_APP_SECRET: optionalSecret('the Meta app secret that signs WhatsApp webhooks'),
  WHATSAPP_VERIFY_TOKEN: optionalSecret('the token Meta echoes when verifying the WhatsApp webhook'),
  WHATSAPP_API_KEY: optionalSecret('a WhatsApp Cloud API access token (single-tenant default connection)'),
  WHATSAPP_PHONE_NUMBER_ID: optionalString('the WhatsApp phone-number id of the default connection'),

  INSTAGRAM_API_BASE_URL: z.preprocess(emptyToUndefined, z.string().url().default('https://graph.instagram.com')).describe('the Instagram Graph API base URL'),
  INSTAGRAM_GRAPH_VERSION: z.preprocess(emptyToUndefined, z.string().regex(/^v\d+\.\d+$/).default('v21.0')).describe('a Graph API version such as v21.0'),
  INSTAGRAM_APP_SECRET: optionalSecret('the Meta app secret that signs Instagram webhooks'),
  INSTAGRAM_VERIFY_TOKEN: optionalSecret('the token Meta echoes when verifying the Instagram webhook'),
  INSTAGRAM_ACCESS_TOKEN: optionalSecret('an Instagram access token (single-tenant default connection)'),
  INSTAGRAM_ACCOUNT_ID: optionalString('the Instagram professional account id of the default connection'),
  LINKEDIN_PARTNER_MODE: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')).describe('true only for approved LinkedIn Messages API partners'),
  LINKEDIN_CLIENT_ID: optionalString('the LinkedIn app client id (partner mode token refresh)'),
  LINKEDIN_CLIENT_SECRET: optionalSecret('the LinkedIn app client secret (partner mode token refresh)'),
  LINKEDIN_API_BASE_URL: z.preprocess(emptyToUndefined, z.string().url().default('https://api.linkedin.com')).describe('the LinkedIn API base URL'),
  LINKEDIN_OAUTH_BASE_URL: z.preprocess(emptyToUndefined, z.string().url().default('https://www.linkedin.com')).describe('the LinkedIn OAuth base URL'),
  LINKEDIN_API_VERSION: z.preprocess(emptyToUndefined, z.string().regex(/^\d{6}$/).default('202411')).describe('a LinkedIn-Version such as 202411'),
  AUTOPILOT_PUBLIC_URL: url('the URL the API is reached at from outside (unsubscribe links), e.g. https://autopilot.example.com'),
  SMTP_HOST: optionalString('an SMTP server host (single-tenant default email connection)'),
  SMTP_PORT: port(587, 'an SMTP port, 1-65535'),
  SMTP_SECURE: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false')).describe('true for implicit TLS (port 465), else false'),
  SMTP_USER: optionalString('the SMTP user name'),
  SMTP_PASS: optionalSecret('the SMTP password'),
  SMTP_FROM: z.preprocess(emptyToUndefined, z.string().email().optional()).describe('the sending address, e.g. sales@example.com'),
  EMAIL_INBOUND_TOKEN: optionalSecret('the password the inbound-mail webhook (Postmark format) must send with HTTP Basic auth'),
  EMAIL_AUTHSERV_ID: optionalString("the authserv-id of the inbound provider's Authentication-Results header (only that header is trusted); unset: the topmost one"),
  AUTOPILOT_SMTP_SINK_PORT: port(2525, 'the local SMTP sink port under npm start, 1-65535'),

  OPENAI_API_KEY: optionalSecret('an API key for an OpenAI-compatible endpoint'),
  OPENAI_BASE_URL: url('the base URL of an OpenAI-compatible API, e.g. https://api.openai.com/v1'),
  OPENAI_MODEL: z.preprocess(emptyToUndefined, z.string().min(1).default('gpt-4o-mini')).describe('a chat model name'),
  OPENAI_TIMEOUT: duration('20s', 'a duration such as 20s'),

  AUTOPILOT_METRICS_TOKEN: secret(
    z.preprocess(emptyToUndefined, z.string().min(16, 'at least 16 characters').optional()),
    'the bearer token GET /metrics on the API asks for (at least 16 characters); unset, /metrics needs none',
  ),
  AUTOPILOT_WORKER_METRICS_BIND: bindAddress("host:port where `npm run worker` serves its Prometheus metrics (e.g. 0.0.0.0:9464); unset: not served"),
  TEMPORAL_METRICS_BIND: bindAddress("host:port where the Temporal SDK's own Prometheus exporter listens (e.g. 0.0.0.0:9465); unset: off"),
});

type Parsed = z.infer<typeof schema>;

export interface Config {
  logLevel: Parsed['LOG_LEVEL'];
  api: { host: string; port: number };
  databaseUrl?: string;
  /** Connections per process (the API and the worker each keep a pool). */
  dbPoolSize: number;
  dataDir: string;
  embeddedPostgres: { port: number; runtimeDir: string };
  temporal: {
    address?: string;
    namespace: string;
    taskQueue: string;
    cliPath?: string;
    /** TLS to `address` (unset: plaintext, as the dev server and a compose network speak). */
    tls?: TemporalTls;
    /** Temporal Cloud API key; with it TLS is on unless TEMPORAL_TLS=false. */
    apiKey?: string;
    /** A prebuilt workflow bundle: the worker starts in a second instead of bundling. */
    workflowBundle?: string;
    devServerPort: number;
    devDurability: 'normal' | 'full';
    uiPort: number;
    uiUrl?: string;
  };
  devApiKey?: string;
  confidenceThreshold: number;
  reviewTtlMs: number;
  asapDelaySeconds: { min: number; max: number };
  rateLimits: RateLimits;
  /** Sends per second per channel, enforced by the Temporal server on each channel's send queue. */
  sendRatePerSecond: Record<'whatsapp' | 'email' | 'linkedin' | 'instagram', number>;
  sweep: { afterMs: number; everyMs: number };
  metrics: {
    /** GET /metrics on the API asks for `Authorization: Bearer <token>` when set. */
    token?: string;
    /** Where `npm run worker` serves its registry (the worker has no HTTP server of its own otherwise). */
    workerBind?: { host: string; port: number };
    /** The Temporal SDK's Prometheus exporter (host:port, as the SDK takes it). */
    temporalBind?: string;
  };
  openai?: { apiKey: string; baseURL?: string; model: string; timeoutMs: number };
  /** Newest first; new values are sealed with the first, any opens what it sealed. Empty: none configured. */
  secretKeys: string[];
  /** Newest first; unset: derived from the secret keys (src/domain/unsubscribe.ts). */
  unsubscribeKeys?: string[];
  /** undefined: the entry point decides (npm start: only with the embedded database). */
  createDevUser?: boolean;
  /** undefined: the entry point decides (npm start: true; worker: false). */
  sandboxFallback?: boolean;
  publicUrl?: string;
  linkedin: { partnerMode: boolean; clientId?: string; clientSecret?: string; apiBaseUrl: string; oauthBaseUrl: string; apiVersion: string };
  instagram: {
    baseUrl: string;
    graphVersion: string;
    appSecret?: string;
    verifyToken?: string;
    defaultConnection?: { accessToken: string; accountId: string };
  };
  email: {
    inboundToken?: string;
    authservId?: string;
    sinkPort: number;
    defaultConnection?: { host: string; port: number; secure: boolean; user?: string; pass?: string; from: string };
  };
  whatsapp: {
    baseUrl: string;
    graphVersion: string;
    appSecret?: string;
    verifyToken?: string;
    defaultConnection?: { accessToken: string; phoneNumberId: string };
  };
}

/** Files are given by path and read when the connection is built (src/temporal/connection.ts). */
export interface TemporalTls {
  clientCertPath?: string;
  clientKeyPath?: string;
  /** Unset: the system's CAs (Temporal Cloud's certificates chain to a public CA). */
  serverCaCertPath?: string;
  serverName?: string;
}

export interface RateLimits {
  perContactPerDay: Record<'whatsapp' | 'email' | 'linkedin' | 'instagram', number>;
  perUserPerDay: number;
  cooldownMs: number;
}

export interface ConfigProblem {
  variable: string;
  expected: string;
  /** What was given, as it may be shown: a secret's value never is. */
  got: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super('Invalid configuration:\n' + problems.map((p) => `  ${p.variable}: expected ${p.expected}, got ${p.got}`).join('\n'));
    this.name = 'ConfigError';
  }
}

const shape = schema.shape as Record<string, z.ZodTypeAny>;

/** Every variable the configuration reads. */
export function configVariables(): string[] {
  return Object.keys(shape);
}

/** Whether a variable holds a credential (its value is never shown in an error). */
export function isSecretVariable(variable: string): boolean {
  return shape[variable]?.meta()?.secret === true;
}

/**
 * A value as an error may show it: a secret as its length only; a URL with its password masked
 * (postgres://autopilot:***@db/autopilot); anything else as given.
 */
export function shownValue(variable: string, value: string | undefined): string {
  if (value === undefined) return 'nothing';
  if (isSecretVariable(variable)) return `a secret of ${value.length} characters (not shown)`;
  try {
    const parsed = new URL(value);
    if (parsed.password) {
      parsed.password = '***';
      return JSON.stringify(parsed.toString());
    }
  } catch {
    // not a URL: shown as given
  }
  return JSON.stringify(value);
}

function problem(env: NodeJS.ProcessEnv, variable: string, expected: string): ConfigProblem {
  return { variable, expected, got: shownValue(variable, env[variable]) };
}

/** Rules across variables, checked once each variable parsed on its own. */
function crossChecks(env: NodeJS.ProcessEnv, e: Parsed): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (e.TEMPORAL_TLS_CLIENT_CERT_PATH && !e.TEMPORAL_TLS_CLIENT_KEY_PATH) {
    problems.push(problem(env, 'TEMPORAL_TLS_CLIENT_KEY_PATH', "the client certificate's private key too, since TEMPORAL_TLS_CLIENT_CERT_PATH is set"));
  }
  if (e.TEMPORAL_TLS_CLIENT_KEY_PATH && !e.TEMPORAL_TLS_CLIENT_CERT_PATH) {
    problems.push(problem(env, 'TEMPORAL_TLS_CLIENT_CERT_PATH', 'the client certificate too, since TEMPORAL_TLS_CLIENT_KEY_PATH is set'));
  }
  if (e.AUTOPILOT_SECRET_KEYS && e.AUTOPILOT_SECRET_KEY) {
    // Two sources for one list would leave it unclear which keys are still trusted after a rotation.
    problems.push(problem(env, 'AUTOPILOT_SECRET_KEY', 'unset when AUTOPILOT_SECRET_KEYS is set (list that key in AUTOPILOT_SECRET_KEYS, last)'));
  }
  const tlsFiles = (['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH', 'TEMPORAL_TLS_SERVER_NAME'] as const).filter((v) => e[v]);
  if (e.TEMPORAL_TLS === 'false' && tlsFiles.length) {
    problems.push(problem(env, 'TEMPORAL_TLS', `true or unset, since ${tlsFiles.join(', ')} ${tlsFiles.length > 1 ? 'are' : 'is'} set`));
  }
  return problems;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    const seen = new Set<string>();
    const problems = result.error.issues
      .map((issue) => String(issue.path[0]))
      .filter((variable) => !seen.has(variable) && seen.add(variable))
      .map((variable) => {
        const detail = result.error.issues.find((i) => i.path[0] === variable)?.message ?? '';
        const described = shape[variable]?.description ?? 'a valid value';
        return problem(env, variable, `${described} (${detail})`);
      });
    throw new ConfigError(problems);
  }
  const crossProblems = crossChecks(env, result.data);
  if (crossProblems.length) throw new ConfigError(crossProblems);
  const e = result.data;
  return {
    logLevel: e.LOG_LEVEL,
    api: { host: e.HOST, port: e.PORT },
    databaseUrl: e.DATABASE_URL,
    dbPoolSize: e.AUTOPILOT_DB_POOL_SIZE,
    dataDir: path.resolve(e.AUTOPILOT_DATA_DIR),
    embeddedPostgres: { port: e.AUTOPILOT_PG_PORT, runtimeDir: path.resolve(e.AUTOPILOT_PG_RUNTIME_DIR) },
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      cliPath: e.TEMPORAL_CLI_PATH,
      tls: temporalTls(e),
      apiKey: e.TEMPORAL_API_KEY,
      workflowBundle: e.AUTOPILOT_WORKFLOW_BUNDLE,
      devServerPort: e.TEMPORAL_PORT,
      devDurability: e.TEMPORAL_DEV_DURABILITY,
      uiPort: e.TEMPORAL_UI_PORT,
      uiUrl: e.TEMPORAL_UI_URL,
    },
    devApiKey: e.AUTOPILOT_DEV_API_KEY,
    confidenceThreshold: e.AUTOPILOT_CONFIDENCE_THRESHOLD,
    reviewTtlMs: e.AUTOPILOT_REVIEW_TTL,
    asapDelaySeconds: e.AUTOPILOT_ASAP_DELAY_SECONDS,
    rateLimits: {
      perContactPerDay: {
        whatsapp: e.AUTOPILOT_LIMIT_WHATSAPP_PER_DAY,
        email: e.AUTOPILOT_LIMIT_EMAIL_PER_DAY,
        linkedin: e.AUTOPILOT_LIMIT_LINKEDIN_PER_DAY,
        instagram: e.AUTOPILOT_LIMIT_INSTAGRAM_PER_DAY,
      },
      perUserPerDay: e.AUTOPILOT_LIMIT_USER_PER_DAY,
      cooldownMs: e.AUTOPILOT_COOLDOWN,
    },
    sendRatePerSecond: {
      whatsapp: e.AUTOPILOT_SEND_RATE_WHATSAPP,
      email: e.AUTOPILOT_SEND_RATE_EMAIL,
      instagram: e.AUTOPILOT_SEND_RATE_INSTAGRAM,
      linkedin: e.AUTOPILOT_SEND_RATE_LINKEDIN,
    },
    sweep: { afterMs: e.AUTOPILOT_SWEEP_AFTER, everyMs: e.AUTOPILOT_SWEEP_EVERY },
    metrics: {
      token: e.AUTOPILOT_METRICS_TOKEN,
      workerBind: e.AUTOPILOT_WORKER_METRICS_BIND ? splitBind(e.AUTOPILOT_WORKER_METRICS_BIND) : undefined,
      temporalBind: e.TEMPORAL_METRICS_BIND,
    },
    secretKeys: e.AUTOPILOT_SECRET_KEYS ?? (e.AUTOPILOT_SECRET_KEY ? [e.AUTOPILOT_SECRET_KEY] : []),
    unsubscribeKeys: e.AUTOPILOT_UNSUBSCRIBE_KEYS,
    createDevUser: e.AUTOPILOT_CREATE_DEV_USER === undefined ? undefined : e.AUTOPILOT_CREATE_DEV_USER === 'true',
    sandboxFallback: e.AUTOPILOT_SANDBOX_FALLBACK === undefined ? undefined : e.AUTOPILOT_SANDBOX_FALLBACK === 'true',
    publicUrl: e.AUTOPILOT_PUBLIC_URL,
    linkedin: {
      partnerMode: e.LINKEDIN_PARTNER_MODE === 'true',
      clientId: e.LINKEDIN_CLIENT_ID,
      clientSecret: e.LINKEDIN_CLIENT_SECRET,
      apiBaseUrl: e.LINKEDIN_API_BASE_URL,
      oauthBaseUrl: e.LINKEDIN_OAUTH_BASE_URL,
      apiVersion: e.LINKEDIN_API_VERSION,
    },
    instagram: {
      baseUrl: e.INSTAGRAM_API_BASE_URL,
      graphVersion: e.INSTAGRAM_GRAPH_VERSION,
      appSecret: e.INSTAGRAM_APP_SECRET,
      verifyToken: e.INSTAGRAM_VERIFY_TOKEN,
      defaultConnection:
        e.INSTAGRAM_ACCESS_TOKEN && e.INSTAGRAM_ACCOUNT_ID ? { accessToken: e.INSTAGRAM_ACCESS_TOKEN, accountId: e.INSTAGRAM_ACCOUNT_ID } : undefined,
    },
    email: {
      inboundToken: e.EMAIL_INBOUND_TOKEN,
      authservId: e.EMAIL_AUTHSERV_ID,
      sinkPort: e.AUTOPILOT_SMTP_SINK_PORT,
      defaultConnection:
        e.SMTP_HOST && e.SMTP_FROM
          ? { host: e.SMTP_HOST, port: e.SMTP_PORT, secure: e.SMTP_SECURE === 'true', user: e.SMTP_USER, pass: e.SMTP_PASS, from: e.SMTP_FROM }
          : undefined,
    },
    whatsapp: {
      baseUrl: e.WHATSAPP_API_BASE_URL,
      graphVersion: e.WHATSAPP_GRAPH_VERSION,
      appSecret: e.WHATSAPP_APP_SECRET,
      verifyToken: e.WHATSAPP_VERIFY_TOKEN,
      defaultConnection:
        e.WHATSAPP_API_KEY && e.WHATSAPP_PHONE_NUMBER_ID ? { accessToken: e.WHATSAPP_API_KEY, phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID } : undefined,
    },
    openai:
      e.OPENAI_API_KEY || e.OPENAI_BASE_URL
        ? { apiKey: e.OPENAI_API_KEY ?? 'not-needed', baseURL: e.OPENAI_BASE_URL, model: e.OPENAI_MODEL, timeoutMs: e.OPENAI_TIMEOUT }
        : undefined,
  };
}

/** `host:port` (an IPv6 host in brackets) as its parts. */
function splitBind(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  return { host: value.slice(0, at).replace(/^\[|\]$/g, ''), port: Number(value.slice(at + 1)) };
}

/** TLS is on when asked for, or when anything only TLS uses is set (an API key included, as Temporal's clients do). */
function temporalTls(e: Parsed): TemporalTls | undefined {
  const settings: TemporalTls = {
    clientCertPath: e.TEMPORAL_TLS_CLIENT_CERT_PATH && path.resolve(e.TEMPORAL_TLS_CLIENT_CERT_PATH),
    clientKeyPath: e.TEMPORAL_TLS_CLIENT_KEY_PATH && path.resolve(e.TEMPORAL_TLS_CLIENT_KEY_PATH),
    serverCaCertPath: e.TEMPORAL_TLS_SERVER_CA_CERT_PATH && path.resolve(e.TEMPORAL_TLS_SERVER_CA_CERT_PATH),
    serverName: e.TEMPORAL_TLS_SERVER_NAME,
  };
  if (e.TEMPORAL_TLS === 'false') return undefined;
  const implied = Object.values(settings).some((v) => v !== undefined) || e.TEMPORAL_API_KEY !== undefined;
  return e.TEMPORAL_TLS === 'true' || implied ? settings : undefined;
}

/** For entry points: a bad value stops the process with a message naming the variable. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
