"""targets.toml as a new user writes it: the file `destwatch init` writes, with its "your destination" block
uncommented and filled in as its comments say (names, URL, credentials as `${...}` variables), pointing at a
reference destination served at a URL like any destination no one here wrote.

The block's v1 asks the destination for tokens; its v2 uses OAuth2 client credentials. They stand for the
served reference's productCatalog v1 and v2, whose ids and demo credentials `destwatch serve` prints.
"""

from __future__ import annotations

from destwatch.reference.model import REFERENCE

MARKER = "# Your destination"
NAME = "myDestination"


def user_targets(
    template: str, served_at: str, *, max_rps: float | None = None
) -> tuple[str, dict[str, str]]:
    """The filled-in file and the environment it reads. `max_rps`: a faster pace for a loopback server
    (a pace changes how fast requests go, not what any check expects)."""
    kept, block = template.split(MARKER)
    lines = [line.removeprefix("#").removeprefix(" ") for line in block.splitlines()[2:]]
    catalog = REFERENCE.destination("productCatalog")
    assert catalog is not None
    v1, v2 = catalog.version("v1"), catalog.version("v2")
    assert v1 is not None and v2 is not None and v2.oauth_demo is not None
    filled = []
    for line in lines:
        if line.startswith("base_url = "):
            line = f'base_url = "{served_at}/northwind/productCatalog"'
        elif line.startswith("customer = "):
            line = 'customer = "northwind"'
        elif line.startswith("languages = "):
            line = 'languages = ["en", "sv", "de"]'
        elif line.startswith("token_url = "):
            line = f'token_url = "{served_at}/destinations/{{destination_id}}/token"'
        filled.append(line)
        if line.startswith("token_flow = "):
            filled.append(f'token_url = "{served_at}/oauth2/token"')
        if line.startswith("customer = ") and max_rps is not None:
            filled.append(f"max_rps = {max_rps}")
    env = {
        "MYDESTINATION_V1_DESTINATION_ID": v1.destination_id,
        "MYDESTINATION_V1_CLIENT_ID": v1.applications[0].client_id,
        "MYDESTINATION_V1_CLIENT_SECRET": v1.applications[0].client_secret,
        "MYDESTINATION_V2_AUDIENCE": v2.destination_id,
        "MYDESTINATION_V2_CLIENT_ID": v2.oauth_demo.client_id,
        "MYDESTINATION_V2_CLIENT_SECRET": v2.oauth_demo.client_secret,
    }
    return kept + "\n".join(filled) + "\n", env
