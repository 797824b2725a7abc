"""The gate: `destwatch run`, the contract suites run by pytest against the selected destination versions.

`runner` builds the run and hands it to pytest; `plugin` is the pytest plugin (fixtures, results, the
summary); `rules` are the semantic rules of the shape and filters suites; `fuzz` drives Schemathesis;
`authkit` and `jwt_tamper` are the auth suite's instruments; `summary`, `terminal`, `shards` and `page`
write the reports. The modules named `_*` are the adapters to other tools' internals.

Nothing is imported here: the monitor and validation import what they use of the gate, never pytest.
"""
