"""A destination version's OpenAPI document as destwatch reads it: the endpoint model per method (`model`),
the queries it can express and how each method writes them (`queries`), the model two versions share
(`versions`), and query values drawn from sampled data (`generators`). Used alike by the gate's rules, the
monitor and validation."""
