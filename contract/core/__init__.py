"""The contract itself: the schema and what it says of each property, validation and its
violations, the requirement catalogue, and the API's fixed facts.

The lowest wing but the errors: it imports no other wing, and every other may import it.
"""
