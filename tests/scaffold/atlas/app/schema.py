"""The GraphQL schema: the root types merge the per-model classes."""
import strawberry
from strawberry.extensions import QueryDepthLimiter
from strawberry.types import Info

from .models import Author
from .permissions import IsAuthenticated


@strawberry.type
class Query:
    @strawberry.field
    def version(self) -> str:
        return "1"


@strawberry.type
class Mutation:
    @strawberry.mutation(permission_classes=[IsAuthenticated])
    def rename_author(self, info: Info, id: int, name: str) -> bool:
        author = info.context["session"].get(Author, id)
        if author is None:
            return False
        author.name = name
        info.context["session"].commit()
        return True

    @strawberry.mutation(permission_classes=[IsAuthenticated])
    def deactivate_author(self, info: Info, id: int) -> bool:
        author = info.context["session"].get(Author, id)
        if author is None:
            return False
        author.active = False
        info.context["session"].commit()
        return True


schema = strawberry.Schema(
    query=Query, mutation=Mutation, extensions=[QueryDepthLimiter(max_depth=10)]
)
