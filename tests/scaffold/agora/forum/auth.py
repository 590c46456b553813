import functools

from django.core.exceptions import PermissionDenied


def login_required(resolver):
    """Refuses the resolver to visitors who are not signed in (the context is the request)."""

    @functools.wraps(resolver)
    def wrapper(root, info, *args, **kwargs):
        if not info.context.user.is_authenticated:
            raise PermissionDenied("sign in first")
        return resolver(root, info, *args, **kwargs)

    return wrapper
