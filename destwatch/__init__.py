"""destwatch: contract testing and monitoring for Occtoo destination APIs."""

__version__ = "0.1.0"
