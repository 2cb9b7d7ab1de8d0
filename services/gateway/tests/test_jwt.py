"""Bearer JWTs from an external identity provider: pinned algorithm, checked issuer, audience and expiry."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from crm_shared.testing import MigratedDatabases

from .conftest import Api, Containers, start_gateway

ISSUER = "https://id.example.test/"
AUDIENCE = "crm-api"


@pytest.fixture(scope="module")
def signing_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture(scope="module")
def api(amqp_uri: str, migrated_databases: MigratedDatabases, signing_key: rsa.RSAPrivateKey) -> Iterator[Api]:
    """The gateway alone (no request here reaches a service), trusting tokens of one issuer."""
    containers = Containers(amqp_uri)
    try:
        yield start_gateway(
            containers.start,
            migrated_databases,
            "postgresql",
            JWT_ISSUER=ISSUER,
            JWT_AUDIENCE=AUDIENCE,
            JWT_KEY=public_pem(signing_key),
            JWT_ALGORITHM="RS256",
        )
    finally:
        containers.stop_all()


def token(key: Any, algorithm: str = "RS256", **overrides: Any) -> str:
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-42", "exp": int(time.time()) + 300, "crm_role": "admin"}
    claims.update(overrides)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm)


def audit_log_with(api: Api, bearer: str) -> int:
    return api.get("/api/v1/audit-log", role=None, headers={"Authorization": f"Bearer {bearer}"}).status_code


def test_a_valid_token_is_a_principal_with_the_role_it_names(api: Api, signing_key: rsa.RSAPrivateKey) -> None:
    assert audit_log_with(api, token(signing_key)) == 200
    assert audit_log_with(api, token(signing_key, crm_role="sales")) == 403


@pytest.mark.parametrize(
    "bad",
    ["expired", "foreign issuer", "other audience", "no expiry", "alg none", "hs256 with the public key", "garbage"],
)
def test_a_token_that_is_not_valid_for_this_api_is_refused(api: Api, signing_key: rsa.RSAPrivateKey, bad: str) -> None:
    bearer = {
        "expired": lambda: token(signing_key, exp=int(time.time()) - 3600),
        "foreign issuer": lambda: token(signing_key, iss="https://evil.example.test/"),
        "other audience": lambda: token(signing_key, aud="another-api"),
        "no expiry": lambda: token(signing_key, exp=None),
        "alg none": lambda: token(None, algorithm="none"),
        "hs256 with the public key": lambda: _hs256_with(public_pem(signing_key)),
        "garbage": lambda: "a.b.c",
    }[bad]()

    response = api.get("/api/v1/audit-log", role=None, headers={"Authorization": f"Bearer {bearer}"})

    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"


def _hs256_with(secret: str) -> str:
    """The classic algorithm-confusion attack: a token 'signed' with the public key as an HMAC secret."""
    import base64
    import hashlib
    import hmac
    import json

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "x", "exp": int(time.time()) + 300, "crm_role": "admin"}
    payload = b64(json.dumps(claims).encode())
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(signature)}"


def test_a_token_naming_no_known_role_is_forbidden(api: Api, signing_key: rsa.RSAPrivateKey) -> None:
    assert audit_log_with(api, token(signing_key, crm_role="superuser")) == 403


def test_api_keys_still_work_beside_tokens(api: Api) -> None:
    assert api.get("/api/v1/audit-log").status_code == 200
