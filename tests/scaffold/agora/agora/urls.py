from django.conf import settings
from django.urls import path
from graphene.validation import depth_limit_validator
from graphene_django.views import GraphQLView

urlpatterns = [
    path(
        "graphql/",
        GraphQLView.as_view(graphiql=settings.DEBUG, validation_rules=(depth_limit_validator(max_depth=10),)),
    ),
]
