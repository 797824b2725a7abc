"""destwatch's contract suites, shipped inside the package as `destwatch.suites`.

Each folder is one suite (smoke, fuzz, auth, shape, filters, consumers) of plain pytest modules;
`destwatch run` hands them to pytest with the run. The folders are not packages: pytest imports their
modules by path.
"""
