from ariadne import MutationType, QueryType, gql, make_executable_schema
from graphql import GraphQLError

from app.models import Site

type_defs = gql("""
    type Query {
        version: String!
    }

    type Mutation {
        renameSite(id: Int!, name: String!): Boolean!
        closeSite(id: Int!): Boolean!
    }
""")

query = QueryType()
mutation = MutationType()


@query.field("version")
def resolve_version(_, info):
    return "1"


@mutation.field("renameSite")
def resolve_rename_site(_, info, id, name):
    if not info.context["request"].user.is_authenticated:
        raise GraphQLError("authentication required")
    site = info.context["session"].get(Site, id)
    if site is None:
        return False
    site.name = name
    info.context["session"].commit()
    return True


@mutation.field("closeSite")
def resolve_close_site(_, info, id):
    if not info.context["request"].user.is_authenticated:
        raise GraphQLError("authentication required")
    site = info.context["session"].get(Site, id)
    if site is None:
        return False
    info.context["session"].delete(site)
    info.context["session"].commit()
    return True


schema = make_executable_schema(type_defs, query, mutation)
