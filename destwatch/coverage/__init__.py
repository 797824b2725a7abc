"""Contract coverage: what a gate run proved about each version, item by item of its own document.

`items` lists a version's coverage items from its OpenAPI document; `ledger` turns the evidence the checks
recorded (`destwatch.notices.cover`) and the tests that skipped or failed into one state per item, and holds
the owners' bar; `history` keeps it across runs; `markdown` writes it for a CI job's summary.
"""
