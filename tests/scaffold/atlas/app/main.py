"""Atlas: authors and their works, over GraphQL."""
from fastapi import Depends, FastAPI, Header
from strawberry.fastapi import GraphQLRouter

from app.db import SessionLocal
from app.schema import schema


def get_session():
    with SessionLocal() as session:
        yield session


async def get_context(authorization: str = Header(default=""), session=Depends(get_session)):
    user = {"token": authorization.removeprefix("Bearer ")} if authorization.startswith("Bearer ") else None
    return {"session": session, "user": user}


app = FastAPI(title="atlas")
app.include_router(GraphQLRouter(schema, context_getter=get_context, graphql_ide=None), prefix="/graphql")


@app.get("/api/version")
async def version():
    return {"version": "1"}
