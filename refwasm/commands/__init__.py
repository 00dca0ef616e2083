"""Subcommands of the ``refwasm`` CLI, one module each (see ``refwasm.cli``)."""
