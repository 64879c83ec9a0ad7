"""The ``chaingrad`` application: the command line, the gallery, training tasks and plots."""
