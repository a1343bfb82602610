"""Verifies one idstream access token with PyJWT, given ONLY the JWKS URL (interop test, issue 13).

    python3 scripts/interop/pyjwt_verify.py <jwks-url> <algorithm> <token>

Prints the verified claims as JSON and exits 0, or prints the error and exits 1. PyJWT needs
`cryptography` for EdDSA, ES256 and RS256 (Debian: python3-jwt, python3-cryptography).
"""
import json
import sys

import jwt


def main() -> int:
    jwks_url, algorithm, token = sys.argv[1:4]
    try:
        signing_key = jwt.PyJWKClient(jwks_url).get_signing_key_from_jwt(token)
        claims = jwt.decode(token, signing_key.key, algorithms=[algorithm], options={"verify_aud": False})
    except Exception as error:  # noqa: BLE001 - any failure is the answer
        print(f"{type(error).__name__}: {error}")
        return 1
    print(json.dumps(claims))
    return 0


if __name__ == "__main__":
    sys.exit(main())
