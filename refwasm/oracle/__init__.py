"""Differential testing: refwasm as an oracle for other engines (``compare``: the comparison
rules; ``server``: the ``refwasm oracle`` protocol; ``diff``: the ``refwasm diff`` driver)."""
