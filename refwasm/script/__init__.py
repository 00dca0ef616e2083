"""Running ``.wast`` scripts: the runner, its reports, result patterns and ``spectest``."""
