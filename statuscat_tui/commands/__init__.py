"""Sub-command groups of the ``statuscat`` CLI; each module has ``register(sub, common)``."""
