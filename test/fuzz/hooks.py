"""schemathesis hooks for `npm run test:fuzz` (loaded through test/fuzz/schemathesis.toml).

Each operation gets the credentials its security scheme in /openapi.json names, so the fuzzer's requests reach
the code behind the check, and `ignored_auth` can prove the check by taking them away again:
- apiKey (every /v1 route): the fuzz user's API key as a Bearer token;
- inboundMailBasic (POST /webhooks/email): HTTP Basic with EMAIL_INBOUND_TOKEN as the password;
- metaSignature (POST /webhooks/whatsapp, /webhooks/instagram): X-Hub-Signature-256, the HMAC-SHA256 of the
  exact bytes sent, keyed with the platform's app secret, as Meta signs deliveries;
- metricsToken (GET /metrics): AUTOPILOT_METRICS_TOKEN as a Bearer token (the launcher sets one, so the check runs).
The secrets come from the launcher (test/fuzz/serve.ts) through the environment.
"""

import base64
import hashlib
import hmac
import json
import os

import schemathesis

META_SECRETS = {
    "/webhooks/whatsapp": "FUZZ_WHATSAPP_APP_SECRET",
    "/webhooks/instagram": "FUZZ_INSTAGRAM_APP_SECRET",
}


def wire_bytes(body):
    """The bytes `requests` sends for a JSON body (requests' own `json=` serialization), or None if unknown."""
    try:
        return json.dumps(body, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError):
        return None


# Credentials differ by operation, so nothing is cached; a 401 is an answer under test here, not an expired token.
@schemathesis.auth(refresh_interval=None, retry_on=[])
class OperationCredentials:
    def get(self, case, ctx):
        path, method = ctx.operation.path, ctx.operation.method.upper()
        if path.startswith("/v1/"):
            return ("bearer", os.environ["FUZZ_API_KEY"])
        if method == "POST" and path == "/webhooks/email":
            return ("basic", os.environ["FUZZ_MAIL_TOKEN"])
        if method == "GET" and path == "/metrics":
            return ("bearer", os.environ["FUZZ_METRICS_TOKEN"])
        if method == "POST" and path in META_SECRETS:
            return ("meta", os.environ[META_SECRETS[path]])
        return None  # public routes

    def set(self, case, data, ctx):
        kind, secret = data
        headers = dict(case.headers or {})
        if kind == "bearer":
            headers["Authorization"] = f"Bearer {secret}"
        elif kind == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(f"postmark:{secret}".encode()).decode()
        else:
            raw = wire_bytes(case.body)
            if raw is not None:
                headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        case.headers = headers


# The fuzzer may revoke keys (DELETE /v1/api-keys/{id}), and a stateful run finds its own key's id in the list: once
# that key is revoked, every later request only meets 401 and the routes behind it go untested. Its own key is kept;
# any other id (made up, another key it created) is revoked as generated.
NOT_OUR_KEY = "00000000-0000-4000-8000-00000000dead"


@schemathesis.hook
def before_call(context, case, kwargs):
    if case.method.upper() == "DELETE" and case.operation.path == "/v1/api-keys/{id}":
        params = dict(case.path_parameters or {})
        if params.get("id") == os.environ.get("FUZZ_API_KEY_ID"):
            params["id"] = NOT_OUR_KEY
            case.path_parameters = params
