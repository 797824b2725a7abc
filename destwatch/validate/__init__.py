"""`destwatch validate`: a go/no-go verdict for a new destination version, before consumers switch.

`facts` reads what each version's document promises, `diff` turns two sets of facts into classified
changes, `live` compares the same logical queries on both versions (finding renames, unexplained
differences and latency regressions), `waivers` reads the accepted changes, `verdict` decides, `report`
writes Markdown, JSON and JUnit, and `command` runs it all. Like the monitor, it needs no pytest; only the
contract suites it runs on the candidate go through the gate.
"""
