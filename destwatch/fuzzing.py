"""Schemathesis glue: one schema per destination version, built from the document the run fetched.

The fuzz suite never lets Schemathesis fetch a token or a document on its own: the document is the one
`Run.spec(target)` fetched over HTTP (as a user would), and every generated request carries the token of
destwatch's `TokenClient`. What is left to Schemathesis is generation, sending and its checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import schemathesis
from schemathesis.errors import FailureGroup

from destwatch.redact import redact, register_secret

if TYPE_CHECKING:
    from schemathesis import Case
    from schemathesis.checks import CheckContext
    from schemathesis.core.transport import Response
    from schemathesis.schemas import BaseSchema

__all__ = [
    "EXCLUDED_CHECKS",
    "FuzzSettings",
    "fuzz_config",
    "has_links",
    "load_schema",
    "real_token_accepted",
    "success_envelope_holds_language_and_results",
    "validate",
]

# Checks that need write operations (resources created then deleted) or a second identity's objects:
# an Occtoo destination is read-only product data, so they could only ever pass vacuously.
EXCLUDED_CHECKS = ("use_after_free", "ensure_resource_availability", "object_level_authorization")

TokenSource = Callable[[], str]


@dataclass(frozen=True)
class FuzzSettings:
    """What a fuzz run takes from the target's settings (targets.toml) and the run's seed."""

    seed: int
    examples: int
    response_time_budget: float
    timeout: float
    max_rps: float


def fuzz_config(settings: FuzzSettings) -> schemathesis.Config:
    """The Schemathesis configuration of one destination version's fuzz run.

    `database = none`: a stored example database makes a seeded run send different requests than the
    last one did (notes §9), and Pareto-front upkeep costs about 3x in throughput (notes §8).
    """
    return schemathesis.Config.from_dict(
        {
            "seed": settings.seed,
            "request-timeout": settings.timeout,
            # pyrate-limiter wants an integral rate: round down, but never to zero.
            "rate-limit": f"{max(1, int(settings.max_rps))}/s",
            "suppress-health-check": ["all"],
            "generation": {"max-examples": settings.examples, "database": "none"},
            "checks": {
                "max_response_time": settings.response_time_budget,
                **{name: {"enabled": False} for name in EXCLUDED_CHECKS},
            },
        }
    )


def load_schema(
    document: Mapping[str, Any],
    *,
    base_url: str,
    settings: FuzzSettings,
    token: TokenSource | None,
) -> BaseSchema:
    """A Schemathesis schema of `document`, sending to `base_url`, authenticated by `token` when protected."""
    schema = schemathesis.openapi.from_dict(dict(document), config=fuzz_config(settings))
    schema.config.update(base_url=base_url)
    if token is not None:
        schema.auth(refresh_interval=None)(_provider(token))
    return schema


class _IssuedTokens:
    """The real tokens handed to Schemathesis, so a check can tell them from generated garbage."""

    def __init__(self) -> None:
        self._headers: set[str] = set()

    def add(self, token: str) -> None:
        register_secret(token)
        self._headers.add(f"Bearer {token}")

    def __contains__(self, authorization: object) -> bool:
        return authorization in self._headers


_ISSUED = _IssuedTokens()


def _provider(token: TokenSource) -> type:
    # `refresh_interval=None` above: no second cache inside Schemathesis. The TokenClient already caches
    # for the token's real lifetime; a fixed 300 s cache here would hand out tokens the TokenClient had
    # replaced, and its 401-replay would hide a destination that rejects fresh tokens.
    class TokenClientAuth:
        def get(self, case: Case, ctx: object) -> str:
            value = token()
            _ISSUED.add(value)
            return value

        def set(self, case: Case, data: str, ctx: object) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}

    return TokenClientAuth


def real_token_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """A request that carried a real, current token must not be answered 401 or 403.

    Without this check an expired or revoked token turns every request into a documented 401 and the
    operation passes without one real answer having been checked.
    """
    authorization = response.request.headers.get("Authorization")
    if response.status_code in (401, 403) and authorization in _ISSUED:
        raise AssertionError(
            f"a fresh token from the token endpoint was rejected with {response.status_code}: "
            "the operation's answers were not checked"
        )
    return None


def success_envelope_holds_language_and_results(
    ctx: CheckContext, response: Response, case: Case
) -> bool | None:
    """Every 2xx data answer is `{"language": ..., "results": [...]}`, for GET and POST alike.

    This is the contract's envelope [doc], checked apart from the document so a document that forgot to
    require `language` cannot hide its absence.
    """
    if not 200 <= response.status_code < 300:
        return None
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError("a 2xx answer is not JSON") from None
    if not isinstance(body, dict):
        raise AssertionError(f"a 2xx answer is a JSON {type(body).__name__}, not an object")
    missing = [key for key in ("language", "results") if key not in body]
    if missing:
        raise AssertionError(f"the answer's envelope lacks {', '.join(missing)} (keys: {sorted(body)})")
    if not isinstance(body["results"], list):
        raise AssertionError(f"`results` is a JSON {type(body['results']).__name__}, not an array")
    return None


ADDITIONAL_CHECKS = (real_token_accepted, success_envelope_holds_language_and_results)


def validate(case: Case, *, on_failure: Callable[[str, str], None] | None = None) -> None:
    """Send `case` and run every enabled check plus destwatch's own.

    `on_failure(curl, response_text)` is called once, for the final (shrunk) failing example, so
    reports attach exactly one reproduction per operation; both strings are already redacted.
    """
    response = case.call()
    try:
        case.validate_response(response, additional_checks=list(ADDITIONAL_CHECKS))
    except FailureGroup:
        if on_failure is not None and _is_final_example():
            headers = dict(response.request.headers)
            on_failure(redact(case.as_curl_command(headers=headers)), redact(response.text))
        raise


def _is_final_example() -> bool:
    from hypothesis.control import current_build_context
    from hypothesis.errors import InvalidArgument

    try:
        return current_build_context().is_final
    except InvalidArgument:
        # Outside a Hypothesis run (a hand-built case): there is only one example.
        return True


def has_links(document: Mapping[str, Any]) -> bool:
    """Whether any response of any operation declares OpenAPI links (what stateful testing follows)."""
    return any(True for _ in _links(document))


def _links(document: Mapping[str, Any]) -> Iterator[str]:
    for path_item in (document.get("paths") or {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for response in (operation.get("responses") or {}).values():
                if isinstance(response, dict):
                    yield from response.get("links") or {}
