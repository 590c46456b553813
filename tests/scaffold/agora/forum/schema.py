import graphene

from .auth import login_required
from .models import Topic


class Query(graphene.ObjectType):
    topic_count = graphene.Int()

    def resolve_topic_count(root, info):
        return Topic.objects.count()


class PinTopic(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)

    ok = graphene.Boolean()

    @login_required
    def mutate(root, info, id):
        updated = Topic.objects.filter(pk=id).update(pinned=True)
        return PinTopic(ok=updated == 1)


class DeleteTopic(graphene.Mutation):
    class Arguments:
        id = graphene.Int(required=True)

    ok = graphene.Boolean()

    @login_required
    def mutate(root, info, id):
        deleted, _ = Topic.objects.filter(pk=id).delete()
        return DeleteTopic(ok=deleted == 1)


class Mutation(graphene.ObjectType):
    pin_topic = PinTopic.Field()
    delete_topic = DeleteTopic.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
