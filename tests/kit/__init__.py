"""The test kit: what destwatch's own tests share (imported as `kit`; `tests/` is on pytest's path).

- `gates`: a gate run in-process on the reference (embedded or served at a URL), returning its `Summary`;
  `destwatch run` as a user runs it, in a child process.
- `steered`: a destination whose every answer a test steers (the core's HTTP and token tests).
- `refclient`: a client of a served reference, and plain Schemathesis runs on it.
- `monitoring`: a fake clock, `[monitor]` tables, monitors on the reference, an alert-capturing server, a
  seeded outage's history.
- `browser`, `screens`: pages in headless chromium; every page destwatch writes, built from fixed data.
- `proxy`, `gaterun`: a misbehaving proxy in front of the reference, and `destwatch run` measured against it.
- `usertargets`: the targets.toml `destwatch init` writes, filled in as a new user would.
"""
