"""The API's fixed facts, as its documentation gives them: paths, methods, the default user."""

from __future__ import annotations

CONTACT_PATH = "/api/2.0/contacts/{id}"
"""REST: ``PUT`` updates a contact, ``GET`` reads it back."""
XMLRPC_PATH = "/api/2.0/xmlrpc"
UPDATE_METHOD = "contacts.UpdateContact"
GET_METHOD = "contacts.GetContact"
DEFAULT_USER = "admin"
