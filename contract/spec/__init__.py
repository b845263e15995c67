"""The contract itself: the schema and what it says of each property, validation and its
violations, the requirement catalogue, and the API's fixed facts.

The lowest wing: it imports no other part of the package, and every other part may
import it.
"""
