"""Imported once by the generator's fork server: loads the read-only tables every worker needs
(about 0.3 s), so each worker forked from it starts with them already in memory."""

from ecomlake.generator.geo import networks

networks()
