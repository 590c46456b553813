import graphene

from app.auth import login_required
from app.models import Product


class Query(graphene.ObjectType):
    ping = graphene.String()

    def resolve_ping(root, info):
        return "pong"


class RestockProduct(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)
        amount = graphene.Int(required=True)

    ok = graphene.Boolean()

    @login_required
    def mutate(root, info, id, amount):
        product = info.context["session"].get(Product, id)
        if product is None:
            return RestockProduct(ok=False)
        product.stock += amount
        info.context["session"].commit()
        return RestockProduct(ok=True)


class DeleteProduct(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)

    ok = graphene.Boolean()

    @login_required
    def mutate(root, info, id):
        product = info.context["session"].get(Product, id)
        if product is None:
            return DeleteProduct(ok=False)
        info.context["session"].delete(product)
        info.context["session"].commit()
        return DeleteProduct(ok=True)


class Mutation(graphene.ObjectType):
    restock_product = RestockProduct.Field()
    delete_product = DeleteProduct.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
