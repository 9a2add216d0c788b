"""egress inside other web frameworks, one module per framework.

Each module imports its framework at the top, so `import egress` imports none of them;
a module imported without its framework installed says which extra to install.
"""
