"""destwatch's pytest side: the gate's front-end over the core (`destwatch.environment.Environment`).

`hooks` holds the hooks (targets as parameters, markers, setup failures, the summary), `fixtures` the
fixtures suites use (`target`, `endpoint`, `client`, `document`, `dw_run`), `results` turns test reports
into `destwatch.gate.summary.ItemResult`s, and `attachments` puts redacted evidence into Allure.
"""
