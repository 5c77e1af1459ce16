"""The lessons that ship with kitsdk, one module each, registered by entry point like any
other lesson (``pyproject.toml``). Their checks share ``kitsdk.lessons.checks``.
"""
