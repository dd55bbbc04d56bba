"""form-js forms (`forms/<id>.form`) and validation of the data they submit."""

from .definition import load_form
from .errors import FormDefinitionError
from .schema import flatten_errors, form_keys, form_schema, validate_submission

__all__ = [
    "FormDefinitionError",
    "flatten_errors",
    "form_keys",
    "form_schema",
    "load_form",
    "validate_submission",
]
