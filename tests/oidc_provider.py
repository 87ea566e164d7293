"""A small OpenID Connect provider run by the tests on a local port (werkzeug, in a thread).

It serves its discovery document, its keys (JWKS), an authorization endpoint that approves
whoever the test chose (`provider.person`) at once and sends the browser back with a code,
and a token endpoint that checks the client's secret, the code, the redirect URI and the
PKCE verifier before it answers with an RS256 ID token signed by joserfc (authlib's JOSE).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

CLIENT_ID = "plugboard-test"
CLIENT_SECRET = "s3cret-of-the-client"
KEY_ID = "test-key-1"


def signing_key() -> RSAKey:
    """An RS256 key named KEY_ID: the provider's own, or a forger's of the same name."""
    return RSAKey.generate_key(2048, parameters={"kid": KEY_ID}, private=True)


@dataclass
class Grant:
    claims: dict[str, Any]
    nonce: str | None
    redirect_uri: str
    code_challenge: str | None


@dataclass
class OidcProvider:
    port: int = 0
    # Who the authorization endpoint approves: the ID token's claims besides the standard ones.
    person: dict[str, Any] = field(default_factory=dict)
    # Sends the browser back with another state than the one it was given (a forged answer).
    forge_state: bool = False
    # Signs ID tokens with this key instead of the published one (a forged ID token).
    foreign_key: RSAKey | None = None
    key: RSAKey = field(default_factory=lambda: signing_key())
    grants: dict[str, Grant] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def approve(self, email: str, *, verified: bool = True, **claims: Any) -> None:
        self.person = {"sub": hashlib.sha256(email.encode()).hexdigest()[:16], "email": email,
                       "email_verified": verified, **claims}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        route = {"/.well-known/openid-configuration": self._discovery, "/jwks": self._jwks,
                 "/authorize": self._authorize, "/token": self._token}.get(request.path)
        response = route(request) if route else Response("not found", 404)
        return response(environ, start_response)

    def _discovery(self, request: Request) -> Response:
        return _json({
            "issuer": self.issuer, "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token", "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"], "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"]})

    def _jwks(self, request: Request) -> Response:
        return _json(KeySet([self.key]).as_dict(private=False))

    def _authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != CLIENT_ID or args.get("response_type") != "code":
            return Response("unknown client or response type", 400)
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(dict(self.person), args.get("nonce"), args["redirect_uri"],
                                  args.get("code_challenge"))
        state = "forged-" + secrets.token_urlsafe(8) if self.forge_state else args["state"]
        location = f"{args['redirect_uri']}?{urlencode({'code': code, 'state': state})}"
        return Response(status=302, headers={"Location": location})

    def _token(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (CLIENT_ID, CLIENT_SECRET):
            return _json({"error": "invalid_client"}, 401)
        grant = self.grants.pop(request.form.get("code", ""), None)
        if grant is None or request.form.get("redirect_uri") != grant.redirect_uri:
            return _json({"error": "invalid_grant"}, 400)
        verifier = request.form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if grant.code_challenge != challenge.rstrip(b"=").decode():
            return _json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": grant.nonce, **grant.claims}
        key = self.foreign_key or self.key
        id_token = jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key)
        return _json({"access_token": secrets.token_urlsafe(16), "token_type": "Bearer",
                      "expires_in": 300, "id_token": id_token})


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status, mimetype="application/json")


class _Quiet(WSGIRequestHandler):
    def log(self, *args: Any) -> None:  # the tests' output is not the place for its log
        pass


@contextmanager
def running_provider() -> Iterator[OidcProvider]:
    provider = OidcProvider()
    server = make_server("127.0.0.1", 0, provider, threaded=True, request_handler=_Quiet)
    provider.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        thread.join(timeout=5)
