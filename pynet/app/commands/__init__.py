"""The commands of ``pynet``: one module each, with ``add_parser(commands)`` and ``run(args, out, err)``."""
