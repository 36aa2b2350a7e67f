"""ecomlake: a real-time analytics platform for e-commerce events."""

__version__ = "0.1.0"
