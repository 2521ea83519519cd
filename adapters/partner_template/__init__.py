"""The adapter a new partner copies: see README.md in this folder."""

from adapters.partner_template.adapter import TemplateAdapter

__all__ = ["TemplateAdapter"]
