import functools

from graphql import GraphQLError


def login_required(resolver):
    """Refuses the resolver to callers without a user in the context."""

    @functools.wraps(resolver)
    def wrapper(root, info, **kwargs):
        if info.context.get("user") is None:
            raise GraphQLError("authentication required")
        return resolver(root, info, **kwargs)

    return wrapper
