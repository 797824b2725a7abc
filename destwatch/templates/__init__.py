"""Files `destwatch init` writes into a user's repository, and the built-in example targets.toml."""
