"""`destwatch serve`: the reference destination in the foreground, with how to reach it (the banner)."""

from __future__ import annotations

from typing import Annotated

import typer

from destwatch.cli._exits import exits, said
from destwatch.errors import ConfigError
from destwatch.reference.candidates import candidate_customer
from destwatch.reference.serve import (
    DEFAULT_PORT,
    banner,
    candidate_listing,
    fault_listing,
    variant_listing,
)
from destwatch.reference.variants import variant_customer

__all__ = ["serve_command"]

# `serve` checks no contract: its exit 1 says the server could not start (a busy port).
_START_FAILED = 1


@exits
def serve_command(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", min=0, max=65535, help="port (0: any free port)")
    ] = DEFAULT_PORT,
    fault: Annotated[
        str, typer.Option("--fault", help="switch on one seeded fault (see --list-faults)")
    ] = "",
    token_ttl: Annotated[
        int | None, typer.Option("--token-ttl", min=1, help="token lifetime in seconds (default 3600)")
    ] = None,
    list_faults: Annotated[
        bool, typer.Option("--list-faults", help="print the seeded faults and exit")
    ] = False,
    variant: Annotated[
        str, typer.Option("--variant", help="serve one document variant (see --list-variants)")
    ] = "",
    list_variants: Annotated[
        bool, typer.Option("--list-variants", help="print the document variants and exit")
    ] = False,
    candidate: Annotated[
        str,
        typer.Option(
            "--candidate", help="also serve productCatalog v4, a candidate copy of v2 (see --list-candidates)"
        ),
    ] = "",
    list_candidates: Annotated[
        bool, typer.Option("--list-candidates", help="print the candidate versions and exit")
    ] = False,
) -> int | None:
    """Serve the reference destination (an Occtoo-style destination with seeded faults) until Ctrl+C."""
    # Here, not at the top: every destwatch command imports this module to declare its options.
    from destwatch.reference.app import create_app
    from destwatch.reference.server import ServerStartError, serve_forever

    if list_faults:
        typer.echo(fault_listing())
        return
    if list_variants:
        typer.echo(variant_listing())
        return
    if list_candidates:
        typer.echo(candidate_listing())
        return
    try:
        # The variant first: its error names the listing that helps, and so do the candidate's and fault's.
        customer = variant_customer(variant)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--variant", fix="see --list-variants") from None
    try:
        customer = candidate_customer(candidate, customer)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--candidate", fix="see --list-candidates") from None
    try:
        app = create_app(fault=fault or None, token_ttl=token_ttl, customer=customer)
    except ValueError as exc:
        raise ConfigError(str(exc), key="--fault", fix="see --list-faults") from None

    def ready(url: str) -> None:
        typer.echo(
            banner(
                url,
                fault=fault or None,
                token_ttl=token_ttl,
                variant=variant or None,
                customer=customer,
                candidate=candidate or None,
            )
        )

    try:
        serve_forever(app, host, port, on_ready=ready)
    except ServerStartError as exc:
        said(f"destwatch serve: {exc}")
        return _START_FAILED
    except KeyboardInterrupt:
        # uvicorn re-raises Ctrl+C after a clean shutdown; stopping is what the user asked for.
        typer.echo("stopped")
