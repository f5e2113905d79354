"""The template loader's errors."""

from __future__ import annotations


class TemplateError(ValueError):
    """The template cannot be read, or a function in it cannot be built locally."""


class UnknownFunctionError(TemplateError, KeyError):
    """No function of that name in the template (a ``KeyError`` too, for ``functions[name]``)."""

    def __str__(self) -> str:
        return str(self.args[0])


__all__ = ["FunctionNotCreated", "TemplateError", "UnknownFunctionError"]


class FunctionNotCreated(TemplateError):
    """The template names a function the application could not create (see
    ``Application.failed``): what depends on it is not wired."""
